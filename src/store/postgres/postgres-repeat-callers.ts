/**
 * @module
 * Storing calls and marking repeat callers in PostgreSQL, in one statement. A call is `repeated` once
 * the same E.164 From calls the same To again within 24 hours after it (calls ordered by Timestamp, then
 * CallSid in byte order, as in SQLite), in either order of arrival.
 *
 * Two instances may store two calls of one caller at the same moment, and each transaction would miss the
 * other's uncommitted call. So a batch first takes transaction-level advisory locks, in the statement that
 * begins the transaction; the insert comes in the next statement, whose snapshot then holds every
 * committed call of those pairs: none can be missed. Two kinds of lock, always taken in this order, each
 * kind smallest key first (so batches never wait in a cycle):
 * - day locks, one per UTC day (of this schema) around the batch's E.164 calls: a live batch takes its
 *   days and the days either side *shared*, a copy batch (thousands of calls of history at once) takes
 *   its days and the days either side *exclusive*. Two calls within 24 hours are at most one day apart,
 *   so a copy batch waits for (and excludes) every other batch that could store a call of one of its
 *   callers within 24 hours of one of its own, with a handful of locks however many callers it holds;
 *   live batches never wait on each other's day locks.
 * - pair locks, one per (From, To) pair, taken by live batches only: two live batches of one caller wait
 *   for each other, batches of different callers do not.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { REPEAT_WINDOW_MS } from '../../metrics/rollups.js';
import { columnArrays, type ArrayElement } from './postgres-arrays.js';

/** The advisory lock key of a (From, To) pair: 64 bits of its SHA-256 (a collision only makes two pairs wait for each other). */
function pairKey(from: string, to: string): bigint {
  return createHash('sha256').update(`${from}\n${to}`).digest().readBigInt64BE(0);
}

/** The first key of the day locks (the second is a hash of the schema and the day): apart from the pair locks' single keys. */
const DAY_LOCK_SPACE = 0x63_70_64; // "cpd"
const DAY_MS = 86_400_000;

/** The UTC day numbers of the calls' times and the days either side, ascending. */
function daysAround(times: Iterable<number>): number[] {
  const days = new Set<number>();
  for (const time of times) {
    const day = Math.floor(time / DAY_MS);
    days.add(day - 1).add(day).add(day + 1);
  }
  return [...days].sort((a, b) => a - b);
}

/** The statement part taking the day locks of `days` (of the current schema), smallest key first. */
function lockDays(days: readonly number[], mode: 'shared' | 'exclusive'): string {
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  return `SELECT count(${lock}(${DAY_LOCK_SPACE}, k)) FROM (SELECT DISTINCT hashtext(current_schema() || '/' || d) AS k
    FROM unnest('{${days.join(',')}}'::bigint[]) AS u(d) ORDER BY k) AS keys`;
}

/** A copy batch sorts thousands of rows at once: room to do it in memory rather than in temporary files. */
const COPY_SETTINGS = "SET LOCAL work_mem = '64MB'";

/** An E.164 caller's call about to be stored: its pair and its Timestamp (epoch ms). */
export interface CallerCall {
  from: string;
  to: string;
  createdAt: number;
}

/**
 * The statement that begins a live batch's transaction and takes its locks for the rest of it: the days
 * around its E.164 callers' calls (shared), then their (From, To) pairs, smallest key first; `BEGIN` alone
 * when there are none. The keys are numbers made here, written into the text, so that BEGIN and the locks
 * go to the server in one round trip.
 */
