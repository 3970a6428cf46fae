/**
 * @module
 * The SQLite write path: one transaction per batch; calls inserted idempotently on CallSid (a repeat
 * delivery is logged in `deliveries` with its fields, not counted); repeat callers marked (a call is
 * `repeated` once the same E.164 From calls the same To again within 24 hours after it, in either order
 * of arrival); quarantine entries kept. The rollups count the new calls right after, in a catch-up
 * (sqlite-rollup-catch-up.ts). Runs inside the writer thread (sqlite-writer-worker.ts).
 */
import type Database from 'better-sqlite3';
import type { WriteOutcome } from '../call-store.js';
import { createRepeatMarker } from './sqlite-repeat-callers.js';
import type { CallRow, QuarantineRow, WriteRow } from './write-rows.js';

/** Prepares the statements once and returns the batch writer: rows in, outcomes out, committed. */
export function createBatchWriter(db: Database.Database): (rows: readonly WriteRow[]) => WriteOutcome[] {
  const insertCall = db.prepare(`INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164,
      created_at, timestamp_text, status, duration_seconds, mos, source, received_at, method, content_type, raw, from_country)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (call_sid) DO NOTHING`);
  const markRepeatCallers = createRepeatMarker(db);
  const insertRepeat = db.prepare(`INSERT INTO deliveries (call_sid, received_at, source, method, content_type, raw)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const insertQuarantine = db.prepare(`INSERT INTO quarantine (received_at, method, content_type, url, problems, raw)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const markReplayed = db.prepare('UPDATE quarantine SET replayed_at = ? WHERE id = ?');
  const countedThrough = db.prepare('SELECT counted_through FROM rollup_progress').pluck();
  const insertNumber = db.prepare('INSERT OR IGNORE INTO numbers (number, account_sid) VALUES (?, ?)');
  /** Number/project pairs already in `numbers` (as of a committed transaction), so most calls skip the insert. */
  const knownNumbers = new Set<string>();

  /** Adds the number/project pair of a call inserted now to `numbers`, unless it is known to be there. */
  function noteNumber(accountSid: string, to: string, pairs: Set<string>): void {
    const pair = `${accountSid}\n${to}`;
    if (knownNumbers.has(pair) || pairs.has(pair)) return;
    insertNumber.run(to, accountSid);
    pairs.add(pair);
  }

  function writeCall(row: CallRow, counted: number, pairs: Set<string>): WriteOutcome {
    const [, callSid, accountSid, from, to, fromE164, , createdAt, , , , , source, receivedAt, method, contentType, raw, , quarantineId] = row;
    const insert = insertCall.run(...row.slice(1, 18));
    const inserted = insert.changes === 1;
    if (inserted) {
      markRepeatCallers({ id: insert.lastInsertRowid, callSid, from, to, fromIsE164: fromE164 === 1, createdAt }, counted);
      noteNumber(accountSid, to, pairs);
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
    const counted = countedThrough.get() as number;
    return rows.map((row) => (row[0] === 'call' ? writeCall(row, counted, pairs) : writeQuarantine(row)));
  });
  return (rows) => {
    const pairs = new Set<string>();
    const outcomes = writeAll.immediate(rows, pairs);
    for (const pair of pairs) knownNumbers.add(pair); // only once committed
    return outcomes;
  };
}
