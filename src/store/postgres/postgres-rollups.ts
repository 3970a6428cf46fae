/**
 * @module
 * Rollup rows in PostgreSQL (migration 5): counts and histograms encoded as text (metrics/histogram.ts),
 * as the SQLite store keeps them. Only the rollup catch-up writes them (postgres-rollup-catch-up.ts), one
 * instance at a time: it reads the stored histograms of the rows its calls touch, merges them in
 * JavaScript and writes them back, adding the counts. Readers get the rows of whole buckets as stats
 * (the histogram text kept for dense histograms to decode) plus what the calls not yet counted add to
 * them (postgres-uncounted.ts), read by the same statement, so in one snapshot; MOS sums are whole millionths and histograms integer
 * counts, so the figures match SQLite's to the last bit.
 */
import type pg from 'pg';
import type { CallStatus } from '../../domain/call-event.js';
import type { RollupLevel, RollupUnit } from '../../metrics/range-cover.js';
import { emptyDenseStats } from '../../metrics/dense-stats.js';
import { addEncoded, encodeHistogram, mergeEncodedHistograms } from '../../metrics/histogram.js';
import { mergeStats, type RollupKey, type RollupStats } from '../../metrics/rollups.js';
import { pgArray } from './postgres-arrays.js';
import { uncountedKey, uncountedRowsOf, withUncountedRow, type UncountedRow, type UncountedRows } from './postgres-uncounted.js';

/** Where reads are sent: the pool (each read is one statement, so one snapshot) or a client. */
type Queryable = Pick<pg.Pool, 'query'>;

const KEYS = `SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) AS k(level, bucket, dim)`;

/** The stored histograms of the rows `$1..$3` (level, bucket, dimension) that exist. */
const SELECT_HISTOGRAMS = `SELECT r.level, r.bucket, r.dim, r.mos_hist, r.duration_hist
  FROM (${KEYS}) AS k JOIN rollups r ON r.level = k.level AND r.dim = k.dim AND r.bucket = k.bucket`;

/** Adds counts to the rows (inserted when new) and sets their histograms, already merged with the stored ones. */
const UPSERT = `INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated,
    mos_hist, duration_hist)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
    $9::bigint[], $10::bigint[], $11::float8[], $12::bigint[], $13::text[], $14::text[])
  ON CONFLICT (level, dim, bucket) DO UPDATE SET calls = rollups.calls + excluded.calls,
    completed = rollups.completed + excluded.completed, failed = rollups.failed + excluded.failed,
    busy = rollups.busy + excluded.busy, no_answer = rollups.no_answer + excluded.no_answer,
    canceled = rollups.canceled + excluded.canceled, mos_count = rollups.mos_count + excluded.mos_count,
    mos_sum = rollups.mos_sum + excluded.mos_sum, repeated = rollups.repeated + excluded.repeated,
    mos_hist = excluded.mos_hist, duration_hist = excluded.duration_hist`;

/**
 * The order rows are written in: base rows before splits, then by level, dimension and bucket. A row
 * stays near where it was first written (its later versions go on the same page when there is room), so
 * this keeps the rows a breakdown reads together (a level's base rows of a project's numbers) on few pages,
 * rather than each among its ten status and country splits.
 */
function compareKeys(a: RollupKey, b: RollupKey): number {
  if (a.family !== b.family) return a.family === 'base' ? -1 : 1;
  if (a.level !== b.level) return a.level < b.level ? -1 : 1;
  if (a.dimension !== b.dimension) return a.dimension < b.dimension ? -1 : 1;
  return a.bucket - b.bucket;
}

const rowId = (level: string, bucket: number, dimension: string): string => `${level} ${bucket} ${dimension}`;

/**
 * Adds deltas to the stored rollup rows, inside the caller's transaction. Only for the one writer of the
 * rollups (the catch-up, under its lock): the histograms are read, merged here and written back whole.
 */
