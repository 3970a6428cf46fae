/**
 * @module
 * `callpulse demo`: the whole product working, with no SignalWire account. Starts the server on a fresh
 * demo database with a signing key made for the session (so every callback is verified, as in
 * production), backfills 30 days of simulated calls through the webhook, keeps a live simulated stream
 * going, prints the dashboard URL, and stops cleanly on Ctrl-C or SIGTERM.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../config/load.js';
import { WEBHOOK_PATH } from '../../http/webhook-handler.js';
import { startServer } from '../../server.js';
import { runSimulationOnWorker, type SendTally, type SimulatePlan } from '../../signalwire/simulate.js';
import { DEFAULT_TRAFFIC_MODEL } from '../../signalwire/traffic-model.js';
import { isPostgresUrl } from '../../store/index.js';
import { UsageError, type Command } from '../command.js';
import { parseCount, parseRate } from '../durations.js';

/** Where the demo keeps its database unless told otherwise; recreated on every run. */
export const DEMO_DB_PATH = './data/demo.db';
/** The demo's history volume: a mid-sized call center, quick to backfill (about 30,000 calls for 30 days). */
export const DEMO_CALLS_PER_DAY = 1000;
/** How long stopping may take before the demo gives up and exits 1. */
const SHUTDOWN_LIMIT_MS = 10_000;

/** Refuses to recreate a file that does not look like a demo database: the demo deletes what it is given. */
function recreate(path: string): void {
  if (isPostgresUrl(path)) throw new UsageError('demo runs on an embedded SQLite file; give --db a file path');
  if (existsSync(path) && !/demo/i.test(basename(path))) {
    throw new Error(`demo recreates its database, and ${path} exists but is not named like a demo database (its name must contain "demo"); pick another --db`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/** The URL a person can open: a wildcard listen address is reached on loopback. */
function browsable(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}

const thousands = (n: number): string => n.toLocaleString('en-US');

function backfillLine(tally: SendTally & { seconds: number }): string {
  const refused = tally.rejected + tally.failed;
  return `Backfilled ${thousands(tally.sent)} calls in ${tally.seconds.toFixed(1)} s: ${thousands(tally.accepted)} accepted` +
    (refused > 0 ? `, ${refused} NOT accepted (${JSON.stringify(tally.rejections)}${tally.firstFailure ? `, ${tally.firstFailure}` : ''})` : '') + '.';
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'a first look with no SignalWire account: server + 30 days of simulated calls + a live stream',
  usage: `Usage: callpulse demo [--port 3000] [--host 127.0.0.1] [--db ${DEMO_DB_PATH}] [--days 30]
                      [--calls-per-day ${DEMO_CALLS_PER_DAY}] [--rate 1/s] [--seed N]

Starts the server on a fresh demo database (deleted and recreated on every run), with a signing key made
for this session so every callback is verified as in production; backfills the past --days of simulated
calls through the webhook; then keeps a live simulated stream going and prints the dashboard URL.
Ctrl-C or SIGTERM stops it cleanly. Nothing here needs a SignalWire account.

Options:
  --port N            port to listen on (default: PORT, else 3000)
  --host ADDRESS      address to listen on (default: HOST, else 127.0.0.1)
  --db PATH           the demo's SQLite file (default ${DEMO_DB_PATH}); its name must contain "demo"
  --days N            days of history to backfill (default 30; 0 for none)
  --calls-per-day N   the history's mean volume per day (default ${DEMO_CALLS_PER_DAY})
  --rate RATE         the live stream's mean rate, e.g. 1/s, 30/m (default 1/s)
  --seed N            the simulation's seed (default: random)
  --config FILE       configuration file (its database and signing keys are not used)`,
  options: {
    port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, days: { type: 'string' },
    'calls-per-day': { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, config: { type: 'string' },
  },
  async run(values) {
    const days = values.days === undefined ? 30 : parseCount('--days', String(values.days), 0, 366);
    const callsPerDay = values['calls-per-day'] === undefined ? DEMO_CALLS_PER_DAY : parseCount('--calls-per-day', String(values['calls-per-day']), 1, 1_000_000);
    const rate = parseRate('--rate', (values.rate as string | undefined) ?? '1/s', 10_000);
    const seed = values.seed === undefined ? randomInt(2 ** 31) : parseCount('--seed', String(values.seed), 0, 2 ** 32 - 1);
    const dbPath = (values.db as string | undefined) ?? DEMO_DB_PATH;
    const signingKey = 'demo_' + randomBytes(24).toString('base64url');
    const config = loadConfig({
      config: values.config as string | undefined, host: values.host as string | undefined, port: values.port as string | undefined,
      db: dbPath, signingKey,
    });
    recreate(dbPath);

    const logger = pino({ level: 'warn' });
    const server = await startServer({ ...config, signing: { defaultKeys: [signingKey], projects: new Map() } }, logger);
    const url = browsable(server.url);
    const webhook = url + WEBHOOK_PATH;
    const out = (line: string): void => void process.stdout.write(line + '\n');
    out(`callpulse demo: a fresh database at ${dbPath}, a signing key made for this session (callbacks are verified).`);
    out(`Dashboard: ${url}/`);
    out(`API:       ${url}/api/v1/summary?since=${Math.max(days, 1)}d${config.api.token ? ' (with Authorization: Bearer $CALLPULSE_API_TOKEN)' : ''}`);
    out(`Webhook:   ${webhook}`);

    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const plan: SimulatePlan = {
      target: { url: webhook, signedUrl: (config.server.publicUrl ?? url) + WEBHOOK_PATH, signingKey, format: 'form' },
      seed, callsPerDay, accountSid: DEFAULT_TRAFFIC_MODEL.accountSid, concurrency: 128,
      backfillMs: days > 0 ? days * 86_400_000 : null,
      live: { rate },
    };
    if (days > 0) out(`Backfilling ${days} day(s) of simulated calls (about ${thousands(days * callsPerDay)})...`);
    else out(`Live: simulated calls at about ${rate}/s (seed ${seed}). Press Ctrl-C to stop.`);
    let code = 0;
    try {
      let lastProgress = Date.now();
      const report = await runSimulationOnWorker(plan, controller.signal, {
        onBackfillProgress: (tally) => {
          if (Date.now() - lastProgress < 5000) return;
          lastProgress = Date.now();
          out(`  ... ${thousands(tally.sent)} sent`);
        },
        onBackfillDone: (tally) => {
          out(backfillLine(tally));
          if (!controller.signal.aborted) out(`Live: simulated calls at about ${rate}/s (seed ${seed}). Press Ctrl-C to stop.`);
        },
      });
      const live = report.live;
      out(live ? `Stopping: ${thousands(live.sent)} live calls sent, ${thousands(live.accepted)} accepted.` : 'Stopping.');
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      const timer = setTimeout(() => {
        process.stderr.write(`callpulse demo: stopping took over ${SHUTDOWN_LIMIT_MS / 1000} s; exiting\n`);
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS);
      timer.unref();
      try {
        await server.close();
      } catch (error) {
        process.stderr.write(`callpulse demo: stopping failed: ${(error as Error).message}\n`);
        code = 1;
      }
      clearTimeout(timer);
    }
    out('Stopped.');
    return code;
  },
};
