/**
 * The PostgreSQL part of `npm run bench`: callpulse ingest on PostgreSQL with one instance, and with two
 * instances sharing one database (the load split evenly between them), measured like the SQLite runs
 * (warm-up, interleaved closed-loop rounds of distinct signed callbacks, rows checked against the 2xx
 * answers), and written to its own section of bench/RESULTS.md beside the SQLite figures of the same run.
 * The server is BENCH_DATABASE_URL (else TEST_DATABASE_URL); without either it is skipped, and says so.
 * Each configuration gets a schema of its own, dropped at the end.
 */
import pg from 'pg';
import { assertAllOk, runClosedLoop, type LoadResult } from './load.js';
import type { Settings } from './options.js';
import type { ServerFigures } from './report.js';
import { writeSection } from './results-file.js';
import { median } from './stats.js';
import { startTarget, type Target } from './targets.js';
import { probe, warmUp } from './warmup.js';

export interface PostgresIngestOptions {
  settings: Settings;
  /** The signing key the servers verify with. */
  key: string;
  /** A temporary folder (the servers' working directory). */
  dir: string;
  /** The SQLite callpulse figures of the same run, shown beside. */
  sqlite: ServerFigures | undefined;
  log: (line: string) => void;
}

/** One configuration's figures: the median over rounds. */
interface Figures {
  label: string;
  runs: number[];
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** callpulse CPU (all its instances) per answer, µs; PostgreSQL's own is not included. */
  serverCpuUs: number;
}

