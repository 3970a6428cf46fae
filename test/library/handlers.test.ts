/**
 * The library's three handlers (Fastify plugin, Express middleware, Web handler under Hono), each mounted
 * in a real app on a real port, receiving form, JSON and GET callbacks signed by the independent signer:
 * the event handed over (compared with values written by hand), every refusal, the same answers as the
 * callpulse service for the same requests, and URL reconstruction behind a simulated TLS-terminating proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallStatusEvent } from '../../src/domain/call-event.js';
import type { CallbackContext, CallStatusHandlerOptions, InvalidCallback } from '../../src/library/call-status-handler.js';
import { formBody, sha256Hex, signForm, signJson, signUrl } from '../helpers/independent-signer.js';
import { FRAMEWORKS, rawPost, startLibraryApp, type LibraryApp } from '../helpers/library-apps.js';
import { callbackFields, startTestServer, WEBHOOK, type TestServer } from '../helpers/test-server.js';

const KEY = 'PSK_library_key_1';
const OLD_KEY = 'PSK_library_key_0';
const FORM = 'application/x-www-form-urlencoded';

/** What a handler handed to the app, in order. */
interface Received {
  events: CallStatusEvent[];
  contexts: CallbackContext[];
  invalid: InvalidCallback[];
  errors: unknown[];
}

function recording(overrides: Partial<CallStatusHandlerOptions> = {}): { options: CallStatusHandlerOptions; received: Received } {
  const received: Received = { events: [], contexts: [], invalid: [], errors: [] };
  const options: CallStatusHandlerOptions = {
    keys: [KEY, OLD_KEY],
    onCall(event, context) {
      received.events.push(event);
      received.contexts.push(context);
      if (event.callSid.startsWith('CA-dup')) return 'duplicate';
      if (event.callSid.startsWith('CA-throw')) throw new Error('database exploded at /srv/app/db.js:12:3');
      return undefined;
    },
    onInvalid(invalid) {
      received.invalid.push(invalid);
    },
    onError(error) {
      received.errors.push(error);
    },
    ...overrides,
  };
  return { options, received };
}

/** POSTs fields form-encoded, signed (scheme B) for `signedUrl` (default: the URL posted to). */
function postForm(url: string, fields: Record<string, string>, signedUrl = url, headers: Record<string, string> = {}, key = KEY): Promise<Response> {
  const params = Object.entries(fields);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': FORM, 'x-signalwire-signature': signForm(key, signedUrl, params), ...headers },
    body: formBody(params),
  });
}

function postJson(url: string, body: string, signedUrl = url): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signalwire-signature': signJson(KEY, signedUrl, body) }, body });
}

/** The event expected for `callbackFields(overrides)` with the default values, written out by hand. */
function expectedEvent(callSid: string, extra: Record<string, unknown> = {}): CallStatusEvent {
  return {
    callSid,
    accountSid: 'AC-project-1',
    from: '+15551230001',
    to: '+15557650002',
    fromIsE164: true,
    toIsE164: true,
    timestamp: new Date(Date.UTC(2024, 3, 4, 18, 32, 15)),
    timestampText: 'Thu, 04 Apr 2024 18:32:15 +0000',
    status: 'completed',
    durationSeconds: 42,
    mos: 4.21,
    extra,
  };
}

async function answerOf(response: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = await response.text();
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.js:\d+|\.ts:\d+/, 'no stack trace or path in an answer');
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

