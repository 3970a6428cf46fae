/**
 * @module
 * Sends simulated calls to a webhook the way SignalWire does: each call's callback fields as a form body
 * (or JSON), signed with the project's signing key (Scheme B for forms, Scheme A for JSON), and counts
 * what the server answered. Two pacings: a backfill sends calls with past Timestamps as fast as the server
 * answers (a bounded number in flight); a live stream sends new calls at a mean rate (Poisson arrivals).
 * Both stop early when their AbortSignal fires, after the requests in flight are answered.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Worker } from 'node:worker_threads';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signSignalWireRequest } from '../signature/verify.js';
import { Prng } from './prng.js';
import { DEFAULT_TRAFFIC_MODEL, TrafficGenerator, callbackFieldsOf, type SimulatedCall } from './traffic-model.js';

/** Where and how the callbacks are sent. */
export interface SendTarget {
  /** The webhook URL requests go to. */
  url: string;
  /** The URL the server checks signatures against, when it differs from `url` (behind a proxy, PUBLIC_URL). */
  signedUrl?: string;
  /** The signing key; null sends unsigned callbacks. */
  signingKey: string | null;
  format: 'form' | 'json';
}

/** What the server answered, counted. */
export interface SendTally {
  sent: number;
  /** 200 `accepted`: a new call stored. */
  accepted: number;
  /** 200 `duplicate`: a CallSid already stored. */
  duplicates: number;
  /** Any other answer. */
  rejected: number;
  /** No answer at all (connection refused, dropped). */
  failed: number;
  /** Rejections per `status code` (e.g. `403 CP_ERR_SIGNATURE_INVALID`). */
  rejections: Record<string, number>;
  /** The first network failure's message, if any. */
  firstFailure: string | null;
}

/** A new, empty tally. */
export function emptyTally(): SendTally {
  return { sent: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 0, rejections: {}, firstFailure: null };
}

/** The request a call becomes: its body, content type and signature header. */
export function encodeCallback(call: SimulatedCall, target: SendTarget): { body: string; headers: Record<string, string> } {
  const fields = callbackFieldsOf(call);
  const contentType = target.format === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  const body = target.format === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const headers: Record<string, string> = { 'content-type': contentType };
  if (target.signingKey !== null) {
    headers['x-signalwire-signature'] = signSignalWireRequest({ url: target.signedUrl ?? target.url, rawBody: body, contentType, key: target.signingKey });
  }
  return { body, headers };
}

/** Sends callbacks with at most `concurrency` in flight, counting the answers. */
export class CallbackSender {
  readonly tally: SendTally = emptyTally();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly idle: Array<() => void> = [];

  private readonly url: URL;
  private readonly secure: boolean;
  private readonly agent: HttpAgent;

  constructor(private readonly target: SendTarget, private readonly concurrency: number) {
    this.url = new URL(target.url);
    this.secure = this.url.protocol === 'https:';
    const options = { keepAlive: true, maxSockets: concurrency };
    this.agent = this.secure ? new HttpsAgent(options) : new HttpAgent(options);
  }

