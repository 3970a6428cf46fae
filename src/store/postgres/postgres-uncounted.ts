/**
 * @module
 * The calls the PostgreSQL rollups have not counted yet (migration 5): the calls listed in
 * `uncounted_calls`, with their repeat marks as they are now, and the counted calls listed in
 * `uncounted_marks` (made repeated since they were counted; a mark of a call still uncounted is already in
 * that call's own flag). Read by the catch-up that counts them (postgres-rollup-catch-up.ts) and by
 * readers, which add them to what the rollup rows say, in the same snapshot (postgres-rollups.ts).
 */
import type pg from 'pg';
import type { CallStatus } from '../../domain/call-event.js';
import type { RollupLevel } from '../../metrics/range-cover.js';
import { rollupDeltas, type RollupCall, type RollupStats } from '../../metrics/rollups.js';

/**
 * The uncounted calls (the first `limit` by id: a parameter, or ALL) and the marks of counted calls, each
 * with the call's facts (NULL when retention has deleted the call since).
 */
const selectUncounted = (limit: string): string => `SELECT x.call_id, x.mark, c.created_at, c.account_sid, c.to_number, c.status,
    c.duration_seconds, c.mos, c.from_country, c.repeated
  FROM (
    (SELECT call_id, false AS mark FROM uncounted_calls ORDER BY call_id LIMIT ${limit})
    UNION ALL
    SELECT m.call_id, true FROM uncounted_marks m WHERE NOT EXISTS (SELECT 1 FROM uncounted_calls u WHERE u.call_id = m.call_id)
  ) AS x
  LEFT JOIN calls c ON c.id = x.call_id`;

/**
 * A read of rollup rows (`query`, whose rows have a non-null `calls`) followed, in the same statement and
 * so the same snapshot, by one more row whose `uncounted` holds every uncounted call and mark as JSON (null
 * when there are none). `nulls` fills that row's other columns: one NULL per column `query` selects.
 * One statement, one round trip: no transaction is needed for the snapshot.
 */
export function withUncountedRow(query: string, nulls: number): string {
  return `WITH u AS (${selectUncounted('ALL')})
  ${query.replace(/^SELECT /, 'SELECT NULL::json AS uncounted, ')}
  UNION ALL
  SELECT (SELECT json_agg(u) FROM u)${', NULL'.repeat(nulls)}`;
}

/** An uncounted call or mark with its facts (as read, or as JSON). */
export interface UncountedRow {
  call_id: number;
  mark: boolean;
  created_at: number | null;
  account_sid: string;
  to_number: string;
  status: CallStatus;
  duration_seconds: number | null;
  mos: number | null;
  from_country: string | null;
  repeated: boolean;
}

/** What the rollups still have to count (or some of it). */
export interface Uncounted {
  /** The ids listed in `uncounted_calls` that this covers. */
  callIds: number[];
  /** Their calls (those still stored), with their repeat marks as they are now. */
  calls: RollupCall[];
  /** The ids listed in `uncounted_marks` of calls counted already. */
  markIds: number[];
  /** Those calls (still stored): one more repeated call each. */
  marked: RollupCall[];
}

/** Reads what is uncounted (at most `limit` uncounted calls), in the client's snapshot. */
export async function readUncounted(client: pg.ClientBase, limit: number): Promise<Uncounted> {
  const { rows } = await client.query<UncountedRow>({ name: 'cp_select_uncounted', text: selectUncounted('$1'), values: [limit] });
  return toUncounted(rows);
}

/** The uncounted calls and marks of rows read by selectUncounted. */
function toUncounted(rows: readonly UncountedRow[]): Uncounted {
  const uncounted: Uncounted = { callIds: [], calls: [], markIds: [], marked: [] };
  for (const row of rows) {
    (row.mark ? uncounted.markIds : uncounted.callIds).push(row.call_id);
    if (row.created_at === null) continue;
    const call: RollupCall = {
      createdAt: row.created_at, accountSid: row.account_sid, to: row.to_number, status: row.status,
      durationSeconds: row.duration_seconds, mos: row.mos, fromCountry: row.from_country, repeated: row.mark || row.repeated,
    };
    (row.mark ? uncounted.marked : uncounted.calls).push(call);
  }
  return uncounted;
}

/** What uncounted calls add to the rollup rows, for readers: `level bucket` -> dimension -> stats (both families, told apart by name). */
export type UncountedRows = Map<string, Map<string, RollupStats>>;

/** The key of one bucket's uncounted rows. */
export function uncountedKey(level: RollupLevel, bucket: number): string {
  return `${level} ${bucket}`;
}

/** What the uncounted calls and marks add to each rollup row; null when nothing is uncounted. */
export function uncountedRows(uncounted: Uncounted): UncountedRows | null {
  if (uncounted.calls.length === 0 && uncounted.marked.length === 0) return null;
  const rows: UncountedRows = new Map();
  for (const { key, stats } of rollupDeltas(uncounted.calls, uncounted.marked)) {
    const id = uncountedKey(key.level, key.bucket);
    let dimensions = rows.get(id);
    if (!dimensions) rows.set(id, (dimensions = new Map()));
    dimensions.set(key.dimension, stats);
  }
  return rows;
}

/** What the uncounted calls and marks listed as JSON (withUncountedRow's last row) add to each rollup row; null when nothing. */
export function uncountedRowsOf(json: readonly UncountedRow[] | null): UncountedRows | null {
  return json === null ? null : uncountedRows(toUncounted(json));
}
