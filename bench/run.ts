/**
 * `npm run bench`: the ingest benchmark, then the metrics benchmark. Ingest starts the bare, naive and
 * callpulse servers in child processes, measures them in interleaved closed-loop rounds and at a fixed
 * rate, and checks that each database holds one row per 2xx answer. Metrics queries a history database
 * (10 million calls by default) through the engine and as plain SQL, and times the dashboard's first
 * render. Import loads a generated history with `callpulse import` beside two plain-insert floors
 * (import-bench.ts). Each writes its own section of bench/RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { countCallRows } from './db-check.js';
import { assertAllOk, runClosedLoop, type LoadResult } from './load.js';
import { describeMachine, type Machine } from './machine.js';
import { measureDashboardRender } from './dashboard-render.js';
import { formatImportMarkdown, runImportBench } from './import-bench.js';
import { formatMetricsMarkdown, runMetricsBench } from './metrics-bench.js';
import { ensureDataset } from './metrics-dataset.js';
import { readSettings, type Settings } from './options.js';
import { runPaced } from './paced-load.js';
import { runPostgresIngest } from './postgres-ingest.js';
import { runPostgresMetrics } from './postgres-metrics.js';
import { checkTargets, formatConsole, formatMarkdown, summarize, type IngestReport, type RowCheck } from './report.js';
import { writeSection } from './results-file.js';
import { killAll, startTarget, type Target, type TargetName } from './targets.js';
import { probe, warmUp } from './warmup.js';

const NAMES: readonly TargetName[] = ['bare', 'naive', 'callpulse'];

/** What every phase needs: the settings, the key, the servers, and what each has answered so far. */
interface Bench {
  settings: Settings;
  key: string;
  targets: Target[];
  /** 2xx answers per server: the rows its database must hold at the end. */
  answered: Map<TargetName, number>;
  /** Last measured requests/s per server, to size its next run. */
  rate: Map<TargetName, number>;
}

function log(line: string): void {
  console.log(`[bench] ${line}`);
}

function describeRun(r: LoadResult): string {
  return `${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ` +
    `${r.ok} answered in ${r.seconds.toFixed(1)} s, CPU/req server ${Math.round(r.serverCpuUs)} µs, ` +
    `generator ${Math.round(r.generatorCpuUs)} µs${r.signedLate ? ` (${r.signedLate} signed late)` : ''}`;
}

function tally(bench: Bench, name: TargetName, ok: number): void {
  bench.answered.set(name, (bench.answered.get(name) ?? 0) + ok);
}

