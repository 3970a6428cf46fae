/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate, whether or not earlier ones have
 * been answered, and its latency is measured from when it was due (so a stall also counts against the
 * requests that could not be sent during it). Sent with node:http over a pool of keep-alive connections.
 * Used for "p99 at 1,000 requests/s offered", where autocannon's per-connection, per-second quotas would
 * send each second's requests in a burst at its start.
 */
import { Agent, request as httpRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CallbackPool, FORM_TYPE, WEBHOOK_PATH } from './callbacks.js';
import { cpuMeter } from './cpu.js';
import type { LoadResult } from './load.js';
import { latencySummary } from './stats.js';
import type { Target } from './targets.js';

export interface PacedOptions {
  target: Target;
  key: string;
  /** Requests per second offered. */
  rate: number;
  seconds: number;
  /** Most connections open at once; requests beyond wait in the queue (and that wait counts as latency). */
  maxSockets: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** How long after the last request is due the run may take to collect answers. */
const DRAIN_LIMIT_MS = 15_000;

/** Offers `rate` requests per second for `seconds`, then waits for every answer. */
export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const { target, key, rate, seconds, maxSockets } = options;
  const total = Math.round(rate * seconds);
  const pool = new CallbackPool(key, target.url, total);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let finished = 0;

  const send = (dueAt: number, onDone: () => void): void => {
    const callback = pool.next();
    let settled = false;
    const done = (status: number | null): void => {
      if (settled) return; // an error may follow the end, or a timeout an error
      settled = true;
      if (status === null) errors += 1;
      else {
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        if (status >= 200 && status < 300) {
          ok += 1;
          latencies.push(performance.now() - dueAt);
        }
      }
      finished += 1;
      onDone();
    };
    const req = httpRequest(
      {
        agent, host: '127.0.0.1', port: target.port, method: 'POST', path: WEBHOOK_PATH,
        headers: { 'content-type': FORM_TYPE, 'content-length': callback.body.length, 'x-signalwire-signature': callback.signature },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode ?? 0));
        res.once('error', () => done(null));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', () => done(null));
    req.end(callback.body);
  };

  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const cpu = cpuMeter(target.cpuSeconds);
  const started = performance.now();
  let sent = 0;
  let limit: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    const checkDone = (): void => {
      if (sent === total && finished === total) resolve();
    };
    // Every millisecond, send whatever has come due (the timer may fire late; the schedule does not slip).
    const ticker = setInterval(() => {
      const elapsed = performance.now() - started;
      while (sent < total && (sent * 1000) / rate <= elapsed) {
        send(started + (sent * 1000) / rate, checkDone);
        sent += 1;
      }
      if (sent === total) clearInterval(ticker);
    }, 1);
    limit = setTimeout(() => (clearInterval(ticker), resolve()), seconds * 1000 + DRAIN_LIMIT_MS);
  });
  clearTimeout(limit);
  const elapsed = (performance.now() - started) / 1000;
  const cpuPerRequest = cpu(finished);
  lag.disable();
  agent.destroy();

  const lost = total - finished;
  return {
    requestsPerSecond: ok / elapsed,
    seconds: elapsed,
    ok,
    non2xx: finished - ok - errors,
    errors: errors + lost,
    statusCodes,
    ...latencySummary(latencies),
    signedLate: pool.signedLate,
    ...cpuPerRequest,
    generatorLagMs: lag.max / 1e6,
  };
}