/** Requests that must be refused, each built for a target URL; sent to a library app and to the service alike. */
const REFUSALS: Array<{ name: string; status: number; code: string; send: (url: string) => Promise<Response> }> = [
  {
    name: 'a tampered form body (403)',
    status: 403,
    code: 'CP_ERR_SIGNATURE_INVALID',
    send: (url) => {
      const fields = callbackFields({ CallSid: 'CA-tampered' });
      const signature = signForm(KEY, url, Object.entries(fields));
      const tampered = formBody(Object.entries({ ...fields, AudioInMos: '4.99' }));
      return fetch(url, { method: 'POST', headers: { 'content-type': FORM, 'x-signalwire-signature': signature }, body: tampered });
    },
  },
  {
    name: 'a callback signed with another key (403)',
    status: 403,
    code: 'CP_ERR_SIGNATURE_INVALID',
    send: (url) => postForm(url, callbackFields({ CallSid: 'CA-other-key' }), url, {}, 'PSK_someone_else'),
  },
  {
    name: 'a callback with no signature (403)',
    status: 403,
    code: 'CP_ERR_SIGNATURE_INVALID',
    send: (url) => fetch(url, { method: 'POST', headers: { 'content-type': FORM }, body: formBody(Object.entries(callbackFields())) }),
  },
  {
    name: 'a tampered GET query (403)',
    status: 403,
    code: 'CP_ERR_SIGNATURE_INVALID',
    send: (url) => {
      const signed = `${url}?${formBody(Object.entries(callbackFields({ CallSid: 'CA-get-tampered' })))}`;
      return fetch(signed.replace('CallDuration=42', 'CallDuration=41'), { headers: { 'x-twilio-signature': signUrl(KEY, signed) } });
    },
  },
  {
    name: 'a text/plain body (415)',
    status: 415,
    code: 'CP_ERR_CONTENT_TYPE',
    send: (url) => {
      const body = formBody(Object.entries(callbackFields()));
      return fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-signalwire-signature': signJson(KEY, url, body) }, body });
    },
  },
  {
    name: 'a POST with no Content-Type (415)',
    status: 415,
    code: 'CP_ERR_CONTENT_TYPE',
    send: (url) => fetch(url, { method: 'POST', body: new Uint8Array(Buffer.from('CallSid=CA1')) }),
  },
  {
    name: 'a JSON body that is not an object (400)',
    status: 400,
    code: 'CP_ERR_BODY_UNPARSEABLE',
    send: (url) => postJson(url, '[1,2]'),
  },
  {
    name: 'a JSON body that does not parse (400)',
    status: 400,
    code: 'CP_ERR_BODY_UNPARSEABLE',
    send: (url) => postJson(url, '{"CallSid": '),
  },
  {
    name: 'a signed invalid form callback (422)',
    status: 422,
    code: 'CP_ERR_PAYLOAD_INVALID',
    send: (url) => {
      const fields = callbackFields({ CallSid: 'CA-invalid', CallStatus: 'ringing', AudioInMos: '7' });
      delete (fields as Record<string, string | undefined>).To;
      return postForm(url, fields);
    },
  },
  {
    name: 'a signed invalid JSON callback (422)',
    status: 422,
    code: 'CP_ERR_PAYLOAD_INVALID',
    send: (url) => postJson(url, JSON.stringify({ ...callbackFields({ CallSid: 'CA-invalid-json' }), CallDuration: 42 })),
  },
  {
    name: 'a body over 64 KiB, declared (413)',
    status: 413,
    code: 'CP_ERR_BODY_TOO_LARGE',
    send: (url) => postForm(url, callbackFields({ Padding: 'x'.repeat(70 * 1024) })),
  },
];

