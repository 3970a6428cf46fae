/**
 * @module
 * The rows both stores read from their calls and quarantine tables, and their one mapping into the
 * store interface's records and the metrics' facts. SQLite keeps flags as 0/1, PostgreSQL as booleans;
 * everything else is the same, so each backend selects the same columns and maps them here.
 */
import type { CallStatus } from '../domain/call-event.js';
import { addCall, emptyStats, type RollupCall, type RollupStats } from '../metrics/rollups.js';
import type { CallGroupKind, CallSource, QuarantineEntry, StoredCall } from './call-store.js';

/** A flag as a store keeps it: SQLite's 0/1 or PostgreSQL's boolean. */
export type StoredFlag = number | boolean;

/** True when a stored flag is set. */
export function isSet(flag: StoredFlag): boolean {
  return flag === true || flag === 1;
}

/** A row of the calls table, as read for the record of a call. */
export interface CallRow {
  call_sid: string;
  account_sid: string;
  from_number: string;
  to_number: string;
  from_e164: StoredFlag;
  to_e164: StoredFlag;
  created_at: number;
  timestamp_text: string;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
  source: string;
  received_at: number;
  raw: string;
  from_country: string | null;
  repeated: StoredFlag;
}

/** The columns of a call that the metrics count, as read by the plain scans of range edges. */
export interface ScanRow {
  created_at: number;
  account_sid: string;
  to_number: string;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
  from_country: string | null;
  repeated: StoredFlag;
}

/** A row of the deliveries table: a repeat delivery of a stored call (copies read them with the call). */
export interface DeliveryRow {
  call_sid: string;
  received_at: number;
  source: string;
  method: string | null;
  content_type: string | null;
  raw: string;
}

/** A row of the quarantine table. */
export interface QuarantineRow {
  id: number;
  received_at: number;
  method: string;
  content_type: string | null;
  url: string;
  problems: string;
  raw: string;
  replayed_at: number | null;
}

export function toStoredCall(row: CallRow): StoredCall {
  return {
    callSid: row.call_sid,
    accountSid: row.account_sid,
    from: row.from_number,
    to: row.to_number,
    fromIsE164: isSet(row.from_e164),
    toIsE164: isSet(row.to_e164),
    timestamp: new Date(row.created_at),
    timestampText: row.timestamp_text,
    status: row.status as CallStatus,
    durationSeconds: row.duration_seconds,
    mos: row.mos,
    source: row.source as CallSource,
    receivedAt: new Date(row.received_at),
    raw: JSON.parse(row.raw) as Record<string, unknown>,
    fromCountry: row.from_country,
    repeated: isSet(row.repeated),
  };
}

export function toQuarantineEntry(row: QuarantineRow): QuarantineEntry {
  return {
    id: row.id,
    receivedAt: new Date(row.received_at),
    method: row.method,
    contentType: row.content_type,
    url: row.url,
    problems: JSON.parse(row.problems) as QuarantineEntry['problems'],
    raw: JSON.parse(row.raw) as Record<string, unknown>,
    replayedAt: row.replayed_at === null ? null : new Date(row.replayed_at),
  };
}

function toRollupCall(row: ScanRow): RollupCall {
  return {
    createdAt: row.created_at, accountSid: row.account_sid, to: row.to_number, status: row.status as CallStatus,
    durationSeconds: row.duration_seconds, mos: row.mos, fromCountry: row.from_country, repeated: isSet(row.repeated),
  };
}

/** The stats of scanned calls, counted in the order given. */
export function statsOfRows(rows: Iterable<ScanRow>): RollupStats {
  const stats = emptyStats();
  for (const row of rows) addCall(stats, toRollupCall(row));
  return stats;
}

/** The column each scan grouping reads its key from. */
const GROUP_COLUMNS: Record<CallGroupKind, keyof ScanRow> = {
  number: 'to_number', account: 'account_sid', status: 'status', country: 'from_country',
};

/** The stats of scanned calls per group (an unknown country is the key ''), counted in the order given. */
export function groupStatsOfRows(rows: Iterable<ScanRow>, by: CallGroupKind): Map<string, RollupStats> {
  const groups = new Map<string, RollupStats>();
  const column = GROUP_COLUMNS[by];
  for (const row of rows) {
    const key = (row[column] as string | null) ?? '';
    let stats = groups.get(key);
    if (!stats) groups.set(key, (stats = emptyStats()));
    addCall(stats, toRollupCall(row));
  }
  return groups;
}
