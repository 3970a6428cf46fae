/**
 * @module
 * Rollup rows in SQLite: applying a batch's deltas (read, add, write back: the writer thread is the
 * only writer, inside the batch's transaction; histograms are merged in their encoded form) and
 * reading the rows of whole buckets back as stats.
 */
import type Database from 'better-sqlite3';
import { decodeHistogram, encodeHistogram, mergeEncodedHistograms } from '../../metrics/histogram.js';
import type { RollupUnit } from '../../metrics/range-cover.js';
import { emptyStats, type RollupKey, type RollupStats } from '../../metrics/rollups.js';

interface RollupRow {
  calls: number;
  completed: number;
  failed: number;
  busy: number;
  no_answer: number;
  canceled: number;
  mos_count: number;
  mos_sum: number;
  mos_hist: Buffer;
  duration_hist: Buffer;
  repeated: number;
}

const COLUMNS = 'calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, mos_hist, duration_hist, repeated';

/** Adds a stored row's counts into `stats`. */
function addRow(stats: RollupStats, row: RollupRow): void {
  stats.calls += row.calls;
  stats.statuses.completed += row.completed;
  stats.statuses.failed += row.failed;
  stats.statuses.busy += row.busy;
  stats.statuses['no-answer'] += row.no_answer;
  stats.statuses.canceled += row.canceled;
  stats.mosCount += row.mos_count;
  stats.mosSum += row.mos_sum;
  decodeHistogram(row.mos_hist, stats.mosHistogram);
  decodeHistogram(row.duration_hist, stats.durationHistogram);
  stats.repeated += row.repeated;
}

/**
 * Prepares the statements and returns the function that applies deltas (call it inside the batch's
 * transaction): one upsert per row, adding counts in SQL and merging histograms with a SQL function.
 */
export function createRollupApplier(db: Database.Database): (deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>) => void {
  db.function('callpulse_merge_histogram', { deterministic: true }, (stored: unknown, added: unknown) =>
    mergeEncodedHistograms(stored as Buffer | null, added as Buffer),
  );
  const upsert = db.prepare(`INSERT INTO rollups (level, bucket, dim, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (level, bucket, dim) DO UPDATE SET calls = calls + excluded.calls, completed = completed + excluded.completed,
      failed = failed + excluded.failed, busy = busy + excluded.busy, no_answer = no_answer + excluded.no_answer,
      canceled = canceled + excluded.canceled, mos_count = mos_count + excluded.mos_count, mos_sum = mos_sum + excluded.mos_sum,
      mos_hist = callpulse_merge_histogram(mos_hist, excluded.mos_hist),
      duration_hist = callpulse_merge_histogram(duration_hist, excluded.duration_hist),
      repeated = repeated + excluded.repeated`);
  return (deltas) => {
    for (const { key, stats: delta } of deltas) {
      const s = delta.statuses;
      upsert.run(
        key.level, key.bucket, key.dimension, delta.calls, s.completed, s.failed, s.busy, s['no-answer'], s.canceled,
        delta.mosCount, delta.mosSum, encodeHistogram(delta.mosHistogram), encodeHistogram(delta.durationHistogram), delta.repeated,
      );
    }
  };
}

/** Returns the reader that merges the rollup rows of whole buckets, over the dimensions given, into stats. */
export function createRollupReader(db: Database.Database): (units: readonly RollupUnit[], dimensions: readonly string[]) => RollupStats {
  const select = db.prepare(`SELECT ${COLUMNS} FROM rollups WHERE level = ? AND bucket = ? AND dim = ?`);
  return (units, dimensions) => {
    const stats = emptyStats();
    for (const dimension of dimensions) {
      for (const unit of units) {
        const row = select.get(unit.level, unit.start, dimension) as RollupRow | undefined;
        if (row) addRow(stats, row);
      }
    }
    return stats;
  };
}

/** The end of the dimension names that start with `prefix`, which ends with ':' (the next character is ';'). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + ';';
}

/**
 * Returns the reader that merges the rollup rows of whole buckets per dimension, over the dimensions
 * named `prefix` and one more part (not the finer ones split from those): that part -> stats.
 */
export function createRollupGroupReader(db: Database.Database): (units: readonly RollupUnit[], prefix: string) => Map<string, RollupStats> {
  const select = db.prepare(`SELECT dim, ${COLUMNS} FROM rollups WHERE level = ? AND bucket = ? AND dim >= ? AND dim < ?`);
  return (units, prefix) => {
    const groups = new Map<string, RollupStats>();
    const end = prefixEnd(prefix);
    for (const unit of units) {
      for (const row of select.iterate(unit.level, unit.start, prefix, end) as Iterable<RollupRow & { dim: string }>) {
        const key = row.dim.slice(prefix.length);
        if (key.includes('|')) continue;
        let stats = groups.get(key);
        if (!stats) groups.set(key, (stats = emptyStats()));
        addRow(stats, row);
      }
    }
    return groups;
  };
}
