/**
 * @module
 * Repeat callers in PostgreSQL: a call is `repeated` once the same E.164 From calls the same To again
 * within 24 hours after it (calls ordered by Timestamp, then CallSid in byte order, as in SQLite), in
 * either order of arrival. Two instances may store two calls of one caller at the same moment, and each
 * transaction would miss the other's uncommitted call: so a batch first takes a transaction-level
 * advisory lock per (From, To) pair it stores (in one fixed order, so batches never wait in a cycle),
 * and marks calls only once it holds them: the pair's calls are then all committed or its own.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { CallStatus } from '../../domain/call-event.js';
import { REPEAT_WINDOW_MS, type RollupCall } from '../../metrics/rollups.js';

/** The advisory lock key of a (From, To) pair: 64 bits of its SHA-256 (a collision only makes two pairs wait for each other). */
function pairKey(from: string, to: string): bigint {
  return createHash('sha256').update(`${from}\n${to}`).digest().readBigInt64BE(0);
}

/** Takes the locks of the callers' (From, To) pairs for the rest of the transaction, smallest key first. */
export async function lockCallers(client: pg.PoolClient, pairs: ReadonlyArray<readonly [from: string, to: string]>): Promise<void> {
  if (pairs.length === 0) return;
  const keys = [...new Set(pairs.map(([from, to]) => pairKey(from, to)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await client.query({
    name: 'cp_lock_callers',
    text: 'SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) WITH ORDINALITY AS u(k, i)',
    values: [keys.map(String)],
  });
}

/**
 * Marks every call of the pairs near the new calls that now has a later call within 24 hours: the new
 * calls themselves (from the first new call of a pair minus 24 hours up to its last new call, no other
 * call's mark can change).
 */
const MARK = `UPDATE calls c SET repeated = true
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS n(f, t, lo, hi)
  WHERE c.from_e164 AND c.from_number = n.f AND c.to_number = n.t AND c.created_at BETWEEN n.lo AND n.hi AND NOT c.repeated
    AND EXISTS (SELECT 1 FROM calls l
      WHERE l.from_e164 AND l.from_number = c.from_number AND l.to_number = c.to_number
        AND l.created_at >= c.created_at AND l.created_at <= c.created_at + $5
        AND (l.created_at > c.created_at OR l.call_sid COLLATE "C" > c.call_sid COLLATE "C"))
  RETURNING c.call_sid, c.account_sid, c.to_number, c.created_at, c.status, c.duration_seconds, c.mos, c.from_country`;

interface MarkedRow {
  call_sid: string;
  account_sid: string;
  to_number: string;
  created_at: number;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
  from_country: string | null;
}

/** A call this transaction has just inserted (From and To as stored). */
export interface InsertedCall {
  callSid: string;
  from: string;
  to: string;
  fromIsE164: boolean;
  createdAt: number;
}

/**
 * After the batch's calls are inserted (with their pairs locked): marks repeated calls. Returns the new
 * calls that are repeated ones, and the earlier calls that just became repeated (for the rollups).
 */
export async function markRepeatCallers(client: pg.PoolClient, inserted: readonly InsertedCall[]): Promise<{ repeatedNew: Set<string>; newlyRepeated: RollupCall[] }> {
  const ranges = new Map<string, { from: string; to: string; lo: number; hi: number }>();
  const newSids = new Set<string>();
  for (const call of inserted) {
    if (!call.fromIsE164) continue;
    newSids.add(call.callSid);
    const id = `${call.from}\n${call.to}`;
    const range = ranges.get(id);
    if (range) (range.lo = Math.min(range.lo, call.createdAt - REPEAT_WINDOW_MS)), (range.hi = Math.max(range.hi, call.createdAt));
    else ranges.set(id, { from: call.from, to: call.to, lo: call.createdAt - REPEAT_WINDOW_MS, hi: call.createdAt });
  }
  const repeatedNew = new Set<string>();
  const newlyRepeated: RollupCall[] = [];
  if (ranges.size === 0) return { repeatedNew, newlyRepeated };
  const list = [...ranges.values()];
  const { rows } = await client.query<MarkedRow>({
    name: 'cp_mark_repeat_callers',
    text: MARK,
    values: [list.map((r) => r.from), list.map((r) => r.to), list.map((r) => r.lo), list.map((r) => r.hi), REPEAT_WINDOW_MS],
  });
  for (const row of rows) {
    if (newSids.has(row.call_sid)) repeatedNew.add(row.call_sid);
    else {
      newlyRepeated.push({
        createdAt: row.created_at, accountSid: row.account_sid, to: row.to_number, status: row.status as CallStatus,
        durationSeconds: row.duration_seconds, mos: row.mos, fromCountry: row.from_country, repeated: true,
      });
    }
  }
  return { repeatedNew, newlyRepeated };
}
