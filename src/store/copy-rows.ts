/**
 * @module
 * The pages both stores export for `callpulse copy`: rows of calls (with the repeat deliveries of each)
 * and of quarantine entries, mapped into the store interface's copy records. SQLite keeps flags as 0/1,
 * PostgreSQL as booleans; everything else is the same, so each backend selects the rows and maps them here.
 */
import type { CallStatus } from '../domain/call-event.js';
import type { CallSource, CopiedCall, CopiedDelivery, CopiedQuarantine, CopyPage } from './call-store.js';
import { isSet, type CallRow, type DeliveryRow, type QuarantineRow } from './stored-rows.js';

/** A row of the calls table as a copy reads it: every column. */
export interface ExportedCallRow extends CallRow {
  id: number;
  method: string | null;
  content_type: string | null;
}

/** The repeat deliveries of a page's calls, by CallSid, in the order given. */
export function deliveriesByCall(rows: Iterable<DeliveryRow>): Map<string, CopiedDelivery[]> {
  const byCall = new Map<string, CopiedDelivery[]>();
  for (const row of rows) {
    const list = byCall.get(row.call_sid) ?? [];
    list.push({ receivedAt: row.received_at, source: row.source as CallSource, method: row.method, contentType: row.content_type, rawJson: row.raw });
    byCall.set(row.call_sid, list);
  }
  return byCall;
}

/** A page of calls, each with its repeat deliveries. */
export function callPage(rows: readonly ExportedCallRow[], repeats: ReadonlyMap<string, CopiedDelivery[]>): CopyPage<CopiedCall> {
  const records = rows.map((row): CopiedCall => ({
    callSid: row.call_sid, accountSid: row.account_sid, from: row.from_number, to: row.to_number,
    fromIsE164: isSet(row.from_e164), toIsE164: isSet(row.to_e164), createdAt: row.created_at, timestampText: row.timestamp_text,
    status: row.status as CallStatus, durationSeconds: row.duration_seconds, mos: row.mos, source: row.source as CallSource,
    receivedAt: row.received_at, method: row.method, contentType: row.content_type, rawJson: row.raw, fromCountry: row.from_country,
    repeats: repeats.get(row.call_sid) ?? [],
  }));
  return { records, lastId: lastIdOf(rows) };
}

/** A page of quarantine entries. */
export function quarantinePage(rows: readonly QuarantineRow[]): CopyPage<CopiedQuarantine> {
  return {
    records: rows.map((row) => ({
      receivedAt: row.received_at, method: row.method, contentType: row.content_type, url: row.url,
      problemsJson: row.problems, rawJson: row.raw, replayedAt: row.replayed_at,
    })),
    lastId: lastIdOf(rows),
  };
}

/** The id of a page's last row, or null for an empty page (the copy is done). */
export function lastIdOf(rows: ReadonlyArray<{ id: number }>): number | null {
  return rows.length > 0 ? rows[rows.length - 1]!.id : null;
}
