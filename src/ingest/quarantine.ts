/**
 * @module
 * Quarantine replay: re-validates every quarantined callback not yet replayed and stores those that
 * validate now (each marked replayed in the same transaction as its insert). Signatures were checked
 * when the callback arrived, so they are not checked again.
 */
import { parseIncomingCallStatus } from '../domain/call-event.js';
import type { CallStore, CallWrite, QuarantineEntry } from '../store/call-store.js';

/** What a replay did. */
export interface ReplayReport {
  examined: number;
  accepted: number;
  duplicates: number;
  stillInvalid: Array<{ id: number; problems: QuarantineEntry['problems'] }>;
}

const PAGE = 1000;

/**
 * Replays the quarantine into the store; running it twice changes nothing the second time. (In privacy mode
 * a quarantined caller's number is a hash already: it stays as it is, and such a call has no caller country
 * and cannot be a repeat caller.)
 */
export async function replayQuarantine(store: CallStore): Promise<ReplayReport> {
  const report: ReplayReport = { examined: 0, accepted: 0, duplicates: 0, stillInvalid: [] };
  const entries = await store.listQuarantine({ includeReplayed: false, limit: Number.MAX_SAFE_INTEGER });
  for (let start = 0; start < entries.length; start += PAGE) {
    const writes: CallWrite[] = [];
    for (const entry of entries.slice(start, start + PAGE)) {
      report.examined += 1;
      const parsed = parseIncomingCallStatus(entry.raw);
      if (!parsed.ok) {
        report.stillInvalid.push({ id: entry.id, problems: parsed.problems });
        continue;
      }
      writes.push({
        kind: 'call',
        event: parsed.event,
        raw: entry.raw,
        source: 'webhook',
        delivery: { method: entry.method, contentType: entry.contentType, receivedAt: entry.receivedAt },
        quarantineId: entry.id,
      });
    }
    const outcomes = writes.length > 0 ? await store.writeBatch(writes) : [];
    for (const outcome of outcomes) {
      if (outcome === 'accepted') report.accepted += 1;
      else report.duplicates += 1;
    }
  }
  return report;
}
