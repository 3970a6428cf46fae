/**
 * @module
 * `callpulse simulate --url URL`: send realistic, signed incoming call status callbacks to a webhook, for
 * demos, load tests and benchmarks: an optional backfill of past days (sent as fast as the server answers),
 * then a live stream at a mean rate, for a duration or a count. Deterministic with --seed. Ctrl-C stops
 * it after the requests in flight are answered, and the counts are printed either way.
 */
import { randomInt } from 'node:crypto';
import { loadConfig } from '../../config/load.js';
import { runSimulation, type SendTally, type SimulatePlan, type SimulateReport } from '../../signalwire/simulate.js';
import { DEFAULT_TRAFFIC_MODEL } from '../../signalwire/traffic-model.js';
import { UsageError, type Command } from '../command.js';
import { parseCount, parseDuration, parseRate } from '../durations.js';

function readPlan(values: Record<string, unknown>): SimulatePlan {
  const url = values.url as string | undefined;
  if (url === undefined) throw new UsageError('simulate needs --url, e.g. --url http://127.0.0.1:3000/webhooks/signalwire/call-status');
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // refused below
  }
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  const format = (values.format as string | undefined) ?? 'form';
  if (format !== 'form' && format !== 'json') throw new UsageError(`--format must be form or json, got "${format}"`);
  if (values.duration !== undefined && values.count !== undefined) throw new UsageError('give --duration or --count, not both');
  const backfillMs = values.backfill === undefined ? null : parseDuration('--backfill', String(values.backfill), 60_000, 366 * 86_400_000);
  const rate = parseRate('--rate', (values.rate as string | undefined) ?? '20/s');
  let live: SimulatePlan['live'] = null;
  if (values.count !== undefined) live = { rate, count: parseCount('--count', String(values.count), 1, 1_000_000_000) };
  else if (values.duration !== undefined) live = { rate, durationMs: parseDuration('--duration', String(values.duration), 1000) };
  else if (backfillMs === null) live = { rate, durationMs: 60_000 };
  const config = loadConfig({ config: values.config as string | undefined, signingKey: values['signing-key'] as string | undefined });
  return {
    target: { url, signingKey: config.signing.defaultKeys[0] ?? null, format },
    seed: values.seed === undefined ? randomInt(2 ** 31) : parseCount('--seed', String(values.seed), 0, 2 ** 32 - 1),
    callsPerDay: values['calls-per-day'] === undefined ? DEFAULT_TRAFFIC_MODEL.callsPerDay : parseCount('--calls-per-day', String(values['calls-per-day']), 1, 10_000_000),
    accountSid: (values.account as string | undefined) ?? DEFAULT_TRAFFIC_MODEL.accountSid,
    concurrency: values.concurrency === undefined ? 64 : parseCount('--concurrency', String(values.concurrency), 1, 1024),
    backfillMs,
    live,
  };
}

function describeTally(name: string, tally: SendTally & { seconds: number }): string {
  const rate = tally.seconds > 0 ? ` (${(tally.sent / tally.seconds).toFixed(1)}/s)` : '';
  const rejections = Object.entries(tally.rejections).map(([key, n]) => `${n} x ${key}`).join(', ');
  return `${name}: ${tally.sent} sent in ${tally.seconds.toFixed(1)} s${rate}: ${tally.accepted} accepted, ${tally.duplicates} duplicate, ` +
    `${tally.rejected} rejected${rejections ? ` (${rejections})` : ''}, ${tally.failed} unanswered${tally.firstFailure ? ` (${tally.firstFailure})` : ''}.`;
}

