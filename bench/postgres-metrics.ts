/**
 * The PostgreSQL part of the metrics benchmark: a history database (metrics-dataset.ts) copied once into
 * a PostgreSQL schema with `callpulse copy`'s code (kept between runs, like bench/.cache), then the same
 * queries through the metrics engine on the PostgreSQL store, beside the SQLite figures of the same
 * database, with the engine's answers compared between the two stores. The copy runs in transactions of
 * COPY_BATCH calls; the store counts each transaction's calls into the rollups once it has committed
 * (store/postgres/postgres-rollup-catch-up.ts).
 * By default it is of a history of its own of 1,000,000 calls (`--postgres-metrics-calls`, bench/options.ts):
 * that copy takes 3 to 5 minutes once, then is cached. The Metrics section's 10 million calls
 * (`--postgres-metrics-calls 10000000`) would take about 20 minutes, once (an estimate from the rate of a
 * 200,000-call copy of the same density, ~8,400 calls/s on the 2-core machine; not measured at 10M yet). When its size differs from the Metrics section's, the SQLite figures are
 * measured again on that smaller database, so both columns are of the same data. The server is
 * BENCH_DATABASE_URL (else TEST_DATABASE_URL); without either it is skipped, and says so.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { MetricsEngine } from '../src/metrics/engine.js';
import { copyStore } from '../src/store/copy-store.js';
import { createStore } from '../src/store/index.js';
import { ensureDataset, type DatasetInfo } from './metrics-dataset.js';
import { queries, runMetricsBench, type MetricsReport } from './metrics-bench.js';
import { writeSection } from './results-file.js';
import { median } from './stats.js';

/** Calls per copy transaction: large, so that there are few transactions, each taking its days' locks once (a month of 10M-call history is ~400,000 calls). */
const COPY_BATCH = 500_000;

export interface PostgresMetricsOptions {
  /** The Metrics section's history database. */
  dataset: DatasetInfo;
  /** How many calls to measure PostgreSQL on: the Metrics section's database when equal, else one of its own. */
  calls: number;
  rounds: number;
  /** The SQLite figures of the Metrics section (runMetricsBench), shown beside and compared when of the same database. */
  sqlite: MetricsReport;
  machineLine: string;
  /** The results file to update, or null to only print. */
  out: string | null;
  log: (line: string) => void;
}

/** The server URL to measure on, or null. (The bench is a script, not the product: it reads its own environment.) */
function benchDatabaseUrl(): string | null {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || null;
}