  /** Starts sending one call; resolves once it is in flight (waits while `concurrency` are). */
  async submit(call: SimulatedCall): Promise<void> {
    while (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight += 1;
    this.tally.sent += 1;
    void this.send(call).finally(() => {
      this.inFlight -= 1;
      this.waiting.shift()?.();
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  /** Resolves once every request sent so far is answered (or failed). */
  async drain(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async send(call: SimulatedCall): Promise<void> {
    const { body, headers } = encodeCallback(call, this.target);
    try {
      const { status, text } = await this.post(body, headers);
      let answer: { result?: unknown; code?: unknown } = {};
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        // not JSON: counted by status alone
      }
      if (status === 200 && answer.result === 'accepted') this.tally.accepted += 1;
      else if (status === 200 && answer.result === 'duplicate') this.tally.duplicates += 1;
      else {
        this.tally.rejected += 1;
        const key = `${status}${typeof answer.code === 'string' ? ` ${answer.code}` : ''}`;
        this.tally.rejections[key] = (this.tally.rejections[key] ?? 0) + 1;
      }
    } catch (error) {
      this.tally.failed += 1;
      this.tally.firstFailure ??= (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
  }

  /** One POST over a kept-alive connection (node:http: about three times fetch's rate on a small machine). */
  private post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = (this.secure ? httpsRequest : httpRequest)(this.url, {
        method: 'POST', agent: this.agent, timeout: 30_000, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      }, (response: IncomingMessage) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('no answer within 30 s'), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Sends every call created in [from, to) as fast as the server answers; resolves with the tally. */
export async function sendBackfill(
  generator: TrafficGenerator, from: number, to: number, sender: CallbackSender, signal?: AbortSignal,
  onProgress?: (tally: SendTally) => void,
): Promise<SendTally> {
  let last = Date.now();
  for (const call of generator.between(from, to)) {
    if (signal?.aborted) break;
    await sender.submit(call);
    if (onProgress && Date.now() - last >= 1000) {
      last = Date.now();
      onProgress(sender.tally);
    }
  }
  await sender.drain();
  return sender.tally;
}

/** How long a live stream runs: until a count, a duration, or the signal (whichever comes first). */
export interface LivePacing {
  /** Mean calls per second. */
  rate: number;
  count?: number;
  durationMs?: number;
  signal?: AbortSignal;
  /** The clock (tests may pass a fake); default Date.now. */
  now?: () => number;
}

/**
 * Sends new calls (Timestamp: now) as Poisson arrivals with a mean of `rate` per second, until `count`
 * calls, `durationMs`, or the signal. When the server falls behind, at most the sender's concurrency is
 * in flight and the stream waits for it.
 */
export async function sendLive(generator: TrafficGenerator, sender: CallbackSender, pacing: LivePacing, rng: () => number): Promise<SendTally> {
  const now = pacing.now ?? Date.now;
  const start = now();
  const end = pacing.durationMs === undefined ? Infinity : start + pacing.durationMs;
  const limit = pacing.count ?? Infinity;
  let due = start;
  let sent = 0;
  while (sent < limit && !pacing.signal?.aborted) {
    due += (-Math.log(1 - rng()) / pacing.rate) * 1000;
    if (due >= end) {
      await sleep(Math.max(0, end - now()), pacing.signal);
      break;
    }
    const wait = due - now();
    if (wait > 1) await sleep(wait, pacing.signal);
    if (pacing.signal?.aborted) break;
    await sender.submit(generator.callAt(now()));
    sent += 1;
  }
  await sender.drain();
  return sender.tally;
}

/** What one simulation run is asked to do. */
export interface SimulatePlan {
  target: SendTarget;
  seed: number;
  callsPerDay: number;
  accountSid: string;
  concurrency: number;
  backfillMs: number | null;
  /** Null: no live stream (a backfill alone). */
  live: { rate: number; count?: number; durationMs?: number } | null;
}

/** What a run did, per phase. */
export interface SimulateReport {
  seed: number;
  backfill: (SendTally & { seconds: number }) | null;
  live: (SendTally & { seconds: number }) | null;
  stopped: boolean;
}

/** What a caller may watch during a run. */
export interface SimulationHooks {
  /** The backfill's counts so far, about once a second. */
  onBackfillProgress?: (tally: SendTally) => void;
  /** Called when the backfill is done, before the live stream starts. */
  onBackfillDone?: (tally: SendTally & { seconds: number }) => void;
}

/** Runs a plan: the backfill, then the live stream, until done or `signal`. */
export async function runSimulation(plan: SimulatePlan, signal: AbortSignal, hooks: SimulationHooks = {}): Promise<SimulateReport> {
  const generator = new TrafficGenerator(plan.seed, { ...DEFAULT_TRAFFIC_MODEL, callsPerDay: plan.callsPerDay, accountSid: plan.accountSid });
  const report: SimulateReport = { seed: plan.seed, backfill: null, live: null, stopped: false };
  if (plan.backfillMs !== null) {
    const started = Date.now();
    const sender = new CallbackSender(plan.target, plan.concurrency);
    const tally = await sendBackfill(generator, started - plan.backfillMs, started, sender, signal, hooks.onBackfillProgress);
    sender.close();
    report.backfill = { ...tally, seconds: (Date.now() - started) / 1000 };
    hooks.onBackfillDone?.(report.backfill);
  }
  if (plan.live !== null && !signal.aborted) {
    const started = Date.now();
    const sender = new CallbackSender(plan.target, plan.concurrency);
    const arrivals = new Prng(plan.seed ^ 0x5eed);
    const tally = await sendLive(generator, sender, { ...plan.live, signal }, () => arrivals.next());
    sender.close();
    report.live = { ...tally, seconds: (Date.now() - started) / 1000 };
  }
  report.stopped = signal.aborted;
  return report;
}

/**
 * {@link runSimulation} on a worker thread (simulation-worker.ts): the same run, its hooks called from
 * the worker's messages, for a process that also serves the webhook and should not share its event loop.
 */
export function runSimulationOnWorker(plan: SimulatePlan, signal: AbortSignal, hooks: SimulationHooks = {}): Promise<SimulateReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./simulation-worker.js', import.meta.url), { workerData: plan });
    const stop = (): void => worker.postMessage('stop');
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    let report: SimulateReport | null = null;
    worker.on('message', (message: { type: string; tally?: SendTally & { seconds: number }; report?: SimulateReport }) => {
      if (message.type === 'progress') hooks.onBackfillProgress?.(message.tally!);
      else if (message.type === 'backfill-done') hooks.onBackfillDone?.(message.tally!);
      else if (message.type === 'done') report = message.report!;
    });
    worker.on('error', reject);
    worker.on('exit', () => {
      signal.removeEventListener('abort', stop);
      if (report) resolve(report);
      else reject(new Error('the simulation thread stopped without a report'));
    });
  });
}