describe('library handlers answer as the service does', () => {
  let service: TestServer;
  before(async () => {
    service = await startTestServer({ signingKey: KEY });
  });
  after(() => service.close());

  for (const framework of FRAMEWORKS) {
    describe(framework, () => {
      let app: LibraryApp;
      const { options, received } = recording();
      before(async () => {
        app = await startLibraryApp(framework, options);
      });
      after(() => app.close());

      it('hands over a signed form callback as an event, with its raw fields, and answers 200 accepted', async () => {
        const fields = callbackFields({ CallSid: 'CA-form-1', Extra: 'kept' });
        const { status, body } = await answerOf(await postForm(app.webhookUrl, fields));
        assert.equal(status, 200);
        assert.deepEqual(body, { result: 'accepted', callSid: 'CA-form-1' });
        assert.deepEqual(received.events.at(-1), expectedEvent('CA-form-1', { Extra: 'kept' }));
        const context = received.contexts.at(-1)!;
        assert.equal(context.method, 'POST');
        assert.equal(context.url, app.webhookUrl);
        assert.equal(context.contentType, FORM);
        assert.deepEqual(context.raw, fields);
        assert.ok(context.receivedAt instanceof Date);
      });

      it('takes a JSON callback (scheme A) and a GET callback (fields in the query)', async () => {
        const json = JSON.stringify(callbackFields({ CallSid: 'CA-json-1', CallStatus: 'Failed ', CallDuration: '', AudioInMos: '0' }));
        assert.deepEqual((await answerOf(await postJson(app.webhookUrl, json))).body, { result: 'accepted', callSid: 'CA-json-1' });
        assert.deepEqual(received.events.at(-1), {
          ...expectedEvent('CA-json-1'), status: 'failed', durationSeconds: null, mos: null,
        });

        const url = `${app.webhookUrl}?${formBody(Object.entries(callbackFields({ CallSid: 'CA-get-1', From: 'anonymous', Timestamp: '2024-09-05T10:00:00Z' })))}`;
        const get = await answerOf(await fetch(url, { headers: { 'x-twilio-signature': signUrl(KEY, url) } }));
        assert.deepEqual(get, { status: 200, body: { result: 'accepted', callSid: 'CA-get-1' } });
        assert.deepEqual(received.events.at(-1), {
          ...expectedEvent('CA-get-1'), from: 'anonymous', fromIsE164: false,
          timestamp: new Date(Date.UTC(2024, 8, 5, 10, 0, 0)), timestampText: '2024-09-05T10:00:00Z',
        });
        assert.equal(received.contexts.at(-1)!.method, 'GET');
      });

      it('verifies with the old key during a rotation, and the bodySHA256 case', async () => {
        const rotated = await postForm(app.webhookUrl, callbackFields({ CallSid: 'CA-old-key' }), app.webhookUrl, {}, OLD_KEY);
        assert.equal(rotated.status, 200);

        const body = JSON.stringify(callbackFields({ CallSid: 'CA-sha' }));
        const url = `${app.webhookUrl}?bodySHA256=${sha256Hex(body)}`;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signalwire-signature': signUrl(KEY, url) }, body });
        assert.deepEqual(await answerOf(response), { status: 200, body: { result: 'accepted', callSid: 'CA-sha' } });
      });

      it('answers duplicate when onCall says so, and 500 without details when onCall throws', async () => {
        const duplicate = await answerOf(await postForm(app.webhookUrl, callbackFields({ CallSid: 'CA-dup-1' })));
        assert.deepEqual(duplicate, { status: 200, body: { result: 'duplicate', callSid: 'CA-dup-1' } });

        const errorsBefore = received.errors.length;
        const failed = await answerOf(await postForm(app.webhookUrl, callbackFields({ CallSid: 'CA-throw-1' })));
        assert.deepEqual(failed, { status: 500, body: { error: 'internal error; see the server log', code: 'CP_ERR_INTERNAL' } });
        assert.equal(received.errors.length, errorsBefore + 1);
        assert.match(String(received.errors.at(-1)), /database exploded/);
      });

      for (const refusal of REFUSALS) {
        it(`refuses ${refusal.name} exactly as the service does, and hands nothing over`, async () => {
          const eventsBefore = received.events.length;
          const library = await answerOf(await refusal.send(app.webhookUrl));
          const fromService = await answerOf(await refusal.send(service.webhookUrl));
          assert.equal(library.status, refusal.status);
          assert.equal(library.body.code, refusal.code);
          assert.equal(typeof library.body.error, 'string');
          assert.deepEqual(library, fromService);
          assert.equal(received.events.length, eventsBefore);
        });
      }

      it('names every broken field in the 422 and gives the invalid callback to onInvalid first', async () => {
        const invalidBefore = received.invalid.length;
        const fields = callbackFields({ CallSid: 'CA-invalid-2', CallStatus: 'ringing', AudioInMos: '7' });
        delete (fields as Record<string, string | undefined>).To;
        const { status, body } = await answerOf(await postForm(app.webhookUrl, fields));
        assert.equal(status, 422);
        assert.deepEqual(
          (body.details as Array<{ field: string }>).map((problem) => problem.field).sort(),
          ['AudioInMos', 'CallStatus', 'To'],
        );
        assert.equal(received.invalid.length, invalidBefore + 1);
        const invalid = received.invalid.at(-1)!;
        assert.deepEqual(invalid.raw, fields);
        assert.deepEqual(invalid.problems, body.details);
        assert.equal(invalid.url, app.webhookUrl);
      });

      it('413 on a chunked body that grows over the limit while it is read', async () => {
        const answer = await rawPost(app.webhookUrl, ['CallSid=CA-big&Pad=', 'x'.repeat(40 * 1024), 'y'.repeat(40 * 1024)], { 'content-type': FORM });
        assert.equal(answer.status, 413);
        assert.deepEqual(JSON.parse(answer.body), { error: 'the request body is over the 64 KiB limit', code: 'CP_ERR_BODY_TOO_LARGE' });
      });

      it('leaves the app\'s other routes and their body parsing alone', async () => {
        const response = await fetch(`${app.baseUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { echo: { a: 1 } });
      });
    });
  }
});

describe('library handlers behind a TLS-terminating proxy', () => {
  const PUBLIC = 'https://calls.example.com';
  const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'calls.example.com' };

  for (const framework of FRAMEWORKS) {
    describe(framework, () => {
      let trusting: LibraryApp;
      let distrusting: LibraryApp;
      let withPublicUrl: LibraryApp;
      before(async () => {
        trusting = await startLibraryApp(framework, recording({ trustProxy: true }).options);
        distrusting = await startLibraryApp(framework, recording({ trustProxy: false }).options);
        withPublicUrl = await startLibraryApp(framework, recording({ publicUrl: `${PUBLIC}/hooks/` }).options);
      });
      after(async () => {
        await trusting.close();
        await distrusting.close();
        await withPublicUrl.close();
      });

      it('with trustProxy on, checks the URL SignalWire called (X-Forwarded-Proto and -Host)', async () => {
        const publicUrl = PUBLIC + WEBHOOK;
        const form = await postForm(trusting.webhookUrl, callbackFields({ CallSid: 'CA-proxy-form' }), publicUrl, proxied);
        assert.equal(form.status, 200);
        const body = JSON.stringify(callbackFields({ CallSid: 'CA-proxy-json' }));
        const json = await fetch(trusting.webhookUrl, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-signalwire-signature': signJson(KEY, publicUrl, body), ...proxied }, body,
        });
        assert.equal(json.status, 200);
        const query = formBody(Object.entries(callbackFields({ CallSid: 'CA-proxy-get' })));
        const get = await fetch(`${trusting.webhookUrl}?${query}`, { headers: { 'x-signalwire-signature': signUrl(KEY, `${publicUrl}?${query}`), ...proxied } });
        assert.equal(get.status, 200);
        // the default port of the scheme may be written or not
        const withPort = await postForm(trusting.webhookUrl, callbackFields({ CallSid: 'CA-proxy-443' }), `https://calls.example.com:443${WEBHOOK}`, proxied);
        assert.equal(withPort.status, 200);
      });

      it('with trustProxy off, ignores X-Forwarded-* headers: the public URL fails, the URL seen passes', async () => {
        const publicSigned = await answerOf(await postForm(distrusting.webhookUrl, callbackFields(), PUBLIC + WEBHOOK, proxied));
        assert.equal(publicSigned.status, 403);
        assert.equal(publicSigned.body.code, 'CP_ERR_SIGNATURE_INVALID');
        const localSigned = await postForm(distrusting.webhookUrl, callbackFields({ CallSid: 'CA-local' }), distrusting.webhookUrl, proxied);
        assert.equal(localSigned.status, 200);
      });

      it('with publicUrl set, checks that origin and path prefix plus the path, whatever the headers say', async () => {
        const signedFor = `${PUBLIC}/hooks${WEBHOOK}`;
        const ok = await postForm(withPublicUrl.webhookUrl, callbackFields({ CallSid: 'CA-public' }), signedFor, { 'x-forwarded-host': 'evil.example.net' });
        assert.equal(ok.status, 200);
        const local = await postForm(withPublicUrl.webhookUrl, callbackFields({ CallSid: 'CA-public-2' }));
        assert.equal(local.status, 403);
      });
    });
  }
});

describe('library handler options', () => {
  for (const framework of FRAMEWORKS) {
    it(`${framework}: keys by project: 403 CP_ERR_PROJECT_UNKNOWN for an unknown AccountSid, the project's key verifies`, async () => {
      const projectKeys: Record<string, string> = { 'AC-main': 'PSK_main', 'AC-support': 'PSK_support' };
      const app = await startLibraryApp(framework, recording({ keys: (accountSid) => (accountSid === undefined ? null : projectKeys[accountSid]) }).options);
      try {
        const own = await postForm(app.webhookUrl, callbackFields({ AccountSid: 'AC-support' }), app.webhookUrl, {}, 'PSK_support');
        assert.equal(own.status, 200);
        const crossed = await answerOf(await postForm(app.webhookUrl, callbackFields({ AccountSid: 'AC-support' }), app.webhookUrl, {}, 'PSK_main'));
        assert.equal(crossed.body.code, 'CP_ERR_SIGNATURE_INVALID');
        const unknown = await answerOf(await postForm(app.webhookUrl, callbackFields({ AccountSid: 'AC-nobody' }), app.webhookUrl, {}, 'PSK_main'));
        assert.deepEqual(unknown, { status: 403, body: { error: 'no signing key is configured for this AccountSid', code: 'CP_ERR_PROJECT_UNKNOWN' } });
      } finally {
        await app.close();
      }
    });

    it(`${framework}: a smaller bodyLimit is enforced and named in the answer`, async () => {
      const app = await startLibraryApp(framework, recording({ bodyLimit: 2048 }).options);
      try {
        const fits = await postForm(app.webhookUrl, callbackFields({ CallSid: 'CA-fits' }));
        assert.equal(fits.status, 200);
        const over = await answerOf(await postForm(app.webhookUrl, callbackFields({ Padding: 'x'.repeat(2100) })));
        assert.deepEqual(over, { status: 413, body: { error: 'the request body is over the 2 KiB limit', code: 'CP_ERR_BODY_TOO_LARGE' } });
      } finally {
        await app.close();
      }
    });
  }
});
