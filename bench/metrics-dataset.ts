/**
 * The database the metrics benchmark queries: N calls over two years imported with `callpulse import`
 * (a real child process), kept in bench/.cache between runs because building 10 million calls takes a
 * while. Reports the import's rate and its peak resident memory, sampled from /proc.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { writeHistoryCsv } from './history-dataset.js';
import { importCsv } from './import-process.js';

/**
 * Bump when the generated history or the stored form of calls and rollups changes, so cached databases are
 * rebuilt. (Later migrations that add tables are applied to a cached database when the store opens it.)
 */
const DATASET_VERSION = 3;
const CACHE_DIR = fileURLToPath(new URL('../../bench/.cache/', import.meta.url));

/** The dataset's last instant: the history is the two years before it. */
export const HISTORY_END = Date.UTC(2026, 10, 1);
export const HISTORY_DAYS = 730;

/** How the cached database was made. */
export interface DatasetInfo {
  path: string;
  calls: number;
  /** How the database was built: in this run, or read back from the cache's marker file. */
  build: BuildInfo | null;
  /** True when the database came from the cache. */
  cached: boolean;
}

/** The import that built a dataset, as measured then. */
export interface BuildInfo {
  builtAt: string;
  importSeconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
  /** The 1-minute load average when the import ended: other work on the machine slows it. */
  loadAverage: number;
}

/** The cached database of `calls` calls, built first if missing (the generated CSV is deleted after the import). */
export async function ensureDataset(calls: number, log: (line: string) => void): Promise<DatasetInfo> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `history-${calls}-v${DATASET_VERSION}.db`);
  const complete = `${path}.complete`; // written once the import has finished
  if (existsSync(path) && existsSync(complete)) {
    log(`using the cached ${calls}-call database ${path}`);
    let build: BuildInfo | null = null;
    try {
      build = JSON.parse(readFileSync(complete, 'utf8')) as BuildInfo;
    } catch {
      // an older marker without the figures
    }
    return { path, calls, build, cached: true };
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const csv = join(CACHE_DIR, `history-${calls}.csv`);
  log(`generating ${calls} calls over ${HISTORY_DAYS} days...`);
  await writeHistoryCsv(csv, calls, HISTORY_END, HISTORY_DAYS);
  log('importing them with callpulse import (this is the bulk import measurement)...');
  try {
    const { report, peakRssMiB } = await importCsv(csv, path);
    if (report.accepted !== calls) throw new Error(`the import stored ${report.accepted} of ${calls} calls`);
    const build: BuildInfo = {
      builtAt: new Date().toISOString(), importSeconds: report.seconds, rowsPerSecond: report.rows / report.seconds, peakRssMiB, loadAverage: loadavg()[0]!,
    };
    writeFileSync(complete, JSON.stringify(build));
    log(`imported ${report.rows} rows in ${report.seconds.toFixed(1)} s (${Math.round(build.rowsPerSecond)}/s), peak RSS ${peakRssMiB.toFixed(0)} MiB`);
    return { path, calls, build, cached: false };
  } finally {
    rmSync(csv, { force: true });
  }
}
