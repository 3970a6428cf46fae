/**
 * @module
 * Write items for store tests, made from callback fields through the real parser (as ingest does).
 */
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import type { CallSource, CallWrite, QuarantineWrite } from '../../src/store/call-store.js';

/** A call write from callback fields; throws if the fields do not parse. */
export function callWrite(fields: Record<string, string>, options: { receivedAt?: Date; source?: CallSource; quarantineId?: number } = {}): CallWrite {
  const parsed = parseIncomingCallStatus(fields);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return {
    kind: 'call', event: parsed.event, raw: fields, source: options.source ?? 'webhook',
    delivery: { method: 'POST', contentType: 'application/x-www-form-urlencoded', receivedAt: options.receivedAt ?? new Date() },
    ...(options.quarantineId !== undefined ? { quarantineId: options.quarantineId } : {}),
  };
}

/** A call write from its main facts (MOS and duration as the callback's text, '' for none). */
export function call(sid: string, timestamp: string, status: string, duration: string, mos: string, to = '+15550000001', account = 'AC1'): CallWrite {
  return callWrite({ CallSid: sid, AccountSid: account, From: '+15559990000', To: to, Timestamp: timestamp, CallStatus: status, CallDuration: duration, AudioInMos: mos });
}

/** A quarantine write of raw fields with one problem. */
export function quarantineWrite(raw: Record<string, unknown>, url = 'https://cp.example.com/webhooks/signalwire/call-status', receivedAt = new Date()): QuarantineWrite {
  return { kind: 'quarantine', raw, problems: [{ field: 'CallStatus', message: 'is required' }], url, delivery: { method: 'POST', contentType: 'application/json', receivedAt } };
}
