/**
 * The import benchmark: `callpulse import` of a generated history (the metrics dataset's shape, 1,000,000
 * calls by default) into a fresh SQLite file, interleaved in the same run with two floors that do far less
 * (import-floor.ts): the same rows, built in memory beforehand, only their inserts timed, with no validation,
 * repeat callers or rollups, into a table with no index (`bare`) and with only the unique CallSid index that
 * idempotence needs (`dedupe`). The issue's target is 200,000 calls/s; the floors show what this machine's
 * SQLite can insert at all. (The floors' peak RSS includes the whole file held in memory.)
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHistoryCsv } from './history-dataset.js';
import { HISTORY_DAYS, HISTORY_END } from './metrics-dataset.js';
import { importCsv, runNodeChild } from './import-process.js';
import { median } from './stats.js';

const FLOOR = fileURLToPath(new URL('./import-floor.js', import.meta.url));
const TARGET_ROWS_PER_SECOND = 200_000;
const TARGET_RSS_MIB = 300;

/** One way of loading the file. */
type LoaderName = 'callpulse import' | 'floor: inserts alone, no index' | 'floor: inserts alone + unique CallSid';

/** A loader's runs: rows/s and peak RSS of each. */
export interface LoaderFigures {
  name: LoaderName;
  rowsPerSecond: number[];
  peakRssMiB: number[];
}

/** What the import benchmark measured. */
export interface ImportBenchReport {
  calls: number;
  loaders: LoaderFigures[];
}

async function runLoader(name: LoaderName, csv: string, db: string): Promise<{ rows: number; seconds: number; peakRssMiB: number }> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  try {
    if (name === 'callpulse import') {
      const { report, peakRssMiB } = await importCsv(csv, db);
      return { rows: report.accepted, seconds: report.seconds, peakRssMiB };
    }
    const { stdout, peakRssMiB } = await runNodeChild([FLOOR, csv, db, name === 'floor: inserts alone, no index' ? 'bare' : 'dedupe']);
    return { ...(JSON.parse(stdout) as { rows: number; seconds: number }), peakRssMiB };
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  }
}

/** Generates the history into `dir`, then runs every loader `rounds` times, interleaved. */
export async function runImportBench(dir: string, calls: number, rounds: number, log: (line: string) => void): Promise<ImportBenchReport> {
  const csv = join(dir, `import-${calls}.csv`);
  log(`import: generating ${calls} calls...`);
  await writeHistoryCsv(csv, calls, HISTORY_END, HISTORY_DAYS);
  const names: LoaderName[] = ['callpulse import', 'floor: inserts alone, no index', 'floor: inserts alone + unique CallSid'];
  const loaders = names.map((name): LoaderFigures => ({ name, rowsPerSecond: [], peakRssMiB: [] }));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const figures of loaders) {
        const run = await runLoader(figures.name, csv, join(dir, 'import.db'));
        if (run.rows !== calls) throw new Error(`${figures.name} stored ${run.rows} of ${calls} calls`);
        figures.rowsPerSecond.push(run.rows / run.seconds);
        figures.peakRssMiB.push(run.peakRssMiB);
        log(`import round ${round}, ${figures.name}: ${Math.round(run.rows / run.seconds)} rows/s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
      }
    }
  } finally {
    rmSync(csv, { force: true });
  }
  return { calls, loaders };
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The markdown section of bench/RESULTS.md. */
export function formatImportMarkdown(report: ImportBenchReport, machineLine: string, date: Date): string {
  const [callpulse, bare, dedupe] = report.loaders as [LoaderFigures, LoaderFigures, LoaderFigures];
  const rate = median(callpulse.rowsPerSecond);
  const rss = Math.max(...callpulse.peakRssMiB);
  const lines = [
    `## Import (${date.toISOString().slice(0, 10)})`,
    '',
    `${machineLine}. ${thousands(report.calls)} generated calls (the metrics history's shape) loaded into a fresh SQLite file, ` +
      `${callpulse.rowsPerSecond.length} interleaved round(s); medians.`,
    '',
    '| loader | rows/s | peak RSS MiB (floors: the whole file in memory) | of the bare floor |',
    '|---|---:|---:|---:|',
    ...report.loaders.map((l) => `| ${l.name} | ${thousands(median(l.rowsPerSecond))} | ${Math.max(...l.peakRssMiB).toFixed(0)} | ${(median(l.rowsPerSecond) / median(bare.rowsPerSecond)).toFixed(2)} |`),
    '',
    '| target | value | goal | result |',
    '|---|---:|---:|---|',
    `| callpulse import rate | ${thousands(rate)} calls/s | ≥ ${thousands(TARGET_ROWS_PER_SECOND)} | ${rate >= TARGET_ROWS_PER_SECOND ? 'PASS' : 'FAIL'} |`,
    `| its peak RSS | ${rss.toFixed(0)} MiB | ≤ ${TARGET_RSS_MIB} | ${rss <= TARGET_RSS_MIB ? 'PASS' : 'FAIL'} |`,
    `| SQLite's inserts alone (the floors) | ${thousands(median(bare.rowsPerSecond))} rows/s with no index, ${thousands(median(dedupe.rowsPerSecond))} with the unique CallSid | ≥ ${thousands(TARGET_ROWS_PER_SECOND)} | ${median(dedupe.rowsPerSecond) >= TARGET_ROWS_PER_SECOND ? 'reachable' : 'out of reach: an idempotent insert alone is slower than the target'} |`,
  ];
  return lines.join('\n');
}
