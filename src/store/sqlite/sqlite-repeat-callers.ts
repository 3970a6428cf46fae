/**
 * @module
 * Repeat callers in SQLite: a call is `repeated` once the same E.164 From calls the same To again within
 * 24 hours after it (calls ordered by Timestamp, then CallSid), in either order of arrival. Called for
 * each newly inserted call inside its transaction (live writes and copies alike).
 */
import type Database from 'better-sqlite3';
import type { CallStatus } from '../../domain/call-event.js';
import { REPEAT_WINDOW_MS, type RollupCall } from '../../metrics/rollups.js';

interface EarlierCallRow {
  id: number;
  account_sid: string;
  created_at: number;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
  from_country: string | null;
}

/** A newly inserted call, as the marker needs it. */
export interface InsertedCall {
  id: number | bigint;
  callSid: string;
  from: string;
  to: string;
  fromIsE164: boolean;
  createdAt: number;
}

/**
 * Prepares the statements and returns the marker: it marks the new call repeated when a later call exists,
 * marks the caller's unmarked earlier calls to the same number within 24 hours (pushing each to
 * `newlyRepeated`, for the rollups), and says whether the new call is a repeated one.
 */
export function createRepeatMarker(db: Database.Database): (call: InsertedCall, newlyRepeated: RollupCall[]) => boolean {
  // Calls are ordered by (created_at, call_sid): of two calls in the same millisecond, the smaller CallSid is first.
  const laterCall = db.prepare(`SELECT 1 FROM calls WHERE from_number = ? AND to_number = ? AND from_e164 = 1
      AND created_at >= ? AND created_at <= ? AND (created_at > ? OR call_sid > ?) LIMIT 1`).pluck();
  const earlierUnmarked = db.prepare(`SELECT id, account_sid, created_at, status, duration_seconds, mos, from_country FROM calls
      WHERE from_number = ? AND to_number = ? AND from_e164 = 1 AND created_at >= ? AND created_at <= ?
        AND (created_at < ? OR call_sid < ?) AND repeated = 0`);
  const markRepeated = db.prepare('UPDATE calls SET repeated = 1 WHERE id = ?');

  return ({ id, callSid, from, to, fromIsE164, createdAt }, newlyRepeated) => {
    if (!fromIsE164) return false;
    const repeated = laterCall.get(from, to, createdAt, createdAt + REPEAT_WINDOW_MS, createdAt, callSid) !== undefined;
    if (repeated) markRepeated.run(id);
    const earlier = earlierUnmarked.all(from, to, createdAt - REPEAT_WINDOW_MS, createdAt, createdAt, callSid) as EarlierCallRow[];
    for (const call of earlier) {
      markRepeated.run(call.id);
      newlyRepeated.push({
        createdAt: call.created_at, accountSid: call.account_sid, to, status: call.status as CallStatus,
        durationSeconds: call.duration_seconds, mos: call.mos, fromCountry: call.from_country, repeated: true,
      });
    }
    return repeated;
  };
}
