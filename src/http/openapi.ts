/**
 * @module
 * The OpenAPI 3.1 document of callpulse's own API, served at `/api/openapi.json`. A test checks that
 * every route the app serves is described here and every path described here is served.
 */

const range = [
  { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'Start of the range (ISO 8601), inclusive.' },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'End of the range (ISO 8601), exclusive; default now.' },
  { name: 'since', in: 'query', schema: { type: 'string', pattern: '^\\d+[mhdw]$' }, description: 'A length ending now, e.g. 24h, 7d, 30d; instead of from.' },
];
const filters = [
  { name: 'number', in: 'query', schema: { type: 'string' }, description: 'Only calls to this number (the callback\'s To).' },
  { name: 'account', in: 'query', schema: { type: 'string' }, description: 'Only calls of this project (AccountSid).' },
];
const format = { name: 'format', in: 'query', schema: { enum: ['json', 'csv'] }, description: 'json (default) or csv.' };
const problem = { $ref: '#/components/responses/Problem' };
const readErrors = { 400: problem, 401: problem, 403: problem };

const summary = {
  type: 'object',
  properties: {
    calls: { type: 'integer' }, completed: { type: 'integer' }, unsuccessful: { type: 'integer' }, successRate: { type: ['number', 'null'] },
    statuses: { type: 'object', additionalProperties: { type: 'integer' } },
    mos: {
      type: 'object',
      properties: {
        scored: { type: 'integer' }, mean: { type: ['number', 'null'] }, p10: { type: ['number', 'null'] }, p50: { type: ['number', 'null'] },
        p90: { type: ['number', 'null'] }, bands: { type: 'object', additionalProperties: { type: 'number' } }, poorRate: { type: ['number', 'null'] },
      },
    },
    duration: {
      type: 'object',
      properties: {
        totalSeconds: { type: 'integer' }, mean: { type: ['number', 'null'] }, p50: { type: ['integer', 'null'] }, p90: { type: ['integer', 'null'] }, short: { type: 'integer' },
      },
    },
    repeatCallers: {
      type: 'object',
      description: 'Calls followed by a call of the same E.164 caller to the same number within 24 hours, and their share of calls.',
      properties: { repeated: { type: 'integer' }, rate: { type: ['number', 'null'] } },
    },
  },
};

const callbackBody = {
  type: 'object',
  required: ['CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos'],
  properties: Object.fromEntries(['CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos'].map((f) => [f, { type: 'string' }])),
};

const webhook = {
  summary: 'Receive one SignalWire incoming call status callback',
  parameters: [{ name: 'X-SignalWire-Signature', in: 'header', schema: { type: 'string' }, description: 'Or X-Twilio-Signature.' }],
  responses: {
    200: { description: 'Stored (result accepted) or a repeat of a stored CallSid (result duplicate).' },
    400: problem, 403: problem, 413: problem, 415: problem, 422: problem, 503: problem,
  },
};