/** The number of calls a schema holds, or 0 when it has no calls table yet. */
async function countCalls(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, 'calls']);
    if (exists.rowCount === 0) return 0;
    return Number((await client.query(`SELECT COUNT(*) AS n FROM ${schema}.calls`)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Copies the dataset into PostgreSQL unless the schema already holds it all; returns the copy's seconds, or null if cached. */
async function ensureCopied(dataset: DatasetInfo, database: string, url: string, schema: string, log: (line: string) => void): Promise<number | null> {
  const sqlite = new Database(dataset.path, { readonly: true });
  const calls = sqlite.prepare('SELECT COUNT(*) FROM calls').pluck().get() as number;
  sqlite.close();
  if ((await countCalls(url, schema)) === calls) return null;
  log(`copying ${calls.toLocaleString('en-US')} calls into PostgreSQL schema ${schema} (kept for later runs)`);
  const source = await createStore(dataset.path, { mustExist: true });
  const target = await createStore(database);
  try {
    let lastLog = 0;
    const report = await copyStore(source, target, {
      batchSize: COPY_BATCH,
      onBatch: (progress) => {
        if (progress.seconds - lastLog < 30) return;
        lastLog = progress.seconds;
        log(`  ${(progress.calls + progress.callsPresent).toLocaleString('en-US')} calls copied in ${progress.seconds.toFixed(0)} s`);
      },
    });
    log(`copied ${report.calls.toLocaleString('en-US')} calls in ${report.seconds.toFixed(0)} s (${Math.round(report.calls / report.seconds)} calls/s)`);
    return report.seconds;
  } finally {
    await source.close();
    await target.close();
  }
}

/** Measures the engine's queries on PostgreSQL; prints them and writes their section (when `out`). */
export async function runPostgresMetrics(options: PostgresMetricsOptions): Promise<void> {
  const { rounds, log } = options;
  const url = benchDatabaseUrl();
  if (url === null) {
    log('PostgreSQL metrics skipped: set BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/callpulse_test) to measure them');
    return;
  }
  let dataset = options.dataset;
  let sqlite = options.sqlite;
  if (options.calls !== dataset.calls) {
    log(`PostgreSQL metrics on a history of ${options.calls.toLocaleString('en-US')} calls of its own, not the ${dataset.calls.toLocaleString('en-US')} above `
      + '(copying those into PostgreSQL would take about 20 minutes, once; --postgres-metrics-calls N to change it); its SQLite figures are measured again on it');
    dataset = await ensureDataset(options.calls, log);
    sqlite = await runMetricsBench(dataset, rounds, log);
  }
  const schema = `cp_bench_history_${dataset.calls}`;
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  const database = parsed.toString();
  const copySeconds = await ensureCopied(dataset, database, url, schema, log);

  const store = await createStore(database);
  const engine = new MetricsEngine(store);
  const list = queries();
  const times = list.map(() => [] as number[]);
  const answers: string[] = [];
  try {
    for (const query of list) answers.push(await query.engine(engine)); // warm the caches once
    for (let round = 1; round <= rounds; round++) {
      for (const [i, query] of list.entries()) {
        for (let run = 0; run < 5; run++) {
          const started = performance.now();
          await query.engine(engine);
          times[i]!.push(performance.now() - started);
        }
      }
      log(`PostgreSQL metrics round ${round}/${rounds}: ` + list.map((q, i) => `${q.name.split(',')[0]} ${median(times[i]!).toFixed(1)} ms`).join('; '));
    }
  } finally {
    await store.close();
  }

  const rows = list.map((query, i) => {
    const fromSqlite = sqlite.queries.find((q) => q.name === query.name);
    const same = fromSqlite?.answer === answers[i] ? 'same' : `**differs** (SQLite: ${fromSqlite?.answer ?? 'not measured'})`;
    return `| ${query.name} | ${fromSqlite ? fromSqlite.engineMs.toFixed(2) : ''} | ${median(times[i]!).toFixed(2)} | ${answers[i]} | ${same} |`;
  });
  const markdown = `## Metrics on PostgreSQL at ${dataset.calls.toLocaleString('en-US')} calls

Run on ${new Date().toISOString().slice(0, 10)}; ${options.machineLine}; PostgreSQL at ${parsed.host}${parsed.pathname}, schema ${schema}.
${dataset.calls === options.dataset.calls
    ? 'The history database of the Metrics section'
    : `A history database of ${dataset.calls.toLocaleString('en-US')} calls of its own (not the Metrics section's ${options.dataset.calls.toLocaleString('en-US')}: \`--postgres-metrics-calls N\` sets it; the SQLite column was measured on this same database)`},
copied into PostgreSQL with \`callpulse copy\`'s code
(${copySeconds === null ? 'cached from an earlier run' : `in this run: ${copySeconds.toFixed(0)} s, ${Math.round(dataset.calls / copySeconds).toLocaleString('en-US')} calls/s`}).
The same queries through the metrics engine, ${rounds * 5} runs each, medians in ms; PostgreSQL runs on the same machine.
The answers of both stores must be the same.

| query | SQLite engine (ms) | PostgreSQL engine (ms) | PostgreSQL's answer | answers |
|---|---:|---:|---|---|
${rows.join('\n')}
`;
  console.log(`\n${markdown}`);
  if (options.out) {
    writeSection(options.out, 'postgres-metrics', markdown);
    log(`wrote the Metrics on PostgreSQL section of ${options.out}`);
  }
}
