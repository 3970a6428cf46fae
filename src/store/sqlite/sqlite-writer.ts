/**
 * @module
 * The SQLite write path: one transaction per batch; calls inserted idempotently on CallSid (a repeat
 * delivery is logged in `deliveries` with its fields, not counted); repeat callers marked (a call is
 * `repeated` once the same E.164 From calls the same To again within 24 hours after it, in either order
 * of arrival); the rollups of the new calls updated in the same transaction; quarantine entries kept.
 * Runs inside the writer thread (sqlite-writer-worker.ts).
 */
import type Database from 'better-sqlite3';
import type { CallStatus } from '../../domain/call-event.js';
import { callerCountry } from '../../domain/phone-number.js';
import { REPEAT_WINDOW_MS, rollupDeltas, type RollupCall } from '../../metrics/rollups.js';
import type { WriteOutcome } from '../call-store.js';
import { createRollupApplier } from './sqlite-rollups.js';
import type { CallRow, QuarantineRow, WriteRow } from './write-rows.js';


interface EarlierCallRow {
  id: number;
  account_sid: string;
  created_at: number;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
  from_country: string | null;
}

/** Prepares the statements once and returns the batch writer: rows in, outcomes out, committed. */
export function createBatchWriter(db: Database.Database): (rows: readonly WriteRow[]) => WriteOutcome[] {
  const insertCall = db.prepare(`INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164,
      created_at, timestamp_text, status, duration_seconds, mos, source, received_at, method, content_type, raw, from_country)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (call_sid) DO NOTHING`);
  // Calls are ordered by (created_at, call_sid): of two calls in the same millisecond, the smaller CallSid is first.
  const laterCall = db.prepare(`SELECT 1 FROM calls WHERE from_number = ? AND to_number = ? AND from_e164 = 1
      AND created_at >= ? AND created_at <= ? AND (created_at > ? OR call_sid > ?) LIMIT 1`).pluck();
  const earlierUnmarked = db.prepare(`SELECT id, account_sid, created_at, status, duration_seconds, mos, from_country FROM calls
      WHERE from_number = ? AND to_number = ? AND from_e164 = 1 AND created_at >= ? AND created_at <= ?
        AND (created_at < ? OR call_sid < ?) AND repeated = 0`);
  const markRepeated = db.prepare('UPDATE calls SET repeated = 1 WHERE id = ?');
  const insertRepeat = db.prepare(`INSERT INTO deliveries (call_sid, received_at, source, method, content_type, raw)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const insertQuarantine = db.prepare(`INSERT INTO quarantine (received_at, method, content_type, url, problems, raw)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const markReplayed = db.prepare('UPDATE quarantine SET replayed_at = ? WHERE id = ?');
  const applyRollups = createRollupApplier(db);
  const insertNumber = db.prepare('INSERT OR IGNORE INTO numbers (number, account_sid) VALUES (?, ?)');
  /** Number/project pairs already in `numbers` (as of a committed transaction), so most calls skip the insert. */
  const knownNumbers = new Set<string>();

  /** Marks the caller's unmarked earlier calls to the same number within 24 hours as repeated ones. */
  function markEarlierCalls(from: string, to: string, createdAt: number, callSid: string, newlyRepeated: RollupCall[]): void {
    const earlier = earlierUnmarked.all(from, to, createdAt - REPEAT_WINDOW_MS, createdAt, createdAt, callSid) as EarlierCallRow[];
    for (const call of earlier) {
      markRepeated.run(call.id);
      newlyRepeated.push({
        createdAt: call.created_at, accountSid: call.account_sid, to, status: call.status as CallStatus,
        durationSeconds: call.duration_seconds, mos: call.mos, fromCountry: call.from_country, repeated: true,
      });
    }
  }

  function writeCall(row: CallRow, newCalls: RollupCall[], newlyRepeated: RollupCall[]): WriteOutcome {
    const [, callSid, accountSid, from, to, fromE164, , createdAt, , status, durationSeconds, mos, source, receivedAt, method, contentType, raw, givenCountry, quarantineId] = row;
    // In privacy mode `from` is a hash: the country was worked out from the real number and comes with the row.
    const fromCountry = givenCountry === undefined ? callerCountry(from) : givenCountry;
    const insert = insertCall.run(...row.slice(1, 17), fromCountry);
    const inserted = insert.changes === 1;
    if (inserted) {
      const repeated = fromE164 === 1 && laterCall.get(from, to, createdAt, createdAt + REPEAT_WINDOW_MS, createdAt, callSid) !== undefined;
      if (repeated) markRepeated.run(insert.lastInsertRowid);
      if (fromE164 === 1) markEarlierCalls(from, to, createdAt, callSid, newlyRepeated);
      newCalls.push({ createdAt, accountSid, to, status: status as CallStatus, durationSeconds, mos, fromCountry, repeated });
    } else {
      insertRepeat.run(callSid, receivedAt, source, method, contentType, raw);
    }
    if (quarantineId !== null) markReplayed.run(Date.now(), quarantineId);
    return inserted ? 'accepted' : 'duplicate';
  }

  function writeQuarantine(row: QuarantineRow): WriteOutcome {
    insertQuarantine.run(row.slice(1));
    return 'quarantined';
  }

  const writeAll = db.transaction((rows: readonly WriteRow[], pairs: Set<string>) => {
    const newCalls: RollupCall[] = [];
    const newlyRepeated: RollupCall[] = [];
    const outcomes = rows.map((row) => (row[0] === 'call' ? writeCall(row, newCalls, newlyRepeated) : writeQuarantine(row)));
    applyRollups(rollupDeltas(newCalls, newlyRepeated));
    for (const call of newCalls) {
      const pair = `${call.accountSid}\n${call.to}`;
      if (knownNumbers.has(pair) || pairs.has(pair)) continue;
      insertNumber.run(call.to, call.accountSid);
      pairs.add(pair);
    }
    return outcomes;
  });
  return (rows) => {
    const pairs = new Set<string>();
    const outcomes = writeAll.immediate(rows, pairs);
    for (const pair of pairs) knownNumbers.add(pair); // only once committed
    return outcomes;
  };
}
