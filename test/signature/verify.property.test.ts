/**
 * Property tests for verifySignalWireSignature. Every signature comes from the independent signer in
 * test/helpers: (c) whatever it signs verifies (both schemes, GET, bodySHA256, key rotation, default
 * ports, random order of distinct names, unicode, repeated names); (d) one flipped byte of the body,
 * the URL or the signature is refused; and arbitrary inputs never make it throw.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { verifySignalWireSignature, type VerifyInput } from '../../src/signature/verify.js';
import { formBody, sha256Hex, signForm, signJson, signUrl } from '../helpers/independent-signer.js';

const RUNS = 250;
const FORM_TYPES = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'Application/X-WWW-Form-Urlencoded'];
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];

// ---------------------------------------------------------------------------------------------
// Generators.

const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
/** Several distinct keys (rotation) and the index of the one that signs. */
const keyRing = fc.uniqueArray(key, { minLength: 1, maxLength: 4 }).chain((keys) => fc.record({ keys: fc.constant(keys), signer: fc.nat({ max: keys.length - 1 }) }));

/** ASCII URLs with query strings (percent-encoded unicode included), with or without a port. */
const asciiUrl = fc.webUrl({ withQueryParameters: true, authoritySettings: { withPort: true } });
/** The same, sometimes with raw unicode appended to the query (no '#': request URLs carry no fragment). */
const anyUrl = fc.oneof(
  asciiUrl,
  fc.tuple(asciiUrl, fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('#'))).map(
    ([url, extra]) => `${url}${url.includes('?') ? '&' : '?'}u=${extra}`,
  ),
);

