/**
 * The framework-free handler and the public entry's pure functions: option checks that fail at start-up
 * with a message naming the option, 405, keys given every way, Uint8Array bodies, the parser on anything,
 * and the Express middleware next to Express's own body parsers. Signatures come from the independent signer.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { describe, it } from 'node:test';
import express from 'express';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { createCallStatusHandler, type CallStatusHandlerOptions } from '../../src/library/call-status-handler.js';
import { callStatusMiddleware } from '../../src/library/express.js';
import { createWebHandler } from '../../src/library/web-handler.js';
import { signatureOf, signSignalWireRequest, verifySignalWireSignature } from '../../src/signature/verify.js';
import { formBody, signForm, signJson, signUrl } from '../helpers/independent-signer.js';
import { callbackFields, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'PSK_core_key';
const URL_SEEN = 'https://calls.example.com/webhooks/signalwire/call-status';
const FORM = 'application/x-www-form-urlencoded';
const noop = (): undefined => undefined;

function formRequest(fields: Record<string, string>, key = KEY): { method: string; url: string; contentType: string; rawBody: Uint8Array; signature: string } {
  const params = Object.entries(fields);
  return { method: 'POST', url: URL_SEEN, contentType: FORM, rawBody: new TextEncoder().encode(formBody(params)), signature: signForm(key, URL_SEEN, params) };
}

describe('createCallStatusHandler: options are checked when the handler is created', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no options', undefined, /options are required/],
    ['no keys', { onCall: noop }, /keys is required/],
    ['an empty key list', { keys: [], onCall: noop }, /keys must be a signing key or a non-empty list/],
    ['an empty key', { keys: ['PSK_a', ''], onCall: noop }, /keys\[1\] must be a non-empty string/],
    ['a key that is a number', { keys: 42, onCall: noop }, /keys must be a signing key/],
    ['no onCall', { keys: KEY }, /onCall must be a function/],
    ['a publicUrl with a query', { keys: KEY, onCall: noop, publicUrl: 'https://a.example.com/?x=1' }, /publicUrl must be an http\(s\) origin/],
    ['a publicUrl that is not http', { keys: KEY, onCall: noop, publicUrl: 'ftp://a.example.com' }, /publicUrl must be an http\(s\) origin/],
    ['a bodyLimit of 0', { keys: KEY, onCall: noop, bodyLimit: 0 }, /bodyLimit must be a whole number of bytes/],
    ['a bodyLimit of 1.5', { keys: KEY, onCall: noop, bodyLimit: 1.5 }, /bodyLimit must be a whole number of bytes/],
  ];
  for (const [name, options, message] of cases) {
    it(`throws a TypeError for ${name}`, () => {
      assert.throws(() => createCallStatusHandler(options as CallStatusHandlerOptions), (error: unknown) => error instanceof TypeError && message.test(error.message));
      assert.throws(() => createWebHandler(options as CallStatusHandlerOptions), TypeError);
      assert.throws(() => callStatusMiddleware(options as CallStatusHandlerOptions), TypeError);
    });
  }
});

describe('createCallStatusHandler: answers', () => {
  it('takes one key as a string, a Uint8Array body, and hands over the event', async () => {
    const events: string[] = [];
    const handler = createCallStatusHandler({ keys: KEY, onCall: (event) => void events.push(event.callSid) });
    const answer = await handler.handle(formRequest(callbackFields({ CallSid: 'CA-core-1' })));
    assert.deepEqual(answer, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { result: 'accepted', callSid: 'CA-core-1' } });
    assert.deepEqual(events, ['CA-core-1']);
  });

  it('takes a string body; never throws, even on a request that is not one (500, told to onError)', async () => {
    const seen: unknown[] = [];
    const handler = createCallStatusHandler({ keys: KEY, onCall: noop, onError: (error) => seen.push(error) });
    const request = formRequest(callbackFields({ CallSid: 'CA-core-string' }));
    const fromString = await handler.handle({ ...request, rawBody: new TextDecoder().decode(request.rawBody) });
    assert.deepEqual(fromString.body, { result: 'accepted', callSid: 'CA-core-string' });
    const broken = await handler.handle(null as never);
    assert.deepEqual([broken.status, broken.body], [500, { error: 'internal error; see the server log', code: 'CP_ERR_INTERNAL' }]);
    assert.equal(seen.length, 1);
  });

  it('405 with Allow for methods other than GET and POST, before anything else', async () => {
    let called = false;
    const handler = createCallStatusHandler({ keys: KEY, onCall: () => void (called = true) });
    for (const method of ['PUT', 'DELETE', 'PATCH', 'HEAD']) {
      const answer = await handler.handle({ ...formRequest(callbackFields()), method });
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.allow, 'GET, POST');
      assert.deepEqual(answer.body, { error: `${method} is not allowed; callbacks come as POST or GET`, code: 'CP_ERR_METHOD_NOT_ALLOWED' });
    }
    assert.equal(handler.acceptsMethod('GET') && handler.acceptsMethod('POST') && !handler.acceptsMethod('PUT'), true);
    assert.equal(called, false);
  });

  it('413 with Connection: close when a body handed in is over the limit', async () => {
    const handler = createCallStatusHandler({ keys: KEY, onCall: noop, bodyLimit: 100 });
    const answer = await handler.handle(formRequest(callbackFields()));
    assert.deepEqual(answer, {
      status: 413,
      headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
      body: { error: 'the request body is over the 100-byte limit', code: 'CP_ERR_BODY_TOO_LARGE' },
    });
    assert.deepEqual(handler.tooLarge(), answer);
  });

  it('a thrown callpulse error keeps its status (503 from a storage sink); onInvalid failing gives 500', async () => {
    const { storageUnavailable } = await import('../../src/domain/errors.js');
    const seen: unknown[] = [];
    const handler = createCallStatusHandler({
      keys: KEY,
      onCall: () => {
        throw storageUnavailable('the call was not stored; the sender may retry');
      },
      onInvalid: () => Promise.reject(new Error('quarantine is full')),
      onError: (error) => seen.push(error),
    });
    const stored = await handler.handle(formRequest(callbackFields()));
    assert.equal(stored.status, 503);
    assert.deepEqual(stored.body, { error: 'storage could not commit: the call was not stored; the sender may retry', code: 'CP_ERR_STORAGE_UNAVAILABLE' });
    const invalid = await handler.handle(formRequest(callbackFields({ CallStatus: 'ringing' })));
    assert.deepEqual(invalid.body, { error: 'internal error; see the server log', code: 'CP_ERR_INTERNAL' });
    assert.equal(seen.length, 2);
  });

  it('urlOf follows publicUrl, then trustProxy, then the Host header and the connection', () => {
    const plain = createCallStatusHandler({ keys: KEY, onCall: noop });
    const headers = { host: '127.0.0.1:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'calls.example.com, inner.local' };
    assert.equal(plain.urlOf('/a?b=1', headers), 'http://127.0.0.1:8080/a?b=1');
    assert.equal(plain.urlOf('/a', headers, true), 'https://127.0.0.1:8080/a');
    const trusting = createCallStatusHandler({ keys: KEY, onCall: noop, trustProxy: true });
    assert.equal(trusting.urlOf('/a?b=1', headers), 'https://calls.example.com/a?b=1');
    const configured = createCallStatusHandler({ keys: KEY, onCall: noop, trustProxy: true, publicUrl: 'https://cp.example.com/prefix/' });
    assert.equal(configured.urlOf('/a?b=1', headers), 'https://cp.example.com/prefix/a?b=1');
  });
});

describe('public functions', () => {
  it('verifySignalWireSignature takes the object form with one key or several, and string or byte bodies', () => {
    const body = JSON.stringify(callbackFields());
    const signature = signJson(KEY, URL_SEEN, body);
    for (const rawBody of [body, new TextEncoder().encode(body), Buffer.from(body)]) {
      assert.equal(verifySignalWireSignature({ url: URL_SEEN, rawBody, contentType: 'application/json', signature, keys: KEY }), true);
      assert.equal(verifySignalWireSignature({ url: URL_SEEN, rawBody, contentType: 'application/json', signature, keys: ['PSK_other', KEY] }), true);
      assert.equal(verifySignalWireSignature({ url: URL_SEEN, rawBody, contentType: 'application/json', signature, keys: ['PSK_other'] }), false);
    }
    const sliced = new TextEncoder().encode(`xx${body}yy`).subarray(2, 2 + Buffer.byteLength(body));
    assert.equal(verifySignalWireSignature({ url: URL_SEEN, rawBody: sliced, contentType: 'application/json', signature, keys: KEY }), true);
  });

  it('signSignalWireRequest signs as the independent signer does, both schemes', () => {
    const params = Object.entries(callbackFields());
    assert.equal(signSignalWireRequest({ url: URL_SEEN, rawBody: formBody(params), contentType: FORM, key: KEY }), signForm(KEY, URL_SEEN, params));
    const json = JSON.stringify(callbackFields());
    assert.equal(signSignalWireRequest({ url: URL_SEEN, rawBody: json, contentType: 'application/json', key: KEY }), signJson(KEY, URL_SEEN, json));
    assert.equal(signSignalWireRequest({ url: `${URL_SEEN}?a=1`, rawBody: '', key: KEY }), signUrl(KEY, `${URL_SEEN}?a=1`));
  });

  it('signatureOf prefers X-SignalWire-Signature, then X-Twilio-Signature, first of repeated values', () => {
    assert.equal(signatureOf({ 'x-signalwire-signature': 'a', 'x-twilio-signature': 'b' }), 'a');
    assert.equal(signatureOf({ 'x-twilio-signature': 'b' }), 'b');
    assert.equal(signatureOf({ 'x-signalwire-signature': ['c', 'd'] }), 'c');
    assert.equal(signatureOf({}), undefined);
  });

  it('parseIncomingCallStatus never throws, whatever it is given', () => {
    for (const input of [undefined, null, 42, 'CallSid=1', [], [callbackFields()], new Date()]) {
      const result = parseIncomingCallStatus(input);
      assert.equal(result.ok, false);
    }
    assert.deepEqual(parseIncomingCallStatus('x'), { ok: false, problems: [{ field: '(body)', message: 'must be an object of callback fields' }] });
    const missing = parseIncomingCallStatus({});
    assert.equal(missing.ok, false);
    assert.deepEqual(!missing.ok && missing.problems.map((p) => p.field), ['CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos']);
  });
});

describe('Express middleware next to Express body parsers', () => {
  async function listen(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('takes the Buffer of express.raw() in front of it', async () => {
    const app = express();
    app.post(WEBHOOK, express.raw({ type: () => true }), callStatusMiddleware({ keys: KEY, onCall: noop }));
    const { url, close } = await listen(app);
    try {
      const params = Object.entries(callbackFields({ CallSid: 'CA-raw' }));
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, 'x-signalwire-signature': signForm(KEY, url, params) }, body: formBody(params) });
      assert.deepEqual(await response.json(), { result: 'accepted', callSid: 'CA-raw' });
    } finally {
      await close();
    }
  });

  it('after express.urlencoded() has read the body: 500 to the sender, and onError says what to change', async () => {
    const errors: unknown[] = [];
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post(WEBHOOK, callStatusMiddleware({ keys: KEY, onCall: noop, onError: (error) => errors.push(error) }));
    const { url, close } = await listen(app);
    try {
      const params = Object.entries(callbackFields());
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, 'x-signalwire-signature': signForm(KEY, url, params) }, body: formBody(params) });
      assert.equal(response.status, 500);
      assert.deepEqual(await response.json(), { error: 'internal error; see the server log', code: 'CP_ERR_INTERNAL' });
      assert.equal(errors.length, 1);
      assert.match((errors[0] as Error).message, /already read by another middleware.*mount callStatusMiddleware before them/);
    } finally {
      await close();
    }
  });
});
