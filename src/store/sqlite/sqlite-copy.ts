/**
 * @module
 * Copying between stores, SQLite side: reading stored calls (with their repeats) and quarantine entries
 * page by page in storage order, and importing records copied from another store in one transaction
 * (calls and quarantine entries already here skipped), then counting the new calls in the rollups.
 * Runs on the store's own connection: copying is a command-line job, not the server's hot path.
 */
import type Database from 'better-sqlite3';
import type { CopiedCall, CopiedQuarantine, CopyOutcome, CopyPage } from '../call-store.js';
import { callPage, deliveriesByCall, lastIdOf, quarantinePage, type ExportedCallRow } from '../copy-rows.js';
import type { DeliveryRow, QuarantineRow } from '../stored-rows.js';
import { createRepeatMarker } from './sqlite-repeat-callers.js';
import { catchUpAll, createRollupCatchUp } from './sqlite-rollup-catch-up.js';

/** The readers of {@link CallStore.exportCalls} and {@link CallStore.exportQuarantine}. */
export function createCopyReader(db: Database.Database) {
  const selectCalls = db.prepare('SELECT * FROM calls WHERE id > ? ORDER BY id LIMIT ?');
  const selectRepeats = db.prepare(`SELECT call_sid, received_at, source, method, content_type, raw FROM deliveries
    WHERE call_sid IN (SELECT call_sid FROM calls WHERE id > ? AND id <= ?) ORDER BY id`);
  const selectQuarantine = db.prepare('SELECT * FROM quarantine WHERE id > ? ORDER BY id LIMIT ?');
  return {
    exportCalls(afterId: number, limit: number): CopyPage<CopiedCall> {
      const rows = selectCalls.all(afterId, limit) as ExportedCallRow[];
      const lastId = lastIdOf(rows);
      return callPage(rows, deliveriesByCall(lastId === null ? [] : (selectRepeats.all(afterId, lastId) as DeliveryRow[])));
    },
    exportQuarantine(afterId: number, limit: number): CopyPage<CopiedQuarantine> {
      return quarantinePage(selectQuarantine.all(afterId, limit) as QuarantineRow[]);
    },
  };
}

/**
 * The importer of {@link CallStore.importCopies}: one immediate transaction per batch. Repeat callers are
 * marked as for live writes, from the calls the target holds; the rollups count the batch's calls right after.
 */
export function createCopyImporter(db: Database.Database): (batch: { calls: readonly CopiedCall[]; quarantine: readonly CopiedQuarantine[] }) => CopyOutcome {
  const insertCall = db.prepare(`INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164,
      created_at, timestamp_text, status, duration_seconds, mos, source, received_at, method, content_type, raw, from_country)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (call_sid) DO NOTHING`);
  const markRepeatCallers = createRepeatMarker(db);
  const insertRepeat = db.prepare(`INSERT INTO deliveries (call_sid, received_at, source, method, content_type, raw)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const quarantineHas = db.prepare('SELECT 1 FROM quarantine WHERE received_at = ? AND method = ? AND url = ? AND raw = ? LIMIT 1');
  const insertQuarantine = db.prepare(`INSERT INTO quarantine (received_at, method, content_type, url, problems, raw, replayed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertNumber = db.prepare('INSERT OR IGNORE INTO numbers (number, account_sid) VALUES (?, ?)');
  const countedThrough = db.prepare('SELECT counted_through FROM rollup_progress').pluck();
  const catchUp = createRollupCatchUp(db);

  const importAll = db.transaction((calls: readonly CopiedCall[], quarantine: readonly CopiedQuarantine[]): CopyOutcome => {
    const outcome: CopyOutcome = { calls: 0, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0 };
    const counted = countedThrough.get() as number;
    for (const c of calls) {
      const insert = insertCall.run(
        c.callSid, c.accountSid, c.from, c.to, c.fromIsE164 ? 1 : 0, c.toIsE164 ? 1 : 0, c.createdAt, c.timestampText, c.status,
        c.durationSeconds, c.mos, c.source, c.receivedAt, c.method, c.contentType, c.rawJson, c.fromCountry,
      );
      if (insert.changes !== 1) {
        outcome.callsPresent += 1;
        continue;
      }
      outcome.calls += 1;
      markRepeatCallers({ id: insert.lastInsertRowid, callSid: c.callSid, from: c.from, to: c.to, fromIsE164: c.fromIsE164, createdAt: c.createdAt }, counted);
      insertNumber.run(c.to, c.accountSid);
      for (const r of c.repeats) insertRepeat.run(c.callSid, r.receivedAt, r.source, r.method, r.contentType, r.rawJson);
      outcome.repeats += c.repeats.length;
    }
    for (const q of quarantine) {
      if (quarantineHas.get(q.receivedAt, q.method, q.url, q.rawJson)) {
        outcome.quarantinePresent += 1;
        continue;
      }
      insertQuarantine.run(q.receivedAt, q.method, q.contentType, q.url, q.problemsJson, q.rawJson, q.replayedAt);
      outcome.quarantine += 1;
    }
    return outcome;
  });
  return (batch) => {
    const outcome = importAll.immediate(batch.calls, batch.quarantine);
    catchUpAll(catchUp);
    return outcome;
  };
}
