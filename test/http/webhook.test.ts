/**
 * Webhook endpoint over real HTTP on a real SQLite file: every answer the issue lists, signatures
 * computed by the independent signer, stored rows read back by a plain scan of the database file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { countRows, scan } from '../helpers/db-scan.js';
import { formBody, sha256Hex, signForm, signJson, signUrl } from '../helpers/independent-signer.js';
import { callbackFields, startTestServer, WEBHOOK, type TestServer } from '../helpers/test-server.js';

const KEY = 'PSK_test_signing_key_1';
const FORM = 'application/x-www-form-urlencoded';

function postForm(server: TestServer, fields: Record<string, string>, options: { key?: string; url?: string; headers?: Record<string, string> } = {}) {
  const params = Object.entries(fields);
  const signature = signForm(options.key ?? KEY, options.url ?? server.webhookUrl, params);
  return fetch(server.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': FORM, 'x-signalwire-signature': signature, ...options.headers },
    body: formBody(params),
  });
}

function noStackTrace(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+\(.*:\d+:\d+\)|node_modules|\.ts:\d+/);
}

describe('webhook: accepted, duplicate and read back', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
  });
  after(() => server.close());

  it('stores a signed form callback and reads it back with its raw fields', async () => {
    const fields = callbackFields({ CallSid: 'CA-form-1', AudioInMos: '4.21', CallDuration: '42', Extra: 'kept' });
    const response = await postForm(server, fields);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { result: 'accepted', callSid: 'CA-form-1' });

    const read = await fetch(`${server.baseUrl}/api/v1/calls/CA-form-1`);
    assert.equal(read.status, 200);
    const call = (await read.json()) as Record<string, unknown>;
    assert.equal(call.callSid, 'CA-form-1');
    assert.equal(call.accountSid, 'AC-project-1');
    assert.equal(call.from, '+15551230001');
    assert.equal(call.to, '+15557650002');
    assert.equal(call.timestamp, '2024-04-04T18:32:15.000Z');
    assert.equal(call.status, 'completed');
    assert.equal(call.durationSeconds, 42);
    assert.equal(call.mos, 4.21);
    assert.deepEqual(call.raw, fields);

    const rows = scan<{ created_at: number; status: string }>(server.dbPath, 'SELECT created_at, status FROM calls WHERE call_sid = ?', 'CA-form-1');
    assert.deepEqual(rows, [{ created_at: Date.UTC(2024, 3, 4, 18, 32, 15), status: 'completed' }]);
  });

  it('stores a signed JSON callback (scheme A)', async () => {
    const body = JSON.stringify(callbackFields({ CallSid: 'CA-json-1', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' }));
    const response = await fetch(server.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signalwire-signature': signJson(KEY, server.webhookUrl, body) },
      body,
    });
    assert.equal(response.status, 200);
    const call = (await (await fetch(`${server.baseUrl}/api/v1/calls/CA-json-1`)).json()) as Record<string, unknown>;
    assert.equal(call.status, 'failed');
    assert.equal(call.mos, null);
    assert.equal(call.durationSeconds, 0);
  });

  it('stores a signed GET callback whose fields are in the query string', async () => {
    const query = formBody(Object.entries(callbackFields({ CallSid: 'CA-get-1', Timestamp: '2024-09-05T10:00:00Z' })));
    const url = `${server.webhookUrl}?${query}`;
    const response = await fetch(url, { headers: { 'x-twilio-signature': signUrl(KEY, url) } });
    assert.equal(response.status, 200);
    const rows = scan<{ created_at: number }>(server.dbPath, 'SELECT created_at FROM calls WHERE call_sid = ?', 'CA-get-1');
    assert.deepEqual(rows, [{ created_at: Date.UTC(2024, 8, 5, 10, 0, 0) }]);
  });

  it('answers 200 to a repeated delivery, counts the call once and logs every delivery', async () => {
    const fields = callbackFields({ CallSid: 'CA-dup-1' });
    const answers = await Promise.all([postForm(server, fields), postForm(server, fields), postForm(server, fields)]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    const results = await Promise.all(answers.map(async (a) => ((await a.json()) as { result: string }).result));
    assert.deepEqual(results.sort(), ['accepted', 'duplicate', 'duplicate']);
    assert.equal(scan(server.dbPath, 'SELECT 1 FROM calls WHERE call_sid = ?', 'CA-dup-1').length, 1);
    assert.equal(scan(server.dbPath, 'SELECT 1 FROM deliveries WHERE call_sid = ?', 'CA-dup-1').length, 2, 'both repeats are logged');
    const call = (await (await fetch(`${server.baseUrl}/api/v1/calls/CA-dup-1`)).json()) as { deliveries: Array<{ outcome: string }> };
    assert.deepEqual(call.deliveries.map((d) => d.outcome), ['accepted', 'duplicate', 'duplicate']);
  });

  it('answers 404 for an unknown call', async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/calls/CA-nope`);
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { code: string }).code, 'CP_ERR_NOT_FOUND');
  });
});

describe('webhook: refusals store nothing and never show a stack trace', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
  });
  after(() => server.close());

  async function expectRefused(response: Response, status: number, code: string): Promise<void> {
    const text = await response.text();
    assert.equal(response.status, status, text);
    assert.equal((JSON.parse(text) as { code: string }).code, code);
    noStackTrace(text);
  }

  it('403 on a tampered body, a wrong key and a missing signature', async () => {
    const fields = callbackFields({ CallSid: 'CA-forged' });
    const params = Object.entries(fields);
    const signature = signForm(KEY, server.webhookUrl, params);
    const tampered = formBody(params).replace('CallDuration=42', 'CallDuration=43');
    await expectRefused(
      await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': FORM, 'x-signalwire-signature': signature }, body: tampered }),
      403, 'CP_ERR_SIGNATURE_INVALID',
    );
    await expectRefused(await postForm(server, fields, { key: 'some-other-key' }), 403, 'CP_ERR_SIGNATURE_INVALID');
    await expectRefused(
      await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': FORM }, body: formBody(params) }),
      403, 'CP_ERR_SIGNATURE_INVALID',
    );
    assert.equal(countRows(server.dbPath, 'calls'), 0);
    assert.equal(countRows(server.dbPath, 'quarantine'), 0);
  });

  it('413 on a body over 64 KiB', async () => {
    const fields = callbackFields({ Padding: 'x'.repeat(70 * 1024) });
    await expectRefused(await postForm(server, fields), 413, 'CP_ERR_BODY_TOO_LARGE');
  });

  it('415 on other content types', async () => {
    await expectRefused(
      await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'CallSid=1' }),
      415, 'CP_ERR_CONTENT_TYPE',
    );
    await expectRefused(await fetch(server.webhookUrl, { method: 'POST' }), 415, 'CP_ERR_CONTENT_TYPE');
  });

  it('400 on a JSON body that does not parse or is not an object', async () => {
    for (const body of ['{"CallSid": ', '[1,2]', 'null']) {
      await expectRefused(
        await fetch(server.webhookUrl, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-signalwire-signature': signJson(KEY, server.webhookUrl, body) }, body,
        }),
        400, 'CP_ERR_BODY_UNPARSEABLE',
      );
    }
  });

  it('422 naming each field on a signed invalid callback, which is kept in quarantine', async () => {
    const fields = callbackFields({ CallSid: 'CA-bad', CallStatus: 'ringing', AudioInMos: '7' });
    delete (fields as Record<string, string | undefined>).To;
    const response = await postForm(server, fields);
    const text = await response.text();
    assert.equal(response.status, 422);
    const body = JSON.parse(text) as { error: string; code: string; details: Array<{ field: string; message: string }> };
    assert.equal(body.code, 'CP_ERR_PAYLOAD_INVALID');
    assert.deepEqual(body.details.map((d) => d.field).sort(), ['AudioInMos', 'CallStatus', 'To']);
    const kept = scan<{ raw: string; problems: string }>(server.dbPath, 'SELECT raw, problems FROM quarantine');
    assert.equal(kept.length, 1);
    assert.deepEqual(JSON.parse(kept[0]!.raw), fields);
    assert.equal(countRows(server.dbPath, 'calls'), 0);
  });

  it('404 for other methods and paths, in JSON', async () => {
    const response = await fetch(server.webhookUrl, { method: 'PUT', headers: { 'content-type': FORM }, body: 'a=b' });
    assert.equal(response.status, 404);
    noStackTrace(await response.text());
  });
});

describe('webhook: keys per project and key rotation', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ projectKeys: { 'AC-a': ['old-key-a', 'new-key-a'], 'AC-b': 'key-b' } });
  });
  after(() => server.close());

  it('accepts either key of a project during rotation, and only that project\'s keys', async () => {
    assert.equal((await postForm(server, callbackFields({ AccountSid: 'AC-a' }), { key: 'old-key-a' })).status, 200);
    assert.equal((await postForm(server, callbackFields({ AccountSid: 'AC-a' }), { key: 'new-key-a' })).status, 200);
    assert.equal((await postForm(server, callbackFields({ AccountSid: 'AC-b' }), { key: 'key-b' })).status, 200);
    assert.equal((await postForm(server, callbackFields({ AccountSid: 'AC-b' }), { key: 'new-key-a' })).status, 403);
  });

  it('403 for a project with no key configured', async () => {
    const response = await postForm(server, callbackFields({ AccountSid: 'AC-unknown' }), { key: 'key-b' });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { code: string }).code, 'CP_ERR_PROJECT_UNKNOWN');
    assert.equal(countRows(server.dbPath, 'calls'), 3);
  });
});

describe('webhook: the public URL behind a proxy', () => {
  it('PUBLIC_URL: verifies over the public URL, with or without the default port', async () => {
    const server = await startTestServer({ signingKey: KEY, publicUrl: 'https://calls.example.com' });
    try {
      const publicUrl = `https://calls.example.com${WEBHOOK}`;
      assert.equal((await postForm(server, callbackFields(), { url: publicUrl })).status, 200);
      assert.equal((await postForm(server, callbackFields(), { url: `https://calls.example.com:443${WEBHOOK}` })).status, 200);
      assert.equal((await postForm(server, callbackFields())).status, 403, 'the local URL is not what SignalWire signed');
    } finally {
      await server.close();
    }
  });

  it('TRUST_PROXY: X-Forwarded-Proto/-Host count only when it is on', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'cp.example.org' };
    const publicUrl = `https://cp.example.org${WEBHOOK}`;
    const trusting = await startTestServer({ signingKey: KEY, trustProxy: 'true' });
    const plain = await startTestServer({ signingKey: KEY });
    try {
      assert.equal((await postForm(trusting, callbackFields(), { url: publicUrl, headers: forwarded })).status, 200);
      assert.equal((await postForm(plain, callbackFields(), { url: publicUrl, headers: forwarded })).status, 403);
      assert.equal((await postForm(plain, callbackFields(), { headers: forwarded })).status, 200);
    } finally {
      await trusting.close();
      await plain.close();
    }
  });

  it('bodySHA256: the HMAC covers the URL and the body must hash to it', async () => {
    const server = await startTestServer({ signingKey: KEY });
    try {
      const body = JSON.stringify(callbackFields({ CallSid: 'CA-sha' }));
      const url = `${server.webhookUrl}?bodySHA256=${sha256Hex(body)}`;
      const send = (payload: string) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signalwire-signature': signUrl(KEY, url) }, body: payload });
      assert.equal((await send(body)).status, 200);
      assert.equal((await send(body.replace('CA-sha', 'CA-shb'))).status, 403);
    } finally {
      await server.close();
    }
  });
});

describe('webhook: storage unavailable', () => {
  it('503 (never 200) while another writer holds the database, then recovers', async () => {
    const server = await startTestServer({ signingKey: KEY });
    const blocker = new Database(server.dbPath);
    try {
      blocker.exec('BEGIN EXCLUSIVE');
      const response = await postForm(server, callbackFields({ CallSid: 'CA-blocked' }));
      const text = await response.text();
      assert.equal(response.status, 503);
      assert.equal((JSON.parse(text) as { code: string }).code, 'CP_ERR_STORAGE_UNAVAILABLE');
      noStackTrace(text);
      blocker.exec('ROLLBACK');
      assert.equal(scan(server.dbPath, 'SELECT 1 FROM calls WHERE call_sid = ?', 'CA-blocked').length, 0);
      assert.equal((await postForm(server, callbackFields({ CallSid: 'CA-after' }))).status, 200);
    } finally {
      blocker.close();
      await server.close();
    }
  });
});

describe('read API access', () => {
  it('with CALLPULSE_API_TOKEN, needs the bearer token', async () => {
    const server = await startTestServer({ signingKey: KEY, apiToken: 's3cret-token' });
    try {
      const url = `${server.baseUrl}/api/v1/calls/CA-x`;
      assert.equal((await fetch(url)).status, 401);
      assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      assert.equal((await fetch(url, { headers: { authorization: 'Bearer s3cret-token' } })).status, 404);
    } finally {
      await server.close();
    }
  });

  it('without a token, loopback only, and not through a trusted proxy', async () => {
    const server = await startTestServer({ signingKey: KEY, trustProxy: 'true' });
    try {
      const url = `${server.baseUrl}/api/v1/calls/CA-x`;
      assert.equal((await fetch(url)).status, 404);
      assert.equal((await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 403);
    } finally {
      await server.close();
    }
  });
});
