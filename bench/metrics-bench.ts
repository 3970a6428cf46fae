/**
 * The metrics benchmark: on the history database (metrics-dataset.ts), the four queries of the issue
 * through the metrics engine (rollups), each against a plain SQL aggregate over the calls table doing
 * less (no percentiles, UTC hours), measured interleaved in the same process; the medians, their ratio,
 * and the process's peak resident memory.
 */
import Database from 'better-sqlite3';
import { MetricsEngine } from '../src/metrics/engine.js';
import { createStore } from '../src/store/index.js';
import { HISTORY_DAYS, HISTORY_END, type DatasetInfo } from './metrics-dataset.js';
import type { RenderResult } from './dashboard-render.js';
import { median } from './stats.js';

const DAY = 86_400_000;

/** One measured query: the engine's median and the plain aggregate's, ms. */
export interface QueryResult {
  name: string;
  engineMs: number;
  plainMs: number;
  /** What the engine answered, in short, to show the figures are real. */
  answer: string;
}

export interface MetricsReport {
  dataset: DatasetInfo;
  /** The dashboard's first render (dashboard-render.ts), or null when Chromium is missing. */
  render: RenderResult[] | null;
  queries: QueryResult[];
  peakRssMiB: number;
  engineRuns: number;
  plainRuns: number;
}

export interface Query {
  name: string;
  engine: (engine: MetricsEngine) => Promise<string>;
  plain: (db: Database.Database) => unknown;
}

const SUMMARY_SQL = `SELECT COUNT(*) AS calls, SUM(status = 'completed') AS completed, COUNT(mos) AS scored, AVG(mos) AS mos,
  SUM(CASE WHEN status = 'completed' THEN duration_seconds END) AS seconds, SUM(repeated) AS repeated
  FROM calls WHERE created_at >= ? AND created_at < ?`;

/** The four queries of the issue. The whole range does not fall on bucket edges, as a real "all time" would not. */
export function queries(): Query[] {
  const whole = { from: HISTORY_END - HISTORY_DAYS * DAY + 7 * 60_000 + 13_000, to: HISTORY_END - 11 * 60_000 - 5_000 };
  const oneDay = { from: Date.UTC(2026, 9, 15, 4), to: Date.UTC(2026, 9, 16, 4) }; // 15 Oct 2026 in New York
  const month = { from: HISTORY_END - 30 * DAY, to: HISTORY_END };
  return [
    {
      name: 'summary, whole range (2 years)',
      engine: async (e) => {
        const s = await e.summary(whole);
        return `${s.calls} calls, success ${(s.successRate! * 100).toFixed(2)}%, MOS p10 ${s.mos.p10}`;
      },
      plain: (db) => db.prepare(SUMMARY_SQL).get(whole.from, whole.to),
    },
    {
      name: 'summary, one day (New York)',
      engine: async (e) => {
        const s = await e.summary(oneDay);
        return `${s.calls} calls, success ${(s.successRate! * 100).toFixed(2)}%, MOS p10 ${s.mos.p10}`;
      },
      plain: (db) => db.prepare(SUMMARY_SQL).get(oneDay.from, oneDay.to),
    },
    {
      name: 'timeseries, 30 days by hour (New York)',
      engine: async (e) => `${(await e.timeseries(month, '1h', 'America/New_York')).length} points`,
      plain: (db) =>
        db.prepare(`SELECT created_at / 3600000 AS hour, COUNT(*), SUM(status = 'completed'), AVG(mos), AVG(duration_seconds)
          FROM calls WHERE created_at >= ? AND created_at < ? GROUP BY hour`).all(month.from, month.to),
    },
    {
      name: 'breakdown by number, whole range',
      engine: async (e) => `${(await e.breakdown(whole, 'number')).length} numbers`,
      plain: (db) =>
        db.prepare(`SELECT to_number, COUNT(*), SUM(status = 'completed'), AVG(mos), SUM(duration_seconds)
          FROM calls WHERE created_at >= ? AND created_at < ? GROUP BY to_number`).all(whole.from, whole.to),
    },
  ];
}

