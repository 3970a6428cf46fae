/**
 * @module
 * Repeat callers in SQLite: a call is `repeated` once the same E.164 From calls the same To again within
 * 24 hours after it (calls ordered by Timestamp, then CallSid), in either order of arrival. Called for
 * each newly inserted call inside its transaction (live writes and copies alike).
 */
import type Database from 'better-sqlite3';
import { REPEAT_WINDOW_MS } from '../../metrics/rollups.js';

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
 * marks the caller's unmarked earlier calls to the same number within 24 hours, and says whether the new
 * call is a repeated one. An earlier call the rollups have already counted (id <= `countedThrough`) is
 * logged in rollup_pending_marks, so the next catch-up adds its repeat.
 */
export function createRepeatMarker(db: Database.Database): (call: InsertedCall, countedThrough: number) => boolean {
  // Calls are ordered by (created_at, call_sid): of two calls in the same millisecond, the smaller CallSid is first.
  const laterCall = db.prepare(`SELECT 1 FROM calls WHERE from_number = ? AND to_number = ? AND from_e164 = 1
      AND created_at >= ? AND created_at <= ? AND (created_at > ? OR call_sid > ?) LIMIT 1`).pluck();
  const earlierUnmarked = db.prepare(`SELECT id FROM calls
      WHERE from_number = ? AND to_number = ? AND from_e164 = 1 AND created_at >= ? AND created_at <= ?
        AND (created_at < ? OR call_sid < ?) AND repeated = 0`).pluck();
  const markRepeated = db.prepare('UPDATE calls SET repeated = 1 WHERE id = ?');
  const logMark = db.prepare('INSERT INTO rollup_pending_marks (call_id) VALUES (?)');

  return ({ id, callSid, from, to, fromIsE164, createdAt }, countedThrough) => {
    if (!fromIsE164) return false;
    const repeated = laterCall.get(from, to, createdAt, createdAt + REPEAT_WINDOW_MS, createdAt, callSid) !== undefined;
    if (repeated) markRepeated.run(id);
    for (const earlier of earlierUnmarked.all(from, to, createdAt - REPEAT_WINDOW_MS, createdAt, createdAt, callSid) as number[]) {
      markRepeated.run(earlier);
      if (earlier <= countedThrough) logMark.run(earlier);
    }
    return repeated;
  };
}
