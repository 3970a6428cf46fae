/**
 * @module
 * Fills the gaps left by callbacks that never arrived (the service was down or unreachable, and
 * SignalWire documents no retry): lists the project's calls from the Calls API
 * (`GET /Accounts/{ProjectID}/Calls`, every page), keeps the inbound calls that have ended and were
 * created in the range, and stores those with no stored callback, marked `source: api`: status, duration,
 * From, To and the creation time (`date_created`, the same instant as a callback's `Timestamp`); no MOS,
 * since the Calls API has none. Each one goes through the webhook's own validation. Calls already stored
 * are never written again, so a second run changes nothing.
 */
import { parseIncomingCallStatus, type CallStatus } from '../domain/call-event.js';
import type { FieldProblem } from '../domain/errors.js';
import { parseCallTimestamp } from '../domain/timestamp.js';
import type { CallStore, CallWrite } from '../store/call-store.js';
import type { SignalWireRestClient } from './rest-client.js';

/** A Call resource as the API lists it (the fields used here). */
export interface ApiCall {
  sid?: unknown;
  account_sid?: unknown;
  date_created?: unknown;
  start_time?: unknown;
  end_time?: unknown;
  direction?: unknown;
  from?: unknown;
  to?: unknown;
  status?: unknown;
  duration?: unknown;
}

/** The Calls API's statuses: those a call ends with map to ours; the others mean it has not ended yet. */
const STATUS_MAP: Record<string, CallStatus | 'not ended'> = {
  completed: 'completed',
  failed: 'failed',
  busy: 'busy',
  'no-answer': 'no-answer',
  canceled: 'canceled',
  queued: 'not ended',
  ringing: 'not ended',
  'in-progress': 'not ended',
};

/** What a reconcile run found and did. */
export interface ReconcileReport {
  /** The range's start (ISO 8601); it ends when the run started. */
  since: string;
  /** Distinct calls the API listed. */
  listed: number;
  /** Skipped: outbound calls (ours are inbound only). */
  outbound: number;
  /** Skipped: inbound calls created before `since` (the API filters by start date only). */
  beforeRange: number;
  /** Skipped: inbound calls still queued, ringing or in progress; a later run picks them up. */
  notEnded: number;
  /** Inbound calls that have ended, in the range. */
  ended: number;
  /** Of those, already stored (by a callback, an import or an earlier run). */
  alreadyStored: number;
  /** Of those, with no stored callback. */
  missing: number;
  /** The missing calls per status. */
  missingByStatus: Partial<Record<CallStatus, number>>;
  /** Missing calls stored by this run (0 with dryRun). */
  stored: number;
  /** Missing calls whose callback arrived while this run was writing (counted once, as the callback). */
  arrivedMeanwhile: number;
  /** Calls that could not be stored because the API's data does not validate, with why. */
  invalid: Array<{ callSid: string; problems: FieldProblem[] }>;
}

export interface ReconcileOptions {
  since: Date;
  /** List and count, store nothing. */
  dryRun?: boolean;
  /** Calls per write transaction (default 1000). */
  batchSize?: number;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** `YYYY-MM-DD` of an instant in UTC: the Calls API's `StartTime>` filter takes a date. */
export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The callback fields a Call resource stands for: the eight fields of the spec (no MOS) plus where it came
 * from. A call listed without its `account_sid` belongs to the project whose list it came from.
 */
export function callbackFieldsOf(call: ApiCall, status: CallStatus, projectId: string): Record<string, string> {
  const duration = call.duration;
  return {
    CallSid: text(call.sid),
    AccountSid: text(call.account_sid) || projectId,
    From: text(call.from),
    To: text(call.to),
    Timestamp: text(call.date_created),
    CallStatus: status,
    CallDuration: typeof duration === 'number' ? String(duration) : text(duration),
    AudioInMos: '',
    Direction: text(call.direction),
    StartTime: text(call.start_time),
    EndTime: text(call.end_time),
  };
}

/**
 * Lists the inbound calls created since `options.since` and stores those missing. The API is asked for
 * calls started on or after the start's UTC date (`StartTime>`), and the range is then applied exactly
 * to each call's `date_created`.
 */
export async function reconcile(client: SignalWireRestClient, store: CallStore, options: ReconcileOptions): Promise<ReconcileReport> {
  const since = options.since.getTime();
  const report: ReconcileReport = {
    since: options.since.toISOString(), listed: 0, outbound: 0, beforeRange: 0, notEnded: 0, ended: 0,
    alreadyStored: 0, missing: 0, missingByStatus: {}, stored: 0, arrivedMeanwhile: 0, invalid: [],
  };
  const seen = new Set<string>();
  const missing: CallWrite[] = [];
  const query = { 'StartTime>': utcDate(options.since), PageSize: '1000' };
  for await (const call of client.list<ApiCall>(`${client.accountPath}/Calls`, 'calls', 'Voice', query)) {
    const sid = text(call.sid);
    // A list read while calls arrive can show a call on two pages; count it once.
    if (sid !== '' && seen.has(sid)) continue;
    seen.add(sid);
    report.listed += 1;
    if (text(call.direction) !== 'inbound') {
      report.outbound += 1;
      continue;
    }
    const created = parseCallTimestamp(text(call.date_created));
    if (created !== null && created.getTime() < since) {
      report.beforeRange += 1;
      continue;
    }
    const status = STATUS_MAP[text(call.status).toLowerCase()];
    if (status === 'not ended') {
      report.notEnded += 1;
      continue;
    }
    report.ended += 1;
    if (sid !== '' && (await store.getCall(sid)) !== null) {
      report.alreadyStored += 1;
      continue;
    }
    report.missing += 1;
    const fields = callbackFieldsOf(call, status ?? (text(call.status) as CallStatus), client.projectId);
    const parsed = parseIncomingCallStatus(fields);
    if (!parsed.ok) {
      report.invalid.push({ callSid: sid || '(no sid)', problems: parsed.problems });
      continue;
    }
    report.missingByStatus[parsed.event.status] = (report.missingByStatus[parsed.event.status] ?? 0) + 1;
    missing.push({
      kind: 'call', event: parsed.event, raw: fields, source: 'api',
      delivery: { method: 'API', contentType: 'application/json', receivedAt: new Date() },
    });
  }
  if (options.dryRun) return report;
  const batchSize = options.batchSize ?? 1000;
  for (let start = 0; start < missing.length; start += batchSize) {
    for (const outcome of await store.writeBatch(missing.slice(start, start + batchSize))) {
      if (outcome === 'accepted') report.stored += 1;
      else report.arrivedMeanwhile += 1;
    }
  }
  return report;
}
