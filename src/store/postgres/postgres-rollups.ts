/**
 * @module
 * Rollups in PostgreSQL. Applying a batch's deltas is one statement of two upserts (counts; histogram
 * values) that add to what is stored (`calls = rollups.calls + excluded.calls`, `count = count +
 * excluded.count`): each runs under the row's lock on its latest committed version, so concurrent writers
 * on several instances never lose an increment. Rows are upserted in one fixed order, so two transactions
 * never wait on each other in a cycle.
 *
 * Histograms are one row per (rollup row, value) rather than an encoded blob (as SQLite keeps them):
 * merging is then a plain integer addition PostgreSQL does atomically under the row lock, with no merge
 * function of ours running inside the database, and an upsert costs the size of the delta, not of the
 * stored histogram (a month's duration histogram has thousands of values). They are keyed by the rollup
 * row's id, a short key that keeps these many small upserts cheap. Reading sums the rows of whole buckets
 * into the same RollupStats the SQLite store returns, adding `mos_sum` in the same order as it does, so
 * the figures match to the last bit.
 */
import type pg from 'pg';
import type { CallStatus } from '../../domain/call-event.js';
import type { RollupUnit } from '../../metrics/range-cover.js';
import { emptyStats, type RollupKey, type RollupStats } from '../../metrics/rollups.js';
import { pgArray, type ArrayElement } from './postgres-arrays.js';

const MOS = 0;
const DURATION = 1;

/** A fixed total order of rollup keys: every writer locks rows in this order. */
function compareKeys(a: RollupKey, b: RollupKey): number {
  if (a.level !== b.level) return a.level < b.level ? -1 : 1;
  if (a.bucket !== b.bucket) return a.bucket - b.bucket;
  return a.dimension < b.dimension ? -1 : a.dimension > b.dimension ? 1 : 0;
}

/**
 * One statement: the counts rows upserted in the fixed order (`k`, by ordinality), returning their ids,
 * then each histogram value upserted under its rollup row's id. A histogram value is only ever written
 * by the statement that has just locked its rollup row, so its writers never wait on each other in a cycle.
 * The (number, project) pairs new to `numbers` are added by the same statement (sorted, after the rollups).
 */
const UPSERT = `WITH k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
      $9::bigint[], $10::bigint[], $11::float8[], $12::bigint[])
      WITH ORDINALITY AS k(level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated, ord)
  ), r AS (
    INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated)
    SELECT level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated FROM k ORDER BY ord
    ON CONFLICT (level, bucket, dim) DO UPDATE SET calls = rollups.calls + excluded.calls,
      completed = rollups.completed + excluded.completed, failed = rollups.failed + excluded.failed,
      busy = rollups.busy + excluded.busy, no_answer = rollups.no_answer + excluded.no_answer,
      canceled = rollups.canceled + excluded.canceled, mos_count = rollups.mos_count + excluded.mos_count,
      mos_sum = rollups.mos_sum + excluded.mos_sum, repeated = rollups.repeated + excluded.repeated
    RETURNING id, level, bucket, dim
  ), numbers_added AS (
    INSERT INTO numbers (number, account_sid) SELECT * FROM unnest($17::text[], $18::text[]) ON CONFLICT DO NOTHING
  )
  INSERT INTO rollup_histograms (rollup_id, kind, value, count)
  SELECT r.id, h.kind, h.value, h.count
    FROM unnest($13::bigint[], $14::smallint[], $15::bigint[], $16::bigint[]) AS h(ord, kind, value, count)
    JOIN k ON k.ord = h.ord
    JOIN r ON r.level = k.level AND r.bucket = k.bucket AND r.dim = k.dim
  ON CONFLICT (rollup_id, kind, value) DO UPDATE SET count = rollup_histograms.count + excluded.count`;

/** Adds the deltas to the stored rollups and the pairs to `numbers`, inside the caller's transaction (one statement). */
export async function applyRollupDeltas(
  client: pg.PoolClient,
  deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>,
  numbers: ReadonlyArray<readonly [number: string, account: string]>,
): Promise<void> {
  if (deltas.length === 0 && numbers.length === 0) return;
  const sorted = [...deltas].sort((a, b) => compareKeys(a.key, b.key));
  const values: ArrayElement[][] = Array.from({ length: 16 }, () => []);
  sorted.forEach(({ key, stats }, i) => {
    const s = stats.statuses;
    const row = [key.level, key.bucket, key.dimension, stats.calls, s.completed, s.failed, s.busy, s['no-answer'], s.canceled, stats.mosCount, stats.mosSum, stats.repeated];
    row.forEach((value, column) => values[column]!.push(value));
    for (const [kind, histogram] of [[MOS, stats.mosHistogram], [DURATION, stats.durationHistogram]] as const) {
      for (const [value, count] of histogram) {
        if (count === 0) continue;
        [i + 1, kind, value, count].forEach((v, column) => values[12 + column]!.push(v));
      }
    }
  });
  const numberColumns = [pgArray(numbers.map(([number]) => number)), pgArray(numbers.map(([, account]) => account))];
  await client.query({ name: 'cp_upsert_rollups', text: UPSERT, values: [...values.map(pgArray), ...numberColumns] });
}

