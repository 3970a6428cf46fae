/**
 * @module
 * Rollup rows in SQLite: applying a batch's deltas (read, add, write back: the writer thread is the
 * only writer, inside the batch's transaction; histograms are merged in their encoded form) and
 * reading the rows of whole buckets back as stats (their histogram text kept for dense histograms to decode),
 * plus what the calls not yet counted add to them (sqlite-uncounted.ts).
 */
import type Database from 'better-sqlite3';
import { addEncoded, encodeHistogram, mergeEncodedHistograms } from '../../metrics/histogram.js';
import { emptyDenseStats } from '../../metrics/dense-stats.js';
import { levelEnd, type RollupLevel, type RollupUnit } from '../../metrics/range-cover.js';
import { mergeStats, type RollupFamily, type RollupKey, type RollupStats } from '../../metrics/rollups.js';
import { bucketKey, type UncountedRows } from './sqlite-uncounted.js';

const COLUMNS = 'calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, mos_hist, duration_hist, repeated';

/**
 * A rollup row as read: COLUMNS' values in order, after any key columns selected before them. Rows are read
 * as arrays (better-sqlite3's raw mode): building an object per row costs several times more.
 */
type RollupRow = [...keys: Array<string | number>, calls: number, completed: number, failed: number, busy: number, noAnswer: number,
  canceled: number, mosCount: number, mosSum: number, mosHist: string, durationHist: string, repeated: number];

/** Adds a stored row's counts into `stats` (or takes them away: `sign` -1); its COLUMNS start at `at`. */
function addRow(stats: RollupStats, row: RollupRow, at = 0, sign: 1 | -1 = 1): void {
  stats.calls += sign * (row[at] as number);
  stats.statuses.completed += sign * (row[at + 1] as number);
  stats.statuses.failed += sign * (row[at + 2] as number);
  stats.statuses.busy += sign * (row[at + 3] as number);
  stats.statuses['no-answer'] += sign * (row[at + 4] as number);
  stats.statuses.canceled += sign * (row[at + 5] as number);
  stats.mosCount += sign * (row[at + 6] as number);
  stats.mosSum += sign * (row[at + 7] as number);
  addEncoded(stats.mosHistogram, row[at + 8] as string, sign);
  addEncoded(stats.durationHistogram, row[at + 9] as string, sign);
  stats.repeated += sign * (row[at + 10] as number);
}

/** The table of each family of rollup dimensions (migrations v2). */
const TABLES: Record<RollupFamily, string> = { base: 'rollups', split: 'rollup_splits' };

/**
 * Prepares the statements and returns the function that applies deltas (call it inside the batch's
 * transaction): one upsert per row, adding counts in SQL and merging histograms with a SQL function.
 */
export function createRollupApplier(db: Database.Database): (deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>) => void {
  db.function('callpulse_merge_histogram', { deterministic: true }, (stored: unknown, added: unknown) =>
    mergeEncodedHistograms(stored as string | null, added as string),
  );
  const upsertInto = (table: string): Database.Statement =>
    db.prepare(`INSERT INTO ${table} (level, bucket, dim, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (level, ${table === 'rollups' ? 'dim, bucket' : 'bucket, dim'}) DO UPDATE SET calls = calls + excluded.calls,
        completed = completed + excluded.completed, failed = failed + excluded.failed, busy = busy + excluded.busy,
        no_answer = no_answer + excluded.no_answer, canceled = canceled + excluded.canceled,
        mos_count = mos_count + excluded.mos_count, mos_sum = mos_sum + excluded.mos_sum,
        mos_hist = callpulse_merge_histogram(mos_hist, excluded.mos_hist),
        duration_hist = callpulse_merge_histogram(duration_hist, excluded.duration_hist),
        repeated = repeated + excluded.repeated`);
  const upserts: Record<RollupFamily, Database.Statement> = { base: upsertInto(TABLES.base), split: upsertInto(TABLES.split) };
  return (deltas) => {
    for (const { key, stats: delta } of deltas) {
      const s = delta.statuses;
      upserts[key.family].run(
        key.level, key.bucket, key.dimension, delta.calls, s.completed, s.failed, s.busy, s['no-answer'], s.canceled,
        delta.mosCount, delta.mosSum, encodeHistogram(delta.mosHistogram), encodeHistogram(delta.durationHistogram), delta.repeated,
      );
    }
  };
}

/** A run of units of one level and sign whose buckets follow each other: one range read. */
interface UnitRun {
  level: RollupLevel;
  from: number;
  to: number;
  sign: 1 | -1;
}

/** The units in runs (each is one range read). */
function runsOf(units: readonly RollupUnit[]): UnitRun[] {
  const runs: UnitRun[] = [];
  for (const unit of units) {
    const last = runs[runs.length - 1];
    const end = levelEnd(unit.start, unit.level);
    const sign = unit.sign ?? 1;
    if (last && last.level === unit.level && last.sign === sign && last.to === unit.start) last.to = end;
    else runs.push({ level: unit.level, from: unit.start, to: end, sign });
  }
  return runs;
}

