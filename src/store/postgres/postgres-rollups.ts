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
 * into the same RollupStats the SQLite store returns (MOS sums are whole millionths, exact in any order of
 * addition), so the figures match to the last bit.
 */
import type pg from 'pg';
import type { CallStatus } from '../../domain/call-event.js';
import type { RollupLevel, RollupUnit } from '../../metrics/range-cover.js';
import { emptyDenseStats } from '../../metrics/dense-stats.js';
import { addValue } from '../../metrics/histogram.js';
import type { RollupKey, RollupStats } from '../../metrics/rollups.js';
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
 * One statement: the counts rows upserted in the fixed order (`k`, by ordinality), returning their ids and
 * whether each was inserted now (`xmax = 0`: no earlier version), then each histogram value written under
 * its rollup row's id. A histogram value is only ever written by the statement that has just locked its
 * rollup row, so its writers never wait on each other in a cycle; and a rollup row inserted by this
 * statement has no histogram values yet, so its values are plain inserts (no lookup of a value that cannot
 * be there: most of a copy's values are of new rows), the values of rows already there are upserts.
 * The (number, project) pairs new to `numbers` are added by the same statement (sorted, after the rollups).
 */
const UPSERT = `WITH k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
      $9::bigint[], $10::bigint[], $11::float8[], $12::bigint[])
      WITH ORDINALITY AS k(level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated, ord)
  ), r AS (
    INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated)
    SELECT level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum, repeated FROM k ORDER BY ord
    ON CONFLICT (level, dim, bucket) DO UPDATE SET calls = rollups.calls + excluded.calls,
      completed = rollups.completed + excluded.completed, failed = rollups.failed + excluded.failed,
      busy = rollups.busy + excluded.busy, no_answer = rollups.no_answer + excluded.no_answer,
      canceled = rollups.canceled + excluded.canceled, mos_count = rollups.mos_count + excluded.mos_count,
      mos_sum = rollups.mos_sum + excluded.mos_sum, repeated = rollups.repeated + excluded.repeated
    RETURNING id, level, bucket, dim, xmax = 0 AS fresh
  ), numbers_added AS (
    INSERT INTO numbers (number, account_sid) SELECT * FROM unnest($17::text[], $18::text[]) ON CONFLICT DO NOTHING
  ), h AS (
    SELECT r.id, r.fresh, h.kind, h.value, h.count
      FROM unnest($13::bigint[], $14::smallint[], $15::bigint[], $16::bigint[]) AS h(ord, kind, value, count)
      JOIN k ON k.ord = h.ord
      JOIN r ON r.level = k.level AND r.bucket = k.bucket AND r.dim = k.dim
  ), fresh_values AS (
    INSERT INTO rollup_histograms (rollup_id, kind, value, count) SELECT id, kind, value, count FROM h WHERE fresh
  )
  INSERT INTO rollup_histograms (rollup_id, kind, value, count)
  SELECT id, kind, value, count FROM h WHERE NOT fresh
  ON CONFLICT (rollup_id, kind, value) DO UPDATE SET count = rollup_histograms.count + excluded.count`;

/** The parameters of the upsert of `deltas` and of the `numbers` pairs: worked out apart from the statement, so a copy can make them ahead. */
export function rollupParameters(
  deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>,
  numbers: ReadonlyArray<readonly [number: string, account: string]>,
): string[] | null {
  if (deltas.length === 0 && numbers.length === 0) return null;
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
  return [...values.map(pgArray), ...numberColumns];
}

/** Runs the upsert of parameters made by rollupParameters (nothing when null), inside the caller's transaction (one statement). */
export async function upsertRollups(client: pg.PoolClient, parameters: string[] | null): Promise<void> {
  if (parameters !== null) await client.query({ name: 'cp_upsert_rollups', text: UPSERT, values: parameters });
}

/** Adds the deltas to the stored rollups and the pairs to `numbers`, inside the caller's transaction (one statement). */
export async function applyRollupDeltas(
  client: pg.PoolClient,
  deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>,
  numbers: ReadonlyArray<readonly [number: string, account: string]>,
): Promise<void> {
  await upsertRollups(client, rollupParameters(deltas, numbers));
}

const COUNT_COLUMNS = 'r.calls AS count, r.completed, r.failed, r.busy, r.no_answer, r.canceled, r.mos_count, r.mos_sum, r.repeated';
const NO_COUNTS = 'NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL';

/**
 * The reads below return, per group (`grp`), its counts rows (kind -1, `value` their position in SQLite's
 * order of addition) and its histogram values summed (kind 0 or 1; integer sums, in any order).
 */
const readQuery = (rowsCte: string, group: string | null): string => `WITH ${rowsCte}
  SELECT ${group ?? 'NULL'} AS grp, -1 AS kind, r.ord AS value, ${COUNT_COLUMNS} FROM r
  UNION ALL
  SELECT ${group ?? 'NULL'}, h.kind, h.value, SUM(h.count)::bigint, ${NO_COUNTS}
    FROM r JOIN rollup_histograms h ON h.rollup_id = r.id
    GROUP BY ${group === null ? '' : `${group}, `}h.kind, h.value`;

/** Whole buckets (`$1` levels, `$2` starts) of the dimensions `$3`, ordered dimension by dimension, as SQLite adds them. */
const READ = readQuery(`k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS k(level, bucket, dim, ord)
  ), r AS (
    SELECT k.ord, r.* FROM k JOIN rollups r ON r.level = k.level AND r.dim = k.dim AND r.bucket = k.bucket
  )`, null);

/** Whole buckets of the dimensions named `$3` and one more part, per dimension, bucket by bucket. */
const READ_GROUPS = readQuery(`k AS (
    SELECT * FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS k(level, bucket, ord)
  ), r AS (
    SELECT k.ord, r.* FROM k JOIN rollups r ON r.level = k.level AND r.bucket = k.bucket
      AND starts_with(r.dim, $3) AND strpos(substr(r.dim, length($3) + 1), '|') = 0
  )`, 'r.dim');

/** The buckets of level `$1` starting in [`$3`, `$4`) of the dimensions `$2`, per bucket, dimension by dimension. */
const READ_SERIES = readQuery(`d AS (
    SELECT * FROM unnest($2::text[]) WITH ORDINALITY AS d(dim, ord)
  ), r AS (
    SELECT d.ord, r.* FROM d JOIN rollups r ON r.level = $1 AND r.dim = d.dim AND r.bucket >= $3 AND r.bucket < $4
  )`, 'r.bucket');

interface ReadRow {
  grp: string | number | null;
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

/** The stats of each group of a read's rows: counts added in their order, histograms set. */
function collect<K extends string | number>(rows: readonly ReadRow[], keyOf: (grp: ReadRow['grp']) => K | null): Map<K, RollupStats> {
  const groups = new Map<K, RollupStats>();
  const statsOf = (row: ReadRow): RollupStats | null => {
    const key = keyOf(row.grp);
    if (key === null) return null;
    let stats = groups.get(key);
    if (!stats) groups.set(key, (stats = emptyDenseStats()));
    return stats;
  };
  for (const row of rows.filter((r) => r.kind === -1).sort((a, b) => a.value - b.value)) {
    const stats = statsOf(row);
    if (stats) addCounts(stats, row);
  }
  for (const row of rows) {
    if (row.kind === -1) continue;
    const stats = statsOf(row);
    if (stats && row.kind === MOS) addValue(stats.mosHistogram, row.value, row.count);
    else if (stats && row.kind === DURATION) addValue(stats.durationHistogram, row.value, row.count);
  }
  return groups;
}

/** The merged stats of the rollup rows of whole buckets, over the dimensions given. */
export async function readRollups(pool: pg.Pool, units: readonly RollupUnit[], dimensions: readonly string[]): Promise<RollupStats> {
  if (units.length === 0 || dimensions.length === 0) return emptyDenseStats();
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
  return collect(rows, () => '').get('') ?? emptyDenseStats();
}

/**
 * The merged stats of whole buckets per dimension, over the dimensions named `prefix` and one more part
 * (not the finer ones split from those): that part -> stats. One table holds both families of dimensions
 * here; the names alone tell them apart.
 */
export async function readRollupGroups(pool: pg.Pool, units: readonly RollupUnit[], prefix: string): Promise<Map<string, RollupStats>> {
  if (units.length === 0) return new Map();
  const { rows } = await pool.query<ReadRow>({
    name: 'cp_read_rollup_groups', text: READ_GROUPS, values: [pgArray(units.map((u) => u.level)), pgArray(units.map((u) => u.start)), prefix],
  });
  return collect(rows, (dim) => {
    const key = String(dim).slice(prefix.length);
    return key.includes('|') ? null : key;
  });
}

/** The rollup rows of one level whose buckets start in [from, to), summed over the dimensions given, per bucket start. */
export async function readRollupSeries(pool: pg.Pool, level: RollupLevel, from: number, to: number, dimensions: readonly string[]): Promise<Map<number, RollupStats>> {
  if (dimensions.length === 0 || from >= to) return new Map();
  const { rows } = await pool.query<ReadRow>({ name: 'cp_read_rollup_series', text: READ_SERIES, values: [level, pgArray(dimensions), from, to] });
  return collect(rows, (bucket) => Number(bucket));
}
