/**
 * Closed-loop load with autocannon, in this process (the servers run in their own): a fixed number of
 * connections, each sending its next request as soon as the previous one is answered, until `amount`
 * requests have been answered. A fixed amount (rather than a duration) means no request is left in flight
 * when the run ends, so the stored rows can be checked against the 2xx count exactly.
 */
import autocannon from 'autocannon';
import { CallbackPool, FORM_TYPE } from './callbacks.js';
import { cpuMeter } from './cpu.js';
import { latencySummary } from './stats.js';
import type { Target } from './targets.js';

/** What one run measured. */
export interface LoadResult {
  /** Answered 2xx per second of wall time. */
  requestsPerSecond: number;
  seconds: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  /** Requests that had to be signed during the run because the pool ran out (should be 0). */
  signedLate: number;
  /** CPU time per answer, µs: the server process, and the load generator (this process). */
  serverCpuUs: number;
  generatorCpuUs: number;
  /** Fixed-rate runs only: the longest the generator's own event loop was held up, ms (its latencies include that). */
  generatorLagMs?: number;
}

export interface ClosedLoopOptions {
  target: Target;
  key: string;
  connections: number;
  amount: number;
  /** A run still going after this long is stopped and reported as an error. */
  maxSeconds: number;
}

/** Runs autocannon against the target's webhook with distinct pre-signed callbacks. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const { target, key, connections, maxSeconds } = options;
  const amount = Math.max(options.amount, connections);
  const pool = new CallbackPool(key, target.url, amount + connections);
  const latencies: number[] = [];

  const cpu = cpuMeter(target.cpuSeconds);
  const started = performance.now();
  let lastAnswer = started;
  const instance = autocannon({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': FORM_TYPE },
    connections,
    amount,
    timeout: 10,
    sampleInt: 100,
    requests: [
      {
        setupRequest(request) {
          const callback = pool.next();
          request.body = callback.body;
          request.headers['x-signalwire-signature'] = callback.signature;
          return request;
        },
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    lastAnswer = performance.now();
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  let timedOut = false;
  const guard = setTimeout(() => {
    timedOut = true;
    instance.stop();
  }, maxSeconds * 1000);
  const result = await instance;
  clearTimeout(guard);
  // autocannon notices the end only at its next sample tick: time the run up to its last answer.
  const seconds = (lastAnswer - started) / 1000;
  const cpuPerRequest = cpu(result['2xx'] + result.non2xx);

  if (timedOut) throw new Error(`${target.name}: the run did not finish within ${maxSeconds} s`);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  return {
    requestsPerSecond: result['2xx'] / seconds,
    seconds,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
    ...latencySummary(latencies),
    signedLate: pool.signedLate,
    ...cpuPerRequest,
  };
}

/** Throws, naming the server and the status codes, unless every request was answered 2xx. */
export function assertAllOk(name: string, result: LoadResult): void {
  if (result.non2xx === 0 && result.errors === 0) return;
  throw new Error(
    `${name}: ${result.non2xx} non-2xx responses and ${result.errors} errors/timeouts out of ${result.ok + result.non2xx + result.errors}` +
      ` (status codes: ${JSON.stringify(result.statusCodes)})`,
  );
}