export async function addToRollups(client: pg.ClientBase, deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>): Promise<void> {
  if (deltas.length === 0) return;
  const sorted = [...deltas].sort((a, b) => compareKeys(a.key, b.key));
  const keys = [pgArray(sorted.map((d) => d.key.level)), pgArray(sorted.map((d) => d.key.bucket)), pgArray(sorted.map((d) => d.key.dimension))];
  const { rows } = await client.query<{ level: string; bucket: number; dim: string; mos_hist: string; duration_hist: string }>({
    name: 'cp_select_histograms', text: SELECT_HISTOGRAMS, values: keys,
  });
  const stored = new Map(rows.map((row) => [rowId(row.level, row.bucket, row.dim), row]));
  const columns: Array<Array<string | number>> = Array.from({ length: 11 }, () => []);
  sorted.forEach(({ key, stats }) => {
    const s = stats.statuses;
    const row = stored.get(rowId(key.level, key.bucket, key.dimension));
    [stats.calls, s.completed, s.failed, s.busy, s['no-answer'], s.canceled, stats.mosCount, stats.mosSum, stats.repeated,
      mergeEncodedHistograms(row?.mos_hist, encodeHistogram(stats.mosHistogram)),
      mergeEncodedHistograms(row?.duration_hist, encodeHistogram(stats.durationHistogram)),
    ].forEach((value, column) => columns[column]!.push(value));
  });
  await client.query({ name: 'cp_upsert_rollups', text: UPSERT, values: [...keys, ...columns.map(pgArray)] });
}

const COLUMNS = 'r.calls, r.completed, r.failed, r.busy, r.no_answer, r.canceled, r.mos_count, r.mos_sum, r.repeated, r.mos_hist, r.duration_hist';

/** Whole buckets (`$1` levels, `$2` starts) of the dimensions `$3`. */
const READ = withUncountedRow(`SELECT ${COLUMNS} FROM (${KEYS}) AS k JOIN rollups r ON r.level = k.level AND r.dim = k.dim AND r.bucket = k.bucket`, 11);

/**
 * Whole buckets (`$1` levels, `$2` starts) of the dimensions with `$5` parts after the first (their depth)
 * from `$3` (included) to `$4` (excluded) in byte order: one range of the index rollups_by_bucket per bucket.
 */
const READ_GROUPS = withUncountedRow(`SELECT r.dim AS grp, ${COLUMNS}
  FROM unnest($1::text[], $2::bigint[]) AS k(level, bucket)
  JOIN rollups r ON r.level = k.level AND r.bucket = k.bucket AND length(r.dim) - length(replace(r.dim, '|', '')) = $5
    AND r.dim COLLATE "C" >= $3 AND r.dim COLLATE "C" < $4`, 12);

/** The buckets of level `$1` starting in [`$3`, `$4`) of the dimensions `$2`, per bucket. */
const READ_SERIES = withUncountedRow(`SELECT r.bucket AS grp, ${COLUMNS}
  FROM unnest($2::text[]) AS d(dim) JOIN rollups r ON r.level = $1 AND r.dim = d.dim AND r.bucket >= $3 AND r.bucket < $4`, 12);

/** A row of the reads: a rollup row, or (`calls` null) the last one, with what is uncounted. */
interface ReadRow {
  uncounted: UncountedRow[] | null;
  grp?: string | number;
  calls: number;
  completed: number;
  failed: number;
  busy: number;
  no_answer: number;
  canceled: number;
  mos_count: number;
  mos_sum: number;
  repeated: number;
  mos_hist: string;
  duration_hist: string;
}

/** Adds one stored row into `stats` (its histograms' text decoded when first needed). */
function addRow(stats: RollupStats, row: ReadRow): void {
  stats.calls += row.calls;
  const statuses: Record<CallStatus, number> = stats.statuses;
  statuses.completed += row.completed;
  statuses.failed += row.failed;
  statuses.busy += row.busy;
  statuses['no-answer'] += row.no_answer;
  statuses.canceled += row.canceled;
  stats.mosCount += row.mos_count;
  stats.mosSum += row.mos_sum;
  stats.repeated += row.repeated;
  addEncoded(stats.mosHistogram, row.mos_hist);
  addEncoded(stats.durationHistogram, row.duration_hist);
}

/** The rollup rows of a read, and what is uncounted in the same snapshot. */
function splitRows(rows: readonly ReadRow[]): { stored: ReadRow[]; uncounted: UncountedRows | null } {
  const stored = rows.filter((row) => row.calls !== null);
  const last = rows.find((row) => row.calls === null);
  return { stored, uncounted: uncountedRowsOf(last?.uncounted ?? null) };
}