/** Returns the reader that merges the base rollup rows of whole buckets, over the dimensions given, into stats. */
export function createRollupReader(db: Database.Database): (units: readonly RollupUnit[], dimensions: readonly string[], uncounted: UncountedRows | null) => RollupStats {
  const select = db.prepare(`SELECT ${COLUMNS} FROM rollups WHERE level = ? AND dim = ? AND bucket >= ? AND bucket < ?`).raw();
  return (units, dimensions, uncounted) => {
    const stats = emptyDenseStats();
    const runs = runsOf(units);
    for (const dimension of dimensions) {
      for (const run of runs) for (const row of select.all(run.level, dimension, run.from, run.to) as RollupRow[]) addRow(stats, row, 0, run.sign);
    }
    for (const unit of uncounted ? units : []) {
      const added = uncounted!.get(bucketKey('base', unit.level, unit.start));
      for (const dimension of added ? dimensions : []) {
        const delta = added!.dimensions.get(dimension);
        if (delta) mergeStats(stats, delta, unit.sign);
      }
    }
    return stats;
  };
}

/** Returns the reader of one level's base rows in [from, to), over the dimensions given, merged per bucket. */
export function createRollupSeriesReader(db: Database.Database): (level: RollupLevel, from: number, to: number, dimensions: readonly string[], uncounted: UncountedRows | null) => Map<number, RollupStats> {
  const select = db.prepare(`SELECT bucket, ${COLUMNS} FROM rollups WHERE level = ? AND dim = ? AND bucket >= ? AND bucket < ?`).raw();
  return (level, from, to, dimensions, uncounted) => {
    const series = new Map<number, RollupStats>();
    const statsOf = (bucket: number): RollupStats => {
      let stats = series.get(bucket);
      if (!stats) series.set(bucket, (stats = emptyDenseStats()));
      return stats;
    };
    for (const dimension of dimensions) {
      for (const row of select.all(level, dimension, from, to) as RollupRow[]) addRow(statsOf(row[0] as number), row, 1);
    }
    for (const added of uncounted?.values() ?? []) {
      if (added.family !== 'base' || added.level !== level || added.bucket < from || added.bucket >= to) continue;
      for (const dimension of dimensions) {
        const delta = added.dimensions.get(dimension);
        if (delta) mergeStats(statsOf(added.bucket), delta);
      }
    }
    return series;
  };
}

/** The end of the dimension names that start with `prefix`, which ends with ':' (the next character is ';'). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + ';';
}

/**
 * Returns the reader that merges the rollup rows of whole buckets per dimension, over the dimensions of a
 * family named `prefix` and one more part: that part -> stats.
 */
export function createRollupGroupReader(db: Database.Database): (units: readonly RollupUnit[], prefix: string, family: RollupFamily, uncounted: UncountedRows | null) => Map<string, RollupStats> {
  const selects: Record<RollupFamily, Database.Statement> = {
    base: db.prepare(`SELECT dim, ${COLUMNS} FROM rollups INDEXED BY rollups_by_bucket WHERE level = ? AND bucket = ? AND dim >= ? AND dim < ?`).raw(),
    split: db.prepare(`SELECT dim, ${COLUMNS} FROM rollup_splits WHERE level = ? AND bucket = ? AND dim >= ? AND dim < ?`).raw(),
  };
  // A dimension has few month rows: one read along the primary key (dimension, then bucket) per run of
  // months costs less than finding each month's rows through the bucket index, a lookup per row.
  const baseMonths = db.prepare(`SELECT dim, ${COLUMNS} FROM rollups NOT INDEXED WHERE level = 'month' AND dim >= ? AND dim < ? AND bucket >= ? AND bucket < ?`).raw();
  return (units, prefix, family, uncounted) => {
    const groups = new Map<string, RollupStats>();
    const end = prefixEnd(prefix);
    const statsOf = (dimension: string): RollupStats => {
      const key = dimension.slice(prefix.length);
      let stats = groups.get(key);
      if (!stats) groups.set(key, (stats = emptyDenseStats()));
      return stats;
    };
    const add = (rows: RollupRow[], sign: 1 | -1): void => {
      for (const row of rows) addRow(statsOf(row[0] as string), row, 1, sign);
    };
    for (let i = 0; i < units.length; i++) {
      const unit = units[i]!;
      const sign = unit.sign ?? 1;
      if (family === 'base' && unit.level === 'month') {
        // The run of adjacent months from here, read at once: each group's rows still come bucket by bucket, in the units' order.
        let to = levelEnd(unit.start, 'month');
        while (units[i + 1]?.level === 'month' && (units[i + 1]!.sign ?? 1) === sign && units[i + 1]!.start === to) to = levelEnd(units[++i]!.start, 'month');
        add(baseMonths.all(prefix, end, unit.start, to) as RollupRow[], sign);
      } else {
        add(selects[family].all(unit.level, unit.start, prefix, end) as RollupRow[], sign);
      }
    }
    for (const unit of uncounted ? units : []) {
      const added = uncounted!.get(bucketKey(family, unit.level, unit.start));
      for (const [dimension, delta] of added?.dimensions ?? []) {
        if (dimension >= prefix && dimension < end) mergeStats(statsOf(dimension), delta, unit.sign);
      }
    }
    return groups;
  };
}
