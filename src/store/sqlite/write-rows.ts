/**
 * @module
 * Write items flattened into rows of plain values, in the columns' order, before they cross to the
 * writer thread: flat arrays of strings and numbers are cheap to copy between threads. The JSON of the
 * raw fields and the caller's country are worked out here, beside the request that produced them: the
 * writer thread is the one stage every call goes through in turn, so what can be done before it is
 * done before it (the country lookup alone costs it tens of µs per new caller).
 */
import { callerCountry } from '../../domain/phone-number.js';
import type { WriteItem } from '../call-store.js';

/** A call: the values of the calls table's columns, then the quarantine entry it replays (or null). */
export type CallRow = [
  kind: 'call', callSid: string, accountSid: string, from: string, to: string, fromE164: number, toE164: number,
  createdAt: number, timestampText: string, status: string, durationSeconds: number | null, mos: number | null,
  source: string, receivedAt: number, method: string, contentType: string | null, raw: string, fromCountry: string | null,
  quarantineId: number | null,
];

/** A quarantine entry: the values of the quarantine table's columns. */
export type QuarantineRow = [
  kind: 'quarantine', receivedAt: number, method: string, contentType: string | null, url: string, problems: string, raw: string,
];

export type WriteRow = CallRow | QuarantineRow;

/**
 * Flattens one write item into its row. The caller's country comes with the item in privacy mode (where
 * `from` is a hash); otherwise it is looked up from `from` here.
 */
export function toWriteRow(item: WriteItem): WriteRow {
  const { delivery } = item;
  if (item.kind === 'quarantine') {
    return ['quarantine', delivery.receivedAt.getTime(), delivery.method, delivery.contentType, item.url, JSON.stringify(item.problems), JSON.stringify(item.raw)];
  }
  const { event } = item;
  return [
    'call', event.callSid, event.accountSid, event.from, event.to, event.fromIsE164 ? 1 : 0, event.toIsE164 ? 1 : 0,
    event.timestamp.getTime(), event.timestampText, event.status, event.durationSeconds, event.mos,
    item.source, delivery.receivedAt.getTime(), delivery.method, delivery.contentType, JSON.stringify(item.raw),
    item.fromCountry !== undefined ? item.fromCountry : callerCountry(event.from),
    item.quarantineId ?? null,
  ];
}