/** One sentence on why callbacks were not accepted, with what to check; null when all were. */
export function failureSentence(report: SimulateReport, url: string): string | null {
  const phases = [report.backfill, report.live].filter((t): t is SendTally & { seconds: number } => t !== null);
  const rejected = phases.reduce((n, t) => n + t.rejected, 0);
  const failed = phases.reduce((n, t) => n + t.failed, 0);
  if (rejected === 0 && failed === 0) return null;
  const codes = phases.flatMap((t) => Object.keys(t.rejections)).join(' ');
  let hint = '';
  if (/403 CP_ERR_SIGNATURE_INVALID/.test(codes)) hint = '; the signatures did not verify: check --signing-key and that --url is the URL the server sees (PUBLIC_URL)';
  else if (/403 CP_ERR_PROJECT_UNKNOWN/.test(codes)) hint = '; the server has no signing key for this project: check --account and the server\'s keys';
  else if (failed > 0) hint = `; is the server running at ${url}?`;
  return `${rejected} callback(s) rejected and ${failed} unanswered${hint}`;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'send realistic signed call status callbacks to a webhook (demos, load tests)',
  usage: `Usage: callpulse simulate --url URL [--rate 20/s] [--duration 60s | --count N] [--backfill 30d]
                          [--format form|json] [--signing-key KEY] [--seed N] [--calls-per-day N]
                          [--concurrency N] [--account SID] [--json]

Sends inbound call status callbacks like SignalWire's, signed with the signing key: a daily and weekly
volume curve, six numbers with their own failure rates, MOS by carrier with a bad-carrier tail,
log-normal durations, repeat callers (same From to the same To within 24 hours), and a few callers that
are not E.164 (anonymous, SIP URIs). The same --seed sends the same calls (and the same CallSids: a
second run against the same server is all duplicates).

--backfill first sends the calls of that many past days, with past Timestamps, as fast as the server
answers. Then a live stream sends new calls at --rate (Poisson arrivals) for --duration or --count
(default 60s; none after a --backfill unless asked). Ctrl-C stops after the requests in flight.

Options:
  --url URL           the webhook, e.g. http://127.0.0.1:3000/webhooks/signalwire/call-status
  --rate RATE         live calls per second on average, e.g. 20/s, 300/m (default 20/s)
  --duration LENGTH   how long the live stream runs, e.g. 60s, 10m
  --count N           how many live calls to send
  --backfill LENGTH   first send the calls of the past LENGTH, e.g. 30d (at --calls-per-day)
  --calls-per-day N   the backfill's mean volume per day (default ${DEFAULT_TRAFFIC_MODEL.callsPerDay})
  --format FORMAT     form (as SignalWire sends, default) or json
  --signing-key KEY   the key to sign with (default: SIGNALWIRE_SIGNING_KEY; none: unsigned)
  --seed N            the random seed (default: random, printed)
  --concurrency N     requests in flight at most (default 64)
  --account SID       the AccountSid (project) of the calls (default ${DEFAULT_TRAFFIC_MODEL.accountSid})
  --json              print the report as JSON
  --config FILE       configuration file (for the signing key)

Exits 0 when every callback was accepted (or was a duplicate), 1 otherwise.`,
  options: {
    url: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' }, count: { type: 'string' },
    backfill: { type: 'string' }, 'calls-per-day': { type: 'string' }, format: { type: 'string' },
    'signing-key': { type: 'string' }, seed: { type: 'string' }, concurrency: { type: 'string' },
    account: { type: 'string' }, json: { type: 'boolean' }, config: { type: 'string' },
  },
  async run(values) {
    const plan = readPlan(values);
    if (plan.target.signingKey === null) {
      process.stderr.write('callpulse simulate: no signing key (--signing-key or SIGNALWIRE_SIGNING_KEY): callbacks are sent unsigned, and a server with a key refuses them.\n');
    }
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const asJson = values.json === true;
    const onBackfillProgress = (t: SendTally): void => {
      if (!asJson) process.stderr.write(`backfill: ${t.sent} sent, ${t.accepted} accepted so far\n`);
    };
    let report: SimulateReport;
    try {
      report = await runSimulation(plan, controller.signal, { onBackfillProgress });
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    if (asJson) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      const lines = [`Seed ${report.seed}${report.stopped ? ' (stopped early)' : ''}.`];
      if (report.backfill) lines.push(describeTally('Backfill', report.backfill));
      if (report.live) lines.push(describeTally('Live', report.live));
      process.stdout.write(lines.join('\n') + '\n');
    }
    const failure = failureSentence(report, plan.target.url);
    if (failure !== null) {
      process.stderr.write(`callpulse simulate: ${failure}.\n`);
      return 1;
    }
    return 0;
  },
};