async function timeMs(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Runs the queries: per round, each query `engineRuns` times through the engine, then once as plain SQL. */
export async function runMetricsBench(dataset: DatasetInfo, rounds: number, log: (line: string) => void): Promise<MetricsReport> {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const store = await createStore(dataset.path);
  const engine = new MetricsEngine(store);
  const plainDb = new Database(dataset.path, { readonly: true });
  const engineRuns = 5;
  try {
    const list = queries();
    const engineTimes = list.map(() => [] as number[]);
    const plainTimes = list.map(() => [] as number[]);
    const answers = new Map<string, string>();
    for (const [i, query] of list.entries()) answers.set(query.name, await query.engine(engine)); // warm the caches once
    for (let round = 1; round <= rounds; round++) {
      for (const [i, query] of list.entries()) {
        for (let run = 0; run < engineRuns; run++) engineTimes[i]!.push(await timeMs(() => query.engine(engine)));
        plainTimes[i]!.push(await timeMs(() => query.plain(plainDb)));
      }
      log(`metrics round ${round}/${rounds}: ` + list.map((q, i) => `${q.name.split(',')[0]} ${median(engineTimes[i]!).toFixed(1)} ms vs ${median(plainTimes[i]!).toFixed(0)} ms`).join('; '));
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      dataset,
      queries: list.map((q, i) => ({ name: q.name, engineMs: median(engineTimes[i]!), plainMs: median(plainTimes[i]!), answer: answers.get(q.name)! })),
      peakRssMiB: peakRss / 1024 / 1024,
      render: null,
      engineRuns: rounds * engineRuns,
      plainRuns: rounds,
    };
  } finally {
    clearInterval(sampler);
    plainDb.close();
    await store.close();
  }
}

const MAX_MS = 50;
const MIN_RATIO = 50;
const MAX_RSS_MIB = 300;

/** The Markdown section of RESULTS.md. */
export function formatMetricsMarkdown(report: MetricsReport, machineLine: string, date: Date): string {
  const rows = report.queries.map((q) => {
    const ratio = q.plainMs / q.engineMs;
    const pass = q.engineMs <= MAX_MS && ratio >= MIN_RATIO;
    return `| ${q.name} | ${q.engineMs.toFixed(2)} | ${q.plainMs.toFixed(1)} | ${ratio.toFixed(0)}× | ${pass ? 'PASS' : 'FAIL'} | ${q.answer} |`;
  });
  const build = report.dataset.build;
  const importLine = build
    ? `${report.dataset.cached ? `Built by an earlier run (${build.builtAt.slice(0, 16)}Z, kept in bench/.cache)` : 'Built in this run'} by ` +
      `\`callpulse import\` (CSV, one child process): ${build.importSeconds.toFixed(0)} s, ` +
      `**${Math.round(build.rowsPerSecond).toLocaleString('en-US')} calls/s** (target 200,000/s: ${build.rowsPerSecond >= 200_000 ? 'PASS' : 'FAIL'}), ` +
      `peak RSS ${build.peakRssMiB.toFixed(0)} MiB (target ≤ ${MAX_RSS_MIB} MiB: ${build.peakRssMiB <= MAX_RSS_MIB ? 'PASS' : 'FAIL'}); ` +
      `load average ${build.loadAverage.toFixed(1)} at its end.`
    : 'The database came from the cache with no record of its import.';
  return `## Metrics at ${report.dataset.calls.toLocaleString('en-US')} calls

Run on ${date.toISOString().slice(0, 10)}; ${machineLine}.
Dataset: ${report.dataset.calls.toLocaleString('en-US')} calls, 200 numbers in 2 projects, 2 years (bench/history-dataset.ts).
${importLine}

Each query ran ${report.engineRuns} times through the metrics engine (in process, on the SQLite store) and
${report.plainRuns} times as a plain SQL aggregate over the calls table, interleaved; medians in ms. The plain
aggregates do less than the engine: no percentiles, no bands, UTC hours. Target: ≤ ${MAX_MS} ms and ≥ ${MIN_RATIO}× faster.

| query | engine (ms) | plain SQL (ms) | ratio | target | engine's answer |
|---|---:|---:|---:|---|---|
${rows.join('\n')}

Peak RSS of the querying process: ${report.peakRssMiB.toFixed(0)} MiB (target ≤ ${MAX_RSS_MIB} MiB: ${report.peakRssMiB <= MAX_RSS_MIB ? 'PASS' : 'FAIL'}).
${renderSection(report.render)}`;
}

const MAX_RENDER_MS = 1000;

/** The dashboard render lines of the section. */
function renderSection(render: RenderResult[] | null): string {
  if (render === null) return '\nThe dashboard render was not measured: no /usr/bin/chromium on this machine.\n';
  const rows = render.map((r) => `| ${r.view} | ${r.medianMs.toFixed(0)} | ${r.medianMs <= MAX_RENDER_MS ? 'PASS' : 'FAIL'} |`);
  return `
Dashboard first render (issue 4): \`callpulse serve\` on this database, headless Chromium, a fresh page each time,
from navigation until every panel has loaded; median of ${render[0]?.runs ?? 0} after one warm-up. Target ≤ ${MAX_RENDER_MS} ms.

| view | first render (ms) | target |
|---|---:|---|
${rows.join('\n')}
`;
}