/** A map's entry, made empty (dense) when missing. */
function statsIn<K>(groups: Map<K, RollupStats>, key: K): RollupStats {
  let stats = groups.get(key);
  if (!stats) groups.set(key, (stats = emptyDenseStats()));
  return stats;
}

/** The merged stats of the rollup rows of whole buckets, over the dimensions given, with what is uncounted. */
export async function readRollups(db: Queryable, units: readonly RollupUnit[], dimensions: readonly string[]): Promise<RollupStats> {
  const stats = emptyDenseStats();
  if (units.length === 0 || dimensions.length === 0) return stats;
  const levels: string[] = [];
  const buckets: number[] = [];
  const dims: string[] = [];
  for (const dimension of dimensions) {
    for (const unit of units) {
      levels.push(unit.level);
      buckets.push(unit.start);
      dims.push(dimension);
    }
  }
  const result = await db.query<ReadRow>({ name: 'cp_read_rollups', text: READ, values: [pgArray(levels), pgArray(buckets), pgArray(dims)] });
  const { stored, uncounted } = splitRows(result.rows);
  for (const row of stored) addRow(stats, row);
  for (const unit of uncounted ? units : []) {
    const added = uncounted!.get(uncountedKey(unit.level, unit.start));
    for (const dimension of added ? dimensions : []) {
      const delta = added!.get(dimension);
      if (delta) mergeStats(stats, delta);
    }
  }
  return stats;
}

/** The end of the dimension names that start with `prefix`, which ends with ':' (the next character is ';'). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + ';';
}

/**
 * The merged stats of whole buckets per dimension, over the dimensions named `prefix` and one more part
 * (not the finer ones split from those): that part -> stats. One table holds both families of dimensions
 * here; the names alone tell them apart.
 */
export async function readRollupGroups(db: Queryable, units: readonly RollupUnit[], prefix: string): Promise<Map<string, RollupStats>> {
  const groups = new Map<string, RollupStats>();
  if (units.length === 0) return groups;
  const end = prefixEnd(prefix);
  const groupOf = (dimension: string): string | null => {
    const key = dimension.slice(prefix.length);
    return key.includes('|') ? null : key;
  };
  const result = await db.query<ReadRow>({
    name: 'cp_read_rollup_groups',
    text: READ_GROUPS,
    values: [pgArray(units.map((u) => u.level)), pgArray(units.map((u) => u.start)), prefix, end, prefix.split('|').length - 1],
  });
  const { stored, uncounted } = splitRows(result.rows);
  for (const row of stored) {
    const key = groupOf(row.grp as string);
    if (key !== null) addRow(statsIn(groups, key), row);
  }
  for (const unit of uncounted ? units : []) {
    for (const [dimension, delta] of uncounted!.get(uncountedKey(unit.level, unit.start)) ?? []) {
      const key = dimension.startsWith(prefix) ? groupOf(dimension) : null;
      if (key !== null) mergeStats(statsIn(groups, key), delta);
    }
  }
  return groups;
}

/** The rollup rows of one level whose buckets start in [from, to), summed over the dimensions given, per bucket start, with what is uncounted. */
export async function readRollupSeries(db: Queryable, level: RollupLevel, from: number, to: number, dimensions: readonly string[]): Promise<Map<number, RollupStats>> {
  const series = new Map<number, RollupStats>();
  if (dimensions.length === 0 || from >= to) return series;
  const result = await db.query<ReadRow>({ name: 'cp_read_rollup_series', text: READ_SERIES, values: [level, pgArray(dimensions), from, to] });
  const { stored, uncounted } = splitRows(result.rows);
  for (const row of stored) addRow(statsIn(series, Number(row.grp)), row);
  for (const [id, added] of uncounted ?? []) {
    const [addedLevel, start] = id.split(' ');
    const bucket = Number(start);
    if (addedLevel !== level || bucket < from || bucket >= to) continue;
    for (const dimension of dimensions) {
      const delta = added.get(dimension);
      if (delta) mergeStats(statsIn(series, bucket), delta);
    }
  }
  return series;
}