export function beginLockingCallers(calls: readonly CallerCall[]): string {
  if (calls.length === 0) return 'BEGIN';
  const keys = [...new Set(calls.map((c) => pairKey(c.from, c.to)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `BEGIN; ${lockDays(daysAround(calls.map((c) => c.createdAt)), 'shared')};
    SELECT count(pg_advisory_xact_lock(k)) FROM unnest('{${keys.join(',')}}'::bigint[]) AS u(k)`;
}

/** The statement that begins a copy's transaction. */
export const BEGIN_COPY = `BEGIN; ${COPY_SETTINGS}`;

/**
 * The statement that takes a copy's locks on the days around its E.164 callers' calls (`times`, epoch ms),
 * exclusive, for the rest of its transaction, but for the days in `locked` (held by this transaction
 * already; the new ones are added to it); null when there are none. It must come before the statement that
 * inserts those calls (whose snapshot then holds every call committed by the batches it waited for).
 */
export function lockCopiedDays(times: Iterable<number>, locked: Set<number>): string | null {
  const days = daysAround(times).filter((day) => !locked.has(day));
  for (const day of days) locked.add(day);
  return days.length === 0 ? null : lockDays(days, 'exclusive');
}

/**
 * Inserts the calls not stored yet (`ON CONFLICT (call_sid) DO NOTHING`) and marks repeat callers, in
 * ways that stay O(n log n) in the batch and the pairs' stored calls (a copy sends thousands at once):
 * - a call is new when no stored call has its CallSid: one index lookup per call (`OFFSET 0` keeps it a
 *   lookup: as a join, the planner would read every stored call into a hash table for each batch);
 * - a new call is repeated when its caller's next call to the number, among the batch's new calls
 *   (`next_at`, a window over the batch) or the stored ones (an index lookup), is within 24 hours;
 * - a stored call not yet repeated becomes one when the next call of its pair, among its stored calls and
 *   the new ones in order, is within 24 hours: that next call can only be a new one, since a stored call
 *   with a stored successor within 24 hours is already marked.
 * The new calls go into `uncounted_calls` and the stored calls just marked into `uncounted_marks`, both counted later.
 */
const INSERT_MARKING = `WITH i AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::bigint[],
      $8::text[], $9::text[], $10::bigint[], $11::float8[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::text[])
      WITH ORDINALITY AS i(call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at, timestamp_text, status,
        duration_seconds, mos, source, received_at, method, content_type, raw, from_country, ord)
  ), fresh AS (
    SELECT i.*, lead(created_at) OVER (PARTITION BY from_number, to_number ORDER BY created_at, call_sid COLLATE "C") AS next_at
    FROM i WHERE NOT EXISTS (SELECT 1 FROM calls x WHERE x.call_sid = i.call_sid OFFSET 0)
  ), ins AS (
    INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at, timestamp_text, status,
      duration_seconds, mos, source, received_at, method, content_type, raw, from_country, repeated)
    SELECT c.call_sid, c.account_sid, c.from_number, c.to_number, c.from_e164, c.to_e164, c.created_at, c.timestamp_text, c.status,
      c.duration_seconds, c.mos, c.source, c.received_at, c.method, c.content_type, c.raw, c.from_country,
      c.from_e164 AND (c.next_at IS NOT NULL AND c.next_at <= c.created_at + $18 OR EXISTS (SELECT 1 FROM calls l
        WHERE l.from_e164 AND l.from_number = c.from_number AND l.to_number = c.to_number
          AND l.created_at >= c.created_at AND l.created_at <= c.created_at + $18
          AND (l.created_at > c.created_at OR l.call_sid COLLATE "C" > c.call_sid COLLATE "C")))
    FROM fresh c ORDER BY c.ord
    ON CONFLICT (call_sid) DO NOTHING
    RETURNING id, call_sid, from_number, to_number, from_e164, created_at, repeated
  ), uncounted AS (
    INSERT INTO uncounted_calls (call_id) SELECT id FROM ins
  ), pairs AS (
    SELECT from_number, to_number, min(created_at) - $18 AS lo, max(created_at) AS hi FROM ins WHERE from_e164 GROUP BY from_number, to_number
  ), ordered AS (
    SELECT id, created_at, repeated, lead(created_at) OVER (PARTITION BY from_number, to_number ORDER BY created_at, call_sid COLLATE "C") AS next_at
    FROM (
      SELECT c.id, c.from_number, c.to_number, c.created_at, c.call_sid, c.repeated FROM pairs p
        JOIN calls c ON c.from_e164 AND c.from_number = p.from_number AND c.to_number = p.to_number AND c.created_at BETWEEN p.lo AND p.hi
      UNION ALL
      SELECT NULL, from_number, to_number, created_at, call_sid, true FROM ins WHERE from_e164
    ) x
  ), marked AS (
    UPDATE calls c SET repeated = true FROM ordered o
    WHERE c.id = o.id AND NOT o.repeated AND NOT c.repeated AND o.next_at IS NOT NULL AND o.next_at <= o.created_at + $18
    RETURNING c.id
  ), marks AS (
    INSERT INTO uncounted_marks (call_id) SELECT id FROM marked ORDER BY id ON CONFLICT DO NOTHING
  )
  SELECT call_sid, repeated FROM ins`;

/** The parameters of INSERT_MARKING's rows: 17 columns in a fixed order (see the statement). */
export function callColumns(rows: readonly ArrayElement[][]): string[] {
  return columnArrays(rows, 17);
}

/**
 * Inserts call rows (the columns made by callColumns, of `count` rows) and marks repeat callers; the new
 * calls are listed as uncounted, the earlier calls just made repeated as marked, for the rollup catch-up
 * (postgres-rollup-catch-up.ts). Returns each inserted CallSid with whether it is a repeated call.
 */
export async function insertCallsMarkingRepeats(client: pg.PoolClient, columns: readonly string[], count: number): Promise<Map<string, boolean>> {
  const inserted = new Map<string, boolean>();
  if (count === 0) return inserted;
  const result = await client.query<{ call_sid: string; repeated: boolean }>({ name: 'cp_insert_calls', text: INSERT_MARKING, values: [...columns, REPEAT_WINDOW_MS] });
  for (const row of result.rows) inserted.set(row.call_sid, row.repeated);
  return inserted;
}
