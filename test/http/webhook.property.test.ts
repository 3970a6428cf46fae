/**
 * Property tests over real HTTP: random valid callbacks in random encodings and field orders always
 * round-trip; byte flips and arbitrary bodies never crash the server, never get a 5xx or a stack trace,
 * and never store a forged callback. Signatures come from the independent signer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { countRows } from '../helpers/db-scan.js';
import { formBody, signForm, signJson, signUrl } from '../helpers/independent-signer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'property-key';
const RUNS = 120;
const STATUSES = ['completed', 'failed', 'busy', 'no-answer', 'canceled'] as const;

interface Callback {
  fields: Record<string, string>;
  expected: { status: string; durationSeconds: number | null; mos: number | null; timestamp: string };
}

let sequence = 0;
const callback: fc.Arbitrary<Callback> = fc
  .record({
    status: fc.constantFrom(...STATUSES),
    duration: fc.nat({ max: 36_000 }),
    mosHundredths: fc.option(fc.integer({ min: 100, max: 500 }), { nil: null }),
    epochSeconds: fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }),
    rfc2822: fc.boolean(),
    from: fc.oneof(fc.stringMatching(/^\+[1-9]\d{7,14}$/), fc.constantFrom('anonymous', 'sip:alice@example.com', ''), fc.string({ unit: 'binary', maxLength: 16 })),
    to: fc.stringMatching(/^\+[1-9]\d{7,14}$/),
    extras: fc.dictionary(fc.stringMatching(/^X[A-Za-z]{0,8}$/), fc.string({ unit: 'binary', maxLength: 20 }), { maxKeys: 3 }),
  })
  .map((g) => {
    const instant = new Date(g.epochSeconds * 1000);
    const timestamp = g.rfc2822 ? instant.toUTCString().replace('GMT', '+0000') : instant.toISOString();
    sequence += 1;
    return {
      fields: {
        ...g.extras,
        CallSid: `CA-prop-${sequence}-${g.epochSeconds}`,
        AccountSid: 'AC-prop',
        From: g.from,
        To: g.to,
        Timestamp: timestamp,
        CallStatus: g.status,
        CallDuration: String(g.duration),
        AudioInMos: g.mosHundredths === null ? '' : (g.mosHundredths / 100).toFixed(2),
      },
      expected: {
        status: g.status,
        durationSeconds: g.duration,
        mos: g.mosHundredths === null ? null : g.mosHundredths / 100,
        timestamp: instant.toISOString(),
      },
    };
  });

const encoding = fc.constantFrom('form', 'json', 'get');

interface WireRequest {
  url: string;
  init: RequestInit;
}

function encode(server: TestServer, fields: Record<string, string>, how: string, order: number[]): WireRequest {
  const entries = Object.entries(fields);
  const shuffled = entries.map((entry, i) => ({ entry, rank: order[i % order.length] ?? 0 })).sort((a, b) => a.rank - b.rank).map((x) => x.entry);
  if (how === 'get') {
    const url = `${server.webhookUrl}?${formBody(shuffled)}`;
    return { url, init: { headers: { 'x-signalwire-signature': signUrl(KEY, url) } } };
  }
  if (how === 'json') {
    const body = JSON.stringify(Object.fromEntries(shuffled));
    return {
      url: server.webhookUrl,
      init: { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-signalwire-signature': signJson(KEY, server.webhookUrl, body) } },
    };
  }
  return {
    url: server.webhookUrl,
    init: {
      method: 'POST',
      body: formBody(shuffled),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(KEY, server.webhookUrl, shuffled) },
    },
  };
}

async function send(request: WireRequest): Promise<{ status: number; text: string }> {
  const response = await fetch(request.url, request.init);
  const text = await response.text();
  assert.ok(response.status < 500, `no 5xx (got ${response.status}: ${text})`);
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.js:\d+/, 'no stack trace');
  return { status: response.status, text };
}

describe('webhook properties over real HTTP', () => {
  let server: TestServer;
  const stored = new Set<string>();
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
  });
  after(() => server.close());

  it('a valid signed callback, in any encoding and field order, is stored and reads back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(callback, encoding, fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), async (cb, how, order) => {
        const answer = await send(encode(server, cb.fields, how, order));
        assert.equal(answer.status, 200, answer.text);
        stored.add(cb.fields.CallSid!);
        const call = (await (await fetch(`${server.baseUrl}/api/v1/calls/${encodeURIComponent(cb.fields.CallSid!)}`)).json()) as Record<string, unknown>;
        assert.equal(call.status, cb.expected.status);
        assert.equal(call.durationSeconds, cb.expected.durationSeconds);
        assert.equal(call.mos, cb.expected.mos);
        assert.equal(call.timestamp, cb.expected.timestamp);
        assert.equal(call.from, cb.fields.From);
        assert.deepEqual(call.raw, cb.fields);
      }),
      { numRuns: RUNS },
    );
  });

  it('a flipped byte in a JSON body or in the signature is refused and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(callback, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (cb, position, xor, flipBody) => {
        const request = encode(server, cb.fields, 'json', [0]);
        const headers = request.init.headers as Record<string, string>;
        if (flipBody) {
          const bytes = Buffer.from(request.init.body as string);
          const i = position % bytes.length;
          bytes[i] = bytes[i]! ^ xor;
          request.init.body = bytes;
        } else {
          const signature = Buffer.from(headers['x-signalwire-signature']!);
          const i = position % signature.length;
          signature[i] = signature[i]! ^ xor;
          const flipped = signature.toString('latin1');
          fc.pre(/^[\x21-\x7e]+$/.test(flipped)); // a header value must stay printable to be sent at all
          headers['x-signalwire-signature'] = flipped;
        }
        const answer = await send(request);
        assert.notEqual(answer.status, 200, 'a forged callback is never accepted');
      }),
      { numRuns: RUNS },
    );
    assert.equal(countRows(server.dbPath, 'calls'), stored.size, 'only the validly signed callbacks are stored');
  });

  it('arbitrary bodies and content types never crash the server or store anything', async () => {
    const contentType = fc.oneof(
      fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', ''),
      fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), contentType, fc.option(fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s))), async (body, type, signature) => {
        const headers: Record<string, string> = {};
        if (type !== '') headers['content-type'] = type;
        if (signature !== null) headers['x-signalwire-signature'] = signature;
        const answer = await send({ url: server.webhookUrl, init: { method: 'POST', body, headers } });
        assert.ok([400, 403, 415].includes(answer.status), `unexpected ${answer.status}: ${answer.text}`);
      }),
      { numRuns: RUNS },
    );
    assert.equal(countRows(server.dbPath, 'calls'), stored.size);
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
  });
});