/** The server URL to measure on, or null. (The bench is a script, not the product: it reads its own environment.) */
function benchDatabaseUrl(): string | null {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || null;
}

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/** Runs `work` with a client on the server's database (bigint read as numbers). */
async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Closed-loop runs on several instances at once, `connections` split between them; combined as one run. */
async function runTogether(targets: Target[], key: string, connections: number, amount: number, maxSeconds: number): Promise<LoadResult> {
  const each = Math.max(1, Math.floor(connections / targets.length));
  const results = await Promise.all(targets.map((target) => runClosedLoop({ target, key, connections: each, amount: Math.ceil(amount / targets.length), maxSeconds })));
  results.forEach((result, i) => assertAllOk(`${targets[i]!.name} on PostgreSQL (instance ${i + 1})`, result));
  const ok = results.reduce((sum, r) => sum + r.ok, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return {
    ...results[0]!,
    requestsPerSecond: ok / seconds,
    seconds,
    ok,
    non2xx: 0,
    errors: 0,
    // The slower instance's latency: what a sender behind a load balancer may meet.
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    serverCpuUs: results.reduce((sum, r) => sum + r.serverCpuUs * r.ok, 0) / ok,
  };
}

function figures(label: string, runs: LoadResult[]): Figures {
  return {
    label,
    runs: runs.map((r) => r.requestsPerSecond),
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    serverCpuUs: median(runs.map((r) => r.serverCpuUs)),
  };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function tableRows(sqlite: ServerFigures | undefined, measured: Figures[]): string[][] {
  const rows = measured.map((f) => [f.label, count(f.requestsPerSecond), ms(f.p50), ms(f.p99), count(f.serverCpuUs)]);
  if (sqlite) rows.unshift(['SQLite, 1 instance (the Ingest section above)', count(sqlite.requestsPerSecond), ms(sqlite.p50), ms(sqlite.p99), count(sqlite.serverCpuUs)]);
  return rows;
}

const HEADER = ['store', 'req/s (median)', 'p50 ms', 'p99 ms', 'callpulse CPU µs/req'];

function markdown(options: PostgresIngestOptions, measured: Figures[], rows: string[], server: string): string {
  const { settings: s } = options;
  const table = [HEADER, HEADER.map((_, i) => (i === 0 ? '---' : '---:')), ...tableRows(options.sqlite, measured)]
    .map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  return `## Ingest on PostgreSQL

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} with ${s.quick ? '`npm run bench -- --quick` (a smoke run, too short to trust)' : '`npm run bench`'}, after the SQLite runs, on ${server}.

**Method.** The same callbacks, warm-up and closed-loop runs as the Ingest section (${s.connections} connections,
runs sized to about ${s.runSeconds} s, ${s.rounds} interleaved round(s), the median shown), against \`callpulse serve --db postgres://...\`:
one instance alone on its schema, and two instances sharing another schema with the connections split evenly
between them (their answers added up over the longer of the two runs; latency is the slower instance's).
PostgreSQL runs on the same machine, so its work shares the same cores as the servers and the load
generator; its CPU is not in the CPU column (only the callpulse processes'). Each commit is PostgreSQL's
(synchronous_commit as the server is configured); every 2xx answer came after its COMMIT.

${table}

req/s per round: ${measured.map((f) => `${f.label} ${f.runs.map(count).join(' / ')}`).join('; ')}.

**Correctness.** After the runs the servers were stopped with SIGTERM and each schema read back: ${rows.join('; ')}.
`;
}

/** Measures PostgreSQL ingest with one and two instances; prints it and writes its section (when `settings.out`). */
export async function runPostgresIngest(options: PostgresIngestOptions): Promise<void> {
  const { settings, key, dir, log } = options;
  const url = benchDatabaseUrl();
  if (url === null) {
    log('PostgreSQL ingest skipped: set BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/callpulse_test) to measure it');
    return;
  }
  const server = new URL(url);
  const where = `PostgreSQL at ${server.host}${server.pathname}`;
  const schemas = { one: `cp_bench_${process.pid}_one`, two: `cp_bench_${process.pid}_two` };
  const single = await startTarget('callpulse', { dir, key, database: withSchema(url, schemas.one) });
  const pair = await Promise.all([0, 1].map(() => startTarget('callpulse', { dir, key, database: withSchema(url, schemas.two) })));
  const answered = { one: 0, two: 0 };
  try {
    for (const target of [single, ...pair]) await probe(target, key);
    answered.one += 1;
    answered.two += 2;
    const warmSingle = await warmUp(single, key, settings.connections, settings.warmupSeconds);
    answered.one += warmSingle.ok;
    let rateOne = warmSingle.rate;
    let ratePair = 0;
    for (const target of pair) {
      const warm = await warmUp(target, key, Math.ceil(settings.connections / 2), settings.warmupSeconds);
      answered.two += warm.ok;
      ratePair += warm.rate;
    }
    log(`PostgreSQL: one instance warmed up at ~${count(rateOne)} req/s, two at ~${count(ratePair)} req/s together`);

    const runsOne: LoadResult[] = [];
    const runsTwo: LoadResult[] = [];
    const maxSeconds = settings.runSeconds * 4 + 30;
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 === 1 ? ['one', 'two'] : ['two', 'one'];
      for (const which of order) {
        if (which === 'one') {
          const result = await runClosedLoop({ target: single, key, connections: settings.connections, amount: Math.round(rateOne * settings.runSeconds), maxSeconds });
          assertAllOk('callpulse on PostgreSQL (one instance)', result);
          answered.one += result.ok;
          rateOne = result.requestsPerSecond;
          runsOne.push(result);
          log(`round ${round} PostgreSQL, 1 instance: ${count(result.requestsPerSecond)} req/s, p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms`);
        } else {
          const result = await runTogether(pair, key, settings.connections, Math.round(ratePair * settings.runSeconds), maxSeconds);
          answered.two += result.ok;
          ratePair = result.requestsPerSecond;
          runsTwo.push(result);
          log(`round ${round} PostgreSQL, 2 instances: ${count(result.requestsPerSecond)} req/s, p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms`);
        }
      }
    }
    for (const target of [single, ...pair]) {
      const code = await target.stop();
      if (code !== 0) throw new Error(`callpulse on PostgreSQL exited with code ${code} after SIGTERM`);
    }
    const stored = await withClient(url, async (client) => ({
      one: Number((await client.query(`SELECT COUNT(*) AS n FROM ${schemas.one}.calls`)).rows[0].n),
      two: Number((await client.query(`SELECT COUNT(*) AS n FROM ${schemas.two}.calls`)).rows[0].n),
    }));
    const rowChecks = [
      `one instance stored ${count(stored.one)} calls for ${count(answered.one)} 2xx answers`,
      `two instances stored ${count(stored.two)} calls for ${count(answered.two)} 2xx answers`,
    ];
    const measured = [figures('PostgreSQL, 1 instance', runsOne), figures('PostgreSQL, 2 instances', runsTwo)];
    const width = HEADER.map((h, i) => Math.max(h.length, ...tableRows(options.sqlite, measured).map((r) => r[i]!.length)));
    console.log(`\n${[HEADER, ...tableRows(options.sqlite, measured)].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ')).join('\n')}`);
    console.log(rowChecks.join('\n'));
    if (stored.one !== answered.one || stored.two !== answered.two) throw new Error(`PostgreSQL: stored rows differ from 2xx answers: ${rowChecks.join('; ')}`);
    if (settings.out) {
      writeSection(settings.out, 'postgres', markdown(options, measured, rowChecks, where));
      log(`wrote the Ingest on PostgreSQL section of ${settings.out}`);
    }
  } finally {
    for (const target of [single, ...pair]) await target.stop();
    await withClient(url, async (client) => {
      for (const schema of Object.values(schemas)) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
  }
}