const COUNT_COLUMNS = 'r.calls AS count, r.completed, r.failed, r.busy, r.no_answer, r.canceled, r.mos_count, r.mos_sum, r.repeated';
const NO_COUNTS = 'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL';

/**
 * One query for the counts rows (each with its position in the request, to add them in SQLite's order)
 * and the histogram values summed over every requested row (integer sums: the order does not matter).
 */
const READ = `WITH k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS k(level, bucket, dim, ord)
  ), r AS (
    SELECT k.ord, r.* FROM k JOIN rollups r ON r.level = k.level AND r.bucket = k.bucket AND r.dim = k.dim
  )
  SELECT -1 AS kind, r.ord AS value, ${COUNT_COLUMNS} FROM r
  UNION ALL
  SELECT h.kind, h.value, SUM(h.count)::bigint, ${NO_COUNTS}
    FROM r JOIN rollup_histograms h ON h.rollup_id = r.id
    GROUP BY h.kind, h.value`;

/**
 * The same per dimension, for the dimensions named `$3` and one more part: counts rows with the position
 * of their bucket in the request (SQLite adds each group's rows bucket by bucket), histograms summed per dimension.
 */
const READ_GROUPS = `WITH k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS k(level, bucket, ord)
  ), r AS (
    SELECT k.ord, r.* FROM k JOIN rollups r ON r.level = k.level AND r.bucket = k.bucket
      AND starts_with(r.dim, $3) AND strpos(substr(r.dim, length($3) + 1), '|') = 0
  )
  SELECT r.dim, -1 AS kind, r.ord AS value, ${COUNT_COLUMNS} FROM r
  UNION ALL
  SELECT r.dim, h.kind, h.value, SUM(h.count)::bigint, ${NO_COUNTS}
    FROM r JOIN rollup_histograms h ON h.rollup_id = r.id
    GROUP BY r.dim, h.kind, h.value`;

interface ReadRow {
  kind: number;
  value: number;
  count: number;
  completed: number | null;
  failed: number | null;
  busy: number | null;
  no_answer: number | null;
  canceled: number | null;
  mos_count: number | null;
  mos_sum: number | null;
  repeated: number | null;
}

/** Adds one counts row into `stats`. */
function addCounts(stats: RollupStats, row: ReadRow): void {
  stats.calls += row.count;
  const statuses: Record<CallStatus, number> = stats.statuses;
  statuses.completed += row.completed!;
  statuses.failed += row.failed!;
  statuses.busy += row.busy!;
  statuses['no-answer'] += row.no_answer!;
  statuses.canceled += row.canceled!;
  stats.mosCount += row.mos_count!;
  stats.mosSum += row.mos_sum!;
  stats.repeated += row.repeated!;
}

/** Sets one histogram row (already summed) into `stats`. */
function setHistogram(stats: RollupStats, row: ReadRow): void {
  if (row.kind === MOS) stats.mosHistogram.set(row.value, row.count);
  else if (row.kind === DURATION) stats.durationHistogram.set(row.value, row.count);
}

/** The merged stats of the rollup rows of whole buckets, over the dimensions given. */
export async function readRollups(pool: pg.Pool, units: readonly RollupUnit[], dimensions: readonly string[]): Promise<RollupStats> {
  const stats = emptyStats();
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
  const { rows } = await pool.query<ReadRow>({ name: 'cp_read_rollups', text: READ, values: [pgArray(levels), pgArray(buckets), pgArray(dims)] });
  for (const row of rows.filter((r) => r.kind === -1).sort((a, b) => a.value - b.value)) addCounts(stats, row);
  for (const row of rows) if (row.kind !== -1) setHistogram(stats, row);
  return stats;
}

/**
 * The merged stats of whole buckets per dimension, over the dimensions named `prefix` and one more part
 * (not the finer ones split from those): that part -> stats.
 */
export async function readRollupGroups(pool: pg.Pool, units: readonly RollupUnit[], prefix: string): Promise<Map<string, RollupStats>> {
  const groups = new Map<string, RollupStats>();
  if (units.length === 0) return groups;
  const { rows } = await pool.query<ReadRow & { dim: string }>({
    name: 'cp_read_rollup_groups', text: READ_GROUPS, values: [pgArray(units.map((u) => u.level)), pgArray(units.map((u) => u.start)), prefix],
  });
  const groupOf = (dim: string): RollupStats | null => {
    const key = dim.slice(prefix.length);
    if (key.includes('|')) return null;
    let stats = groups.get(key);
    if (!stats) groups.set(key, (stats = emptyStats()));
    return stats;
  };
  for (const row of rows.filter((r) => r.kind === -1).sort((a, b) => a.value - b.value)) {
    const stats = groupOf(row.dim);
    if (stats) addCounts(stats, row);
  }
  for (const row of rows) {
    if (row.kind === -1) continue;
    const stats = groupOf(row.dim);
    if (stats) setHistogram(stats, row);
  }
  return groups;
}