/** The list rotated left by `n`, so each round starts with a different server. */
function rotate<T>(list: readonly T[], n: number): T[] {
  const k = n % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Checks each server answers a signed callback with 200, then warms it up and estimates its rate. */
async function warmUpAll(bench: Bench): Promise<void> {
  for (const target of bench.targets) {
    await probe(target, bench.key);
    tally(bench, target.name, 1);
    const warm = await warmUp(target, bench.key, bench.settings.connections, bench.settings.warmupSeconds);
    tally(bench, target.name, warm.ok);
    bench.rate.set(target.name, warm.rate);
    log(`${target.name} on port ${target.port}: answers 200, warmed up at ~${Math.round(warm.rate)} req/s`);
  }
}

/** The interleaved closed-loop rounds; returns each server's runs. */
async function runRounds(bench: Bench): Promise<Map<TargetName, LoadResult[]>> {
  const { settings, key } = bench;
  const runs = new Map<TargetName, LoadResult[]>(NAMES.map((n) => [n, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of rotate(bench.targets, round - 1)) {
      const amount = Math.round(bench.rate.get(target.name)! * settings.runSeconds);
      const maxSeconds = settings.runSeconds * 4 + 30;
      const result = await runClosedLoop({ target, key, connections: settings.connections, amount, maxSeconds });
      assertAllOk(target.name, result);
      tally(bench, target.name, result.ok);
      bench.rate.set(target.name, result.requestsPerSecond);
      runs.get(target.name)!.push(result);
      log(`round ${round} ${target.name}: ${describeRun(result)}`);
    }
  }
  return runs;
}

/** The fixed-rate runs, interleaved like the others: callpulse, and bare for reference. */
async function runFixedRate(bench: Bench): Promise<Map<TargetName, LoadResult[]>> {
  const { settings, key } = bench;
  const runs = new Map<TargetName, LoadResult[]>([['callpulse', []], ['bare', []]]);
  for (let round = 1; round <= settings.rounds; round++) {
    for (const name of rotate([...runs.keys()], round - 1)) {
      const target = bench.targets.find((t) => t.name === name)!;
      const { pacedRate: rate, pacedSeconds: seconds, pacedSockets: maxSockets } = settings;
      const result = await runPaced({ target, key, rate, seconds, maxSockets });
      assertAllOk(`${name} (fixed rate)`, result);
      tally(bench, name, result.ok);
      runs.get(name)!.push(result);
      log(`fixed rate, round ${round} ${name}: ${describeRun(result)}`);
    }
  }
  return runs;
}

/** Stops every server with SIGTERM, then counts the rows each database holds. */
async function stopAndCount(bench: Bench): Promise<RowCheck[]> {
  const rows: RowCheck[] = [];
  for (const target of bench.targets) {
    const code = await target.stop();
    if (code !== 0) throw new Error(`${target.name} exited with code ${code} after SIGTERM`);
    if (target.dbPath) rows.push({ name: target.name, stored: countCallRows(target.dbPath), answered: bench.answered.get(target.name)! });
  }
  return rows;
}

async function main(dir: string): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const machine = describeMachine(dir);
  log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; fsync ${machine.fsyncMs.toFixed(2)} ms`);
  if (settings.only === 'all' || settings.only === 'ingest') await ingestBench(dir, settings, machine);
  if (settings.only === 'all' || settings.only === 'import') await importBench(dir, settings, machine);
  if (settings.only === 'all' || settings.only === 'metrics') await metricsBench(settings, machine);
}

/** The machine line of a results section, with the load average now. */
function machineLine(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, load average ${loadavg()[0]!.toFixed(2)}`;
}

/** The import benchmark (import-bench.ts), written to its own section. */
async function importBench(dir: string, settings: Settings, machine: Machine): Promise<void> {
  const report = await runImportBench(dir, settings.importCalls, settings.importRounds, log);
  const markdown = formatImportMarkdown(report, machineLine(machine), new Date());
  console.log(`\n${markdown}`);
  if (settings.out) {
    writeSection(settings.out, 'import', markdown);
    log(`wrote the Import section of ${settings.out}`);
  }
}

/** The metrics benchmark at N calls (metrics-bench.ts), written to its own section. */
async function metricsBench(settings: Settings, machine: Machine): Promise<void> {
  const dataset = await ensureDataset(settings.metricsCalls, log);
  const report = await runMetricsBench(dataset, settings.metricsRounds, log);
  report.render = await measureDashboardRender(dataset.path, settings.quick ? 2 : 5, log);
  const markdown = formatMetricsMarkdown(report, machineLine(machine), new Date());
  console.log(`\n${markdown}`);
  if (settings.out) {
    writeSection(settings.out, 'metrics', markdown);
    log(`wrote the Metrics section of ${settings.out}`);
  }
  await runPostgresMetrics({ dataset, calls: settings.postgresMetricsCalls, rounds: settings.metricsRounds, sqlite: report, machineLine: machineLine(machine), out: settings.out, log });
}

/** The ingest benchmark: bare, naive and callpulse servers, interleaved. */
async function ingestBench(dir: string, settings: Settings, machine: Machine): Promise<void> {
  const loadAtStart = loadavg()[0]!;

  const key = randomBytes(24).toString('base64url');
  const targets: Target[] = [];
  for (const name of NAMES) targets.push(await startTarget(name, { dir, key }));
  const bench: Bench = { settings, key, targets, answered: new Map(), rate: new Map() };

  await warmUpAll(bench);
  const runs = await runRounds(bench);
  const pacedRuns = await runFixedRate(bench);
  const rows = await stopAndCount(bench);

  const servers = NAMES.map((name) => summarize(name, runs.get(name)!));
  const paced = [...pacedRuns].map(([name, list]) => summarize(name, list));
  const report: IngestReport = {
    date: new Date(), machine, settings, servers, paced, rows,
    targets: checkTargets(servers, paced, settings.pacedRate),
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
  };
  console.log(`\n${formatConsole(report)}\n`);
  const wrong = rows.filter((r) => r.stored !== r.answered);
  if (wrong.length > 0) {
    throw new Error(`stored rows differ from 2xx answers: ${wrong.map((r) => `${r.name} ${r.stored} vs ${r.answered}`).join(', ')}`);
  }
  if (settings.out) {
    writeSection(settings.out, 'ingest', formatMarkdown(report));
    log(`wrote the Ingest section of ${settings.out}`);
  } else {
    log('quick run: results not written (pass --out FILE to write them)');
  }
  await runPostgresIngest({ settings, key, dir, sqlite: servers.find((s) => s.name === 'callpulse'), log });
}

const dir = mkdtempSync(join(tmpdir(), 'callpulse-bench-'));
const cleanUp = (): void => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}
main(dir)
  .catch((error: unknown) => {
    console.error(`[bench] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
