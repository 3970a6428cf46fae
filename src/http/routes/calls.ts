/**
 * @module
 * `GET /api/v1/calls` (a filtered page of calls, newest first, with a cursor to the next page) and
 * `GET /api/v1/calls/:callSid` (one stored call, with its raw fields and every delivery logged).
 */
import type { FastifyInstance } from 'fastify';
import { CallpulseError } from '../../domain/errors.js';
import type { CallStore, StoredCall } from '../../store/call-store.js';
import { toCsv } from '../csv.js';
import { encodeCursor, readCallListParams, readFilter, readFormat, readRange, type Query } from '../query-params.js';

/** The API's JSON form of a stored call. */
export function callToJson(call: StoredCall): Record<string, unknown> {
  return {
    callSid: call.callSid,
    accountSid: call.accountSid,
    from: call.from,
    to: call.to,
    fromIsE164: call.fromIsE164,
    toIsE164: call.toIsE164,
    timestamp: call.timestamp.toISOString(),
    timestampText: call.timestampText,
    status: call.status,
    durationSeconds: call.durationSeconds,
    mos: call.mos,
    fromCountry: call.fromCountry,
    repeated: call.repeated,
    source: call.source,
    receivedAt: call.receivedAt.toISOString(),
    raw: call.raw,
  };
}

export function registerCallRoutes(app: FastifyInstance, store: CallStore): void {
  app.get<{ Querystring: Query }>('/api/v1/calls', async (request, reply) => {
    const range = readRange(request.query);
    const format = readFormat(request.query);
    const page = await store.listCalls({ ...range, filter: readFilter(request.query), ...readCallListParams(request.query) });
    const nextCursor = page.next === null ? null : encodeCursor(page.next);
    if (format === 'json') return { calls: page.calls.map(callToJson), nextCursor };
    if (nextCursor !== null) void reply.header('x-next-cursor', nextCursor);
    const rows = page.calls.map((c) => [
      c.callSid, c.accountSid, c.from, c.to, c.timestamp.toISOString(), c.status, c.durationSeconds, c.mos, c.source,
    ]);
    return reply
      .type('text/csv; charset=utf-8')
      .send(toCsv(['callSid', 'accountSid', 'from', 'to', 'timestamp', 'status', 'durationSeconds', 'mos', 'source'], rows));
  });

  app.get<{ Params: { callSid: string } }>('/api/v1/calls/:callSid', async (request) => {
    const call = await store.getCall(request.params.callSid);
    if (!call) throw new CallpulseError('CP_ERR_NOT_FOUND', `no call with CallSid ${request.params.callSid} is stored`);
    const deliveries = await store.listDeliveries(call.callSid);
    return {
      ...callToJson(call),
      deliveries: deliveries.map((d) => ({ receivedAt: d.receivedAt.toISOString(), outcome: d.outcome, source: d.source })),
    };
  });
}