/** The document. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'callpulse', version: '1', description: 'SignalWire incoming call status callbacks: verified, stored, and turned into call-center metrics.' },
  paths: {
    '/webhooks/signalwire/call-status': {
      post: {
        ...webhook,
        requestBody: { content: { 'application/x-www-form-urlencoded': { schema: callbackBody }, 'application/json': { schema: callbackBody } } },
      },
      get: { ...webhook, description: 'For numbers whose StatusCallbackMethod is GET: the fields are in the query string.' },
    },
    '/healthz': { get: { summary: 'The process is alive', responses: { 200: { description: 'ok' } } } },
    '/readyz': { get: { summary: 'Storage is writable and migrations are applied', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
    '/api/v1/summary': {
      get: { summary: 'Summary of the calls in a range', parameters: [...range, ...filters], responses: { 200: { description: 'The summary', content: { 'application/json': { schema: summary } } }, ...readErrors } },
    },
    '/api/v1/timeseries': {
      get: {
        summary: 'The figures per time bucket, aligned in a time zone',
        parameters: [
          ...range, ...filters, format,
          { name: 'interval', in: 'query', schema: { enum: ['15m', '1h', '1d', '1w'] } },
          { name: 'tz', in: 'query', schema: { type: 'string' }, description: 'IANA time zone, default UTC.' },
        ],
        responses: { 200: { description: 'One point per bucket, empty buckets as zeros: { start, calls, completed, statuses (JSON only), successRate, mosMean, mosP10, durationMean }' }, ...readErrors },
      },
    },
    '/api/v1/breakdown': {
      get: {
        summary: 'The summary per called number, project, status, caller country (ISO 3166-1, null when unknown), or hour of the week (7×24, local time)',
        parameters: [
          { name: 'by', in: 'query', required: true, schema: { enum: ['number', 'account', 'status', 'country', 'hourOfWeek'] } }, ...range, ...filters, format,
          { name: 'tz', in: 'query', schema: { type: 'string' }, description: 'IANA time zone of the hours of the week, default UTC.' },
        ],
        responses: { 200: { description: 'One row per group, busiest first' }, ...readErrors },
      },
    },
    '/api/v1/repeat-callers': {
      get: {
        summary: 'Callers who called the same number again within 24 hours, most repeat calls first',
        parameters: [...range, ...filters, format, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } }],
        responses: { 200: { description: 'The callers: from, to, calls, repeated, firstCall, lastCall' }, ...readErrors },
      },
    },
    '/api/v1/calls': {
      get: {
        summary: 'Stored calls, newest first, filtered, in pages',
        parameters: [
          ...range, ...filters, format,
          { name: 'status', in: 'query', schema: { enum: ['completed', 'failed', 'busy', 'no-answer', 'canceled'] } },
          { name: 'mosBelow', in: 'query', schema: { type: 'number', minimum: 1, maximum: 5 } },
          { name: 'minDuration', in: 'query', schema: { type: 'integer', minimum: 0 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page.' },
        ],
        responses: { 200: { description: '{ calls, nextCursor }' }, ...readErrors },
      },
    },
    '/api/v1/calls/{callSid}': {
      get: {
        summary: 'One stored call with its raw fields and deliveries',
        parameters: [{ name: 'callSid', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The call' }, 404: problem, ...readErrors },
      },
    },
    '/api/v1/distribution': {
      get: {
        summary: 'The MOS distribution (scored calls) or the duration distribution (completed calls) of a range',
        parameters: [{ name: 'of', in: 'query', required: true, schema: { enum: ['mos', 'duration'] } }, ...range, ...filters],
        responses: {
          200: {
            description: '{ of, total, bins: [{ from, to, count, band? }] }: MOS in 0.10 bins split at the band edges (the last bin includes 5.00), each with its band; durations in seconds, the last bin open (to null)',
          },
          ...readErrors,
        },
      },
    },
    '/api/v1/worst-calls': {
      get: {
        summary: 'The scored calls of a range with the lowest MOS, lowest first (ties: newest first)',
        parameters: [...range, ...filters, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 }, description: 'Default 20.' }],
        responses: { 200: { description: '{ calls: [call…] }, each as in the call list' }, ...readErrors },
      },
    },
    '/api/v1/thresholds': {
      get: {
        summary: 'The configured thresholds the dashboard and wallboard colour figures with',
        responses: { 200: { description: '{ successRate: { green, amber }, mos: { green, amber }, poorQualityBelow, shortCallSeconds }' }, ...readErrors },
      },
    },
    '/api/v1/alerts': {
      get: {
        summary: 'The alert rules and the current state of every alert, firing first',
        parameters: [{ name: 'state', in: 'query', schema: { type: 'string', enum: ['firing', 'all'] }, description: 'firing: only the alerts that fire. Default all.' }],
        responses: {
          200: { description: '{ rules: [{ name, metric, threshold, windowMinutes, minCalls, per, numbers, cooldownMinutes, notify, businessHours?, weeks? }], alerts: [{ rule, number, state: firing|ok, since, evaluatedAt, value, calls, message, notified }] }' },
          ...readErrors,
        },
      },
    },
    '/api/v1/live': {
      get: {
        summary: 'Server-Sent Events: newly stored calls, as they are committed',
        description: 'text/event-stream. First `event: hello`; then `event: calls` with `{ count, calls: [the newest 50 at most: callSid, accountSid, from, to, timestamp, status, durationSeconds, mos] }` at most every 250 ms; a comment line every 15 s.',
        responses: { 200: { description: 'The event stream', content: { 'text/event-stream': {} } }, ...readErrors },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format)',
        description: 'The read API\'s access rule applies; CALLPULSE_METRICS_TOKEN, when set, is also accepted as a bearer token.',
        responses: { 200: { description: 'text/plain; version=0.0.4', content: { 'text/plain': {} } }, ...readErrors },
      },
    },
    '/': { get: { summary: 'The dashboard (HTML; its data comes from this API)', responses: { 200: { description: 'The page' } } } },
    '/wallboard': { get: { summary: 'The wallboard (HTML): today and the last 15 minutes in huge figures', responses: { 200: { description: 'The page' } } } },
    '/assets/{name}': {
      get: {
        summary: 'A script, style sheet or icon of the pages',
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'The asset' }, 304: { description: 'Unchanged (If-None-Match)' }, 404: problem },
      },
    },
    '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
  },
  components: {
    responses: {
      Problem: {
        description: 'An error: one sentence, a code, and for 400/422 the fields at fault.',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['error', 'code'],
              properties: {
                error: { type: 'string' },
                code: { type: 'string', pattern: '^CP_ERR_' },
                details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
              },
            },
          },
        },
      },
    },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'CALLPULSE_API_TOKEN, when set.' } },
  },
} as const;