const paramName = fc.oneof(
  fc.constantFrom('CallSid', 'AccountSid', 'From', 'To', 'Timestamp', 'CallStatus', 'CallDuration', 'AudioInMos', 'Digits', 'a', 'A', 'AB', 'b'),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const paramValue = fc.oneof(
  fc.constantFrom('', 'completed', '+15551234567', 'Thu, 04 Apr 2024 18:32:15 +0000', '4.3', 'a&b=c', '100%', 'x+y'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const params = fc.array(fc.tuple(paramName, paramValue), { maxLength: 12 });

/** Reorders pairs at random while each repeated name keeps its own values' relative order. */
function reorderDistinctNames(pairs: Array<[string, string]>, seed: number[]): Array<[string, string]> {
  const rank = new Map<string, number>();
  for (const [name] of pairs) if (!rank.has(name)) rank.set(name, seed[rank.size % seed.length] ?? 0);
  return pairs
    .map((pair, index) => ({ pair, index }))
    .sort((a, b) => rank.get(a.pair[0])! - rank.get(b.pair[0])! || a.index - b.index)
    .map(({ pair }) => pair);
}

const jsonBody = fc.oneof(
  fc.dictionary(paramName, paramValue).map((object) => JSON.stringify(object)),
  fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** A request as SignalWire would send it, signed by the independent signer. */
interface Signed {
  kind: 'A' | 'B-form' | 'B-get' | 'B-bodySHA256';
  url: string;
  body: string;
  contentType: string | undefined;
  signature: string;
  keys: string[];
}

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

function signedRequest(urls: fc.Arbitrary<string>): fc.Arbitrary<Signed> {
  const schemeA = fc.record({ url: urls, body: jsonBody, contentType: fc.constantFrom(...JSON_TYPES), ring: keyRing }).map(
    ({ url, body, contentType, ring }): Signed => ({
      kind: 'A', url, body, contentType, keys: ring.keys, signature: signJson(ring.keys[ring.signer]!, url, body),
    }),
  );
  const schemeBForm = fc
    .record({ url: urls, pairs: params, seed: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), contentType: fc.constantFrom(...FORM_TYPES), ring: keyRing })
    .map(({ url, pairs, seed, contentType, ring }): Signed => ({
      kind: 'B-form',
      url,
      // Submitted in one order, signed in another (distinct names move, repeated names keep their order).
      body: formBody(reorderDistinctNames(pairs, seed)),
      contentType,
      keys: ring.keys,
      signature: signForm(ring.keys[ring.signer]!, url, pairs),
    }));
  const schemeBGet = fc.record({ url: urls, ring: keyRing }).map(
    ({ url, ring }): Signed => ({ kind: 'B-get', url, body: '', contentType: undefined, keys: ring.keys, signature: signUrl(ring.keys[ring.signer]!, url) }),
  );
  const bodySha = fc.record({ url: urls, body: jsonBody, contentType: fc.constantFrom(...JSON_TYPES, ...FORM_TYPES), ring: keyRing }).map(
    ({ url, body, contentType, ring }): Signed => {
      const signedUrl = withQuery(url, `bodySHA256=${sha256Hex(body)}`);
      return { kind: 'B-bodySHA256', url: signedUrl, body, contentType, keys: ring.keys, signature: signUrl(ring.keys[ring.signer]!, signedUrl) };
    },
  );
  return fc.oneof(schemeA, schemeBForm, schemeBGet, bodySha);
}

function inputOf(request: Signed, asBuffer: boolean): VerifyInput {
  return {
    url: request.url,
    rawBody: asBuffer ? Buffer.from(request.body, 'utf8') : request.body,
    contentType: request.contentType,
    signature: request.signature,
    keys: request.keys,
  };
}

/** `url` with the scheme's default port added (when it has no port) or removed (when it has it). */
function otherDefaultPortForm(url: string): string | null {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/.exec(url);
  if (!match) return null;
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const port = scheme === 'https' ? ':443' : ':80';
  if (authority.endsWith(port)) return `${scheme}://${authority.slice(0, -port.length)}${rest}`;
  if (/:\d+$/.test(authority)) return null;
  return `${scheme}://${authority}${port}${rest}`;
}

/** Scheme B's meaning of a form body: its decoded pairs, as a WHATWG form parser reads them. */
function formPairsOf(bytes: Buffer): Array<[string, string]> {
  return [...new URLSearchParams(bytes.toString('utf8'))];
}

// ---------------------------------------------------------------------------------------------

describe('(c) whatever the independent signer signs verifies', () => {
  test('both schemes, GET and bodySHA256; random URLs, params, order, unicode and keys', () => {
    fc.assert(
      fc.property(signedRequest(anyUrl), fc.boolean(), (request, asBuffer) => {
        assert.equal(verifySignalWireSignature(inputOf(request, asBuffer)), true, request.kind);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test('the same requests verify with the default port added or removed from the URL', () => {
    fc.assert(
      fc.property(signedRequest(fc.webUrl({ withQueryParameters: true })), fc.boolean(), (request, addPortWhenSigning) => {
        const other = otherDefaultPortForm(request.url);
        fc.pre(other !== null);
        // Re-sign for the variant when the signer is the one that saw the port (both directions).
        const signedUrl = addPortWhenSigning ? other : request.url;
        const receivedUrl = addPortWhenSigning ? request.url : other;
        const signingKey = request.keys[0]!;
        let signature: string;
        const bodyBytes = Buffer.from(request.body, 'utf8');
        if (request.kind === 'A') signature = signJson(signingKey, signedUrl, request.body);
        else if (request.kind === 'B-form') signature = signForm(signingKey, signedUrl, formPairsOf(bodyBytes));
        else signature = signUrl(signingKey, signedUrl);
        assert.equal(
          verifySignalWireSignature({ url: receivedUrl, rawBody: bodyBytes, contentType: request.contentType, signature, keys: request.keys }),
          true,
          `${request.kind}: signed ${signedUrl}, received ${receivedUrl}`,
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('a key outside the ring never verifies', () => {
    fc.assert(
      fc.property(signedRequest(anyUrl), key, (request, outsider) => {
        fc.pre(!request.keys.includes(outsider));
        assert.equal(verifySignalWireSignature({ ...inputOf(request, true), keys: [outsider] }), false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('(d) one flipped byte is refused', () => {
  const flip = fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });

  test('a flipped body byte (Scheme A, bodySHA256: always; Scheme B form: whenever the decoded params change)', () => {
    fc.assert(
      fc.property(signedRequest(anyUrl), flip, (request, { at, mask }) => {
        const bytes = Buffer.from(request.body, 'utf8');
        fc.pre(bytes.length > 0);
        const flipped = Buffer.from(bytes);
        const index = at % flipped.length;
        flipped[index] = flipped[index]! ^ mask;
        if (request.kind === 'B-form') {
          // Scheme B signs decoded parameters, not bytes: "%2b" and "%2B" (one bit apart) mean the same.
          const meaningUnchanged = signForm(request.keys[0]!, request.url, formPairsOf(flipped)) === signForm(request.keys[0]!, request.url, formPairsOf(bytes));
          fc.pre(!meaningUnchanged);
        }
        const input = { ...inputOf(request, true), rawBody: flipped };
        assert.equal(verifySignalWireSignature(input), false, `${request.kind}: byte ${index} ^ ${mask}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test('a flipped URL byte', () => {
    fc.assert(
      fc.property(signedRequest(asciiUrl), flip, fc.boolean(), (request, { at, mask }, asBuffer) => {
        const index = at % request.url.length;
        const code = request.url.charCodeAt(index) ^ (mask & 0x7f || 1);
        const url = request.url.slice(0, index) + String.fromCharCode(code) + request.url.slice(index + 1);
        assert.equal(verifySignalWireSignature({ ...inputOf(request, asBuffer), url }), false, `${request.kind}: ${url}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test('a flipped signature byte', () => {
    fc.assert(
      fc.property(signedRequest(anyUrl), flip, fc.boolean(), (request, { at, mask }, asBuffer) => {
        const index = at % request.signature.length;
        const code = request.signature.charCodeAt(index) ^ (mask & 0x7f || 1);
        const signature = request.signature.slice(0, index) + String.fromCharCode(code) + request.signature.slice(index + 1);
        assert.equal(verifySignalWireSignature({ ...inputOf(request, asBuffer), signature }), false, `${request.kind}: ${signature}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('never throws on arbitrary inputs', () => {
  test('arbitrary URLs, bodies, content types, signatures and keys give a boolean', () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)); // lone surrogates included
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyUnit }));
    const signature = fc.option(
      fc.oneof(
        text,
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }),
        fc.base64String({ minLength: 28, maxLength: 28 }),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.oneof(text, anyUrl),
        fc.oneof(text, fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))),
        fc.option(fc.oneof(fc.constantFrom(...FORM_TYPES, ...JSON_TYPES), text), { nil: undefined }),
        signature,
        fc.array(fc.oneof(text, fc.constant('')), { maxLength: 3 }),
        (url, rawBody, contentType, sig, keys) => {
          const result = verifySignalWireSignature({ url, rawBody, contentType, signature: sig, keys });
          assert.equal(typeof result, 'boolean');
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  test('a signed request with its signature replaced by arbitrary text is refused', () => {
    fc.assert(
      fc.property(signedRequest(anyUrl), fc.oneof(fc.string({ unit: 'binary' }), fc.base64String({ minLength: 28, maxLength: 28 })), (request, signature) => {
        fc.pre(signature !== request.signature);
        assert.equal(verifySignalWireSignature({ ...inputOf(request, true), signature }), false);
      }),
      { numRuns: RUNS },
    );
  });
});
