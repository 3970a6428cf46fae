/**
 * Example-based tests for verifySignalWireSignature. Expected signatures come from the independent
 * signer in test/helpers (or from fixed vectors computed outside Node with openssl), never from
 * src/signature's own signing function alone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  portVariants,
  signSignalWireRequest,
  sortedParamsText,
  verifySignalWireSignature,
  type VerifyInput,
} from '../../src/signature/verify.js';
import { formBody, sha256Hex, signForm, signJson, signUrl } from '../helpers/independent-signer.js';

const KEY = 'PSK_3b9f0c1e7d2a4f68a1c5e9b0d7f3a2c4';
const OLD_KEY = 'PSK_old_7e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b';
const OTHER_KEY = 'PSK_someone_else';
const URL = 'https://callpulse.example.com/webhooks/signalwire/status?tenant=acme';
const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

const PARAMS: Array<[string, string]> = [
  ['CallSid', 'CA7b1c2d3e-0000-4000-8000-000000000001'],
  ['AccountSid', 'AC0f1e2d3c-0000-4000-8000-000000000002'],
  ['From', '+15551234567'],
  ['To', '+15557654321'],
  ['Timestamp', 'Thu, 04 Apr 2024 18:32:15 +0000'],
  ['CallStatus', 'completed'],
  ['CallDuration', '42'],
  ['AudioInMos', '4.3'],
];
const JSON_BODY = JSON.stringify(Object.fromEntries(PARAMS));
const FORM_BODY = formBody(PARAMS);

function verify(input: Partial<VerifyInput> & Pick<VerifyInput, 'signature'>): boolean {
  return verifySignalWireSignature({ url: URL, rawBody: '', keys: [KEY], ...input });
}

/** Replaces the character at `index` with a different one of the same class. */
function flipChar(text: string, index: number): string {
  const c = text[index]!;
  const replacement = c === 'a' ? 'b' : c === 'A' ? 'B' : c === '0' ? '1' : /[0-9]/.test(c) ? '0' : /[a-z]/.test(c) ? 'a' : /[A-Z]/.test(c) ? 'A' : c === '+' ? '/' : 'x';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('fixed vectors (computed with openssl, not Node)', () => {
  test('Scheme B: Twilio\'s published example (token 12345) verifies', () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params: Array<[string, string]> = [
      ['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675309'], ['Digits', '1234'], ['From', '+14158675309'], ['To', '+18005551212'],
    ];
    // Submitted out of order on purpose: the signature covers the parameters sorted by name.
    const body = formBody([params[4]!, params[2]!, params[0]!, params[3]!, params[1]!]);
    assert.equal(signForm('12345', url, params), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    assert.equal(
      verifySignalWireSignature({ url, rawBody: body, contentType: FORM_TYPE, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', keys: ['12345'] }),
      true,
    );
  });

  const url = 'https://callpulse.example.com/hooks/status';
  const body = '{"CallSid":"CA1","CallStatus":"completed"}';

  test('Scheme A: lowercase hex HMAC-SHA1 over url + raw body', () => {
    // printf '%s' "$url$body" | openssl dgst -sha1 -hmac PSK_known_answer
    const signature = '78fcee8b08d6972295648d578a628457b7887f60';
    assert.equal(signJson('PSK_known_answer', url, body), signature);
    assert.equal(verifySignalWireSignature({ url, rawBody: body, contentType: JSON_TYPE, signature, keys: ['PSK_known_answer'] }), true);
  });

  test('bodySHA256: base64 HMAC over the URL alone, SHA-256 of the body in the URL', () => {
    // printf '%s' "$body" | openssl dgst -sha256 ; printf '%s' "$url?bodySHA256=..." | openssl dgst -sha1 -hmac ... -binary | base64
    const hash = 'a0a5adcb584e9811c4ee5f334feef749f008b3b108d62d5addee051f9731b526';
    assert.equal(sha256Hex(body), hash);
    const signedUrl = `${url}?bodySHA256=${hash}`;
    const signature = 'YscoRNz3h6NXjPPwrROAOAAHtUw=';
    assert.equal(
      verifySignalWireSignature({ url: signedUrl, rawBody: body, contentType: JSON_TYPE, signature, keys: ['PSK_known_answer'] }),
      true,
    );
  });

  test('GET: base64 HMAC over the URL alone', () => {
    const getUrl = 'https://callpulse.example.com/hooks/status?CallSid=CA1&CallStatus=failed';
    const signature = 'x9CmEHSyN6WzR+XdGYXGMcBAdO0=';
    assert.equal(verifySignalWireSignature({ url: getUrl, rawBody: '', signature, keys: ['PSK_known_answer'] }), true);
    assert.equal(verifySignalWireSignature({ url: getUrl, rawBody: Buffer.alloc(0), signature, keys: ['PSK_known_answer'] }), true);
  });
});

describe('Scheme A (JSON): hex HMAC-SHA1(key, url + raw body)', () => {
  const signature = signJson(KEY, URL, JSON_BODY);

  test('a correctly signed JSON body verifies (string and Buffer bodies)', () => {
    assert.match(signature, /^[0-9a-f]{40}$/);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), true);
    assert.equal(verify({ rawBody: Buffer.from(JSON_BODY), contentType: JSON_TYPE, signature }), true);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: 'application/json; charset=utf-8', signature }), true);
  });

  test('a JSON body with non-ASCII text is signed over its UTF-8 bytes', () => {
    const body = JSON.stringify({ ...Object.fromEntries(PARAMS), CallerName: 'Jürgen Ø 電話 📞' });
    assert.equal(verify({ rawBody: Buffer.from(body, 'utf8'), contentType: JSON_TYPE, signature: signJson(KEY, URL, body) }), true);
  });

  test('the raw bytes count: the same object re-serialised does not verify', () => {
    const reformatted = JSON.stringify(JSON.parse(JSON_BODY), null, 2);
    assert.equal(verify({ rawBody: reformatted, contentType: JSON_TYPE, signature }), false);
  });

  test('a tampered body does not verify', () => {
    for (const tampered of [JSON_BODY.replace('"42"', '"43"'), JSON_BODY.replace('completed', 'failed'), `${JSON_BODY} `, JSON_BODY.slice(0, -1), '']) {
      assert.equal(verify({ rawBody: tampered, contentType: JSON_TYPE, signature }), false, tampered);
    }
  });

  test('a tampered URL does not verify', () => {
    for (const url of [
      URL.replace('acme', 'acmf'),
      URL.replace('https:', 'http:'),
      URL.replace('status', 'Status'),
      URL.replace('?tenant=acme', ''),
      `${URL}&x=1`,
      'https://evil.example.com/webhooks/signalwire/status?tenant=acme',
    ]) {
      assert.equal(verify({ url, rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), false, url);
    }
  });

  test('a wrong key does not verify', () => {
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature, keys: [OTHER_KEY] }), false);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signJson(OTHER_KEY, URL, JSON_BODY) }), false);
  });

  test('a base64 signature of the same bytes does not pass as Scheme A', () => {
    const base64 = Buffer.from(signature, 'hex').toString('base64');
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: base64 }), false);
  });

  test('each single flipped character of the signature is refused', () => {
    for (let i = 0; i < signature.length; i += 1) {
      assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: flipChar(signature, i) }), false, `index ${i}`);
    }
  });

  test('a truncated or extended signature is refused', () => {
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signature.slice(0, -1) }), false);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: `${signature}0` }), false);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: `${signature}${signature}` }), false);
  });
});

describe('Scheme B (form): base64 HMAC-SHA1(key, url + params sorted by name)', () => {
  const signature = signForm(KEY, URL, PARAMS);

  test('a correctly signed form body verifies', () => {
    assert.match(signature, /^[A-Za-z0-9+/]{27}=$/);
    assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature }), true);
    assert.equal(verify({ rawBody: Buffer.from(FORM_BODY), contentType: `${FORM_TYPE}; charset=UTF-8`, signature }), true);
  });

  test('the submission order of distinct names does not matter', () => {
    const reversed = formBody([...PARAMS].reverse());
    assert.equal(verify({ rawBody: reversed, contentType: FORM_TYPE, signature }), true);
  });

  test('the signed text is the decoded values (spaces written as + or %20 alike)', () => {
    const withPercent20 = FORM_BODY.replace(/\+(?=04)/, '%20');
    assert.notEqual(withPercent20, FORM_BODY);
    assert.equal(verify({ rawBody: withPercent20, contentType: FORM_TYPE, signature }), true);
  });

  test('names sort by code unit, uppercase before lowercase, and by name only (not name + value)', () => {
    // By name: "A" < "AB" -> "Az" + "AB1". Sorting the joined strings instead would give "AB1Az".
    const params: Array<[string, string]> = [['b', '1'], ['AB', '1'], ['a', '2'], ['A', 'z'], ['B', '3']];
    const good = signForm(KEY, URL, params);
    const sortedByJoined = signUrl(KEY, `${URL}AB1AzB3a2b1`);
    const expected = signUrl(KEY, `${URL}AzAB1B3a2b1`);
    assert.equal(good, expected);
    assert.equal(verify({ rawBody: formBody(params), contentType: FORM_TYPE, signature: good }), true);
    assert.equal(verify({ rawBody: formBody(params), contentType: FORM_TYPE, signature: sortedByJoined }), false);
  });

  test('a repeated name keeps its submission order', () => {
    const submitted: Array<[string, string]> = [['Digits', '2'], ['CallSid', 'CA1'], ['Digits', '1'], ['Digits', '3']];
    const body = formBody(submitted);
    const inOrder = signUrl(KEY, `${URL}CallSidCA1Digits2Digits1Digits3`);
    const valuesSorted = signUrl(KEY, `${URL}CallSidCA1Digits1Digits2Digits3`);
    assert.equal(signForm(KEY, URL, submitted), inOrder);
    assert.equal(verify({ rawBody: body, contentType: FORM_TYPE, signature: inOrder }), true);
    assert.equal(verify({ rawBody: body, contentType: FORM_TYPE, signature: valuesSorted }), false);
  });

  test('the same values of a repeated name submitted in another order do not verify', () => {
    const signature12 = signForm(KEY, URL, [['Digits', '1'], ['Digits', '2']]);
    assert.equal(verify({ rawBody: 'Digits=1&Digits=2', contentType: FORM_TYPE, signature: signature12 }), true);
    assert.equal(verify({ rawBody: 'Digits=2&Digits=1', contentType: FORM_TYPE, signature: signature12 }), false);
  });

  test('unicode names and values are signed decoded', () => {
    const params: Array<[string, string]> = [['CallerName', 'Jürgen ✓ 📞'], ['Ünïcode', 'ä&b=c'], ['Empty', '']];
    assert.equal(verify({ rawBody: formBody(params), contentType: FORM_TYPE, signature: signForm(KEY, URL, params) }), true);
  });

  test('a tampered body does not verify', () => {
    for (const tampered of [
      FORM_BODY.replace('CallDuration=42', 'CallDuration=43'),
      FORM_BODY.replace('completed', 'failed'),
      `${FORM_BODY}&Extra=1`,
      FORM_BODY.replace(/&AudioInMos=[^&]*/, ''),
      FORM_BODY.replace('CallDuration=42', 'CallDuration=42&CallDuration=42'),
      '',
    ]) {
      assert.equal(verify({ rawBody: tampered, contentType: FORM_TYPE, signature }), false, tampered);
    }
  });

  test('a tampered URL does not verify', () => {
    for (const url of [URL.replace('acme', 'acmf'), URL.replace('https:', 'http:'), URL.replace('?tenant=acme', ''), `${URL}&tenant=evil`]) {
      assert.equal(verify({ url, rawBody: FORM_BODY, contentType: FORM_TYPE, signature }), false, url);
    }
  });

  test('a wrong key does not verify', () => {
    assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature, keys: [OTHER_KEY] }), false);
    assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signForm(OTHER_KEY, URL, PARAMS) }), false);
  });

  test('a signature over the URL alone does not cover a form body', () => {
    assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signUrl(KEY, URL) }), false);
  });

  test('each single flipped character of the signature is refused', () => {
    for (let i = 0; i < signature.length; i += 1) {
      assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature: flipChar(signature, i) }), false, `index ${i}`);
    }
  });

  test('the signature without its = padding is refused', () => {
    assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signature.replace(/=+$/, '') }), false);
  });
});

describe('GET: base64 HMAC-SHA1(key, url)', () => {
  const getUrl = `https://callpulse.example.com/webhooks/signalwire/status?${formBody(PARAMS)}`;

  test('a GET with the callback in the query string verifies over the URL alone', () => {
    assert.equal(verify({ url: getUrl, rawBody: '', contentType: undefined, signature: signUrl(KEY, getUrl) }), true);
  });

  test('a changed query parameter does not verify', () => {
    const signature = signUrl(KEY, getUrl);
    assert.equal(verify({ url: getUrl.replace('CallDuration=42', 'CallDuration=43'), rawBody: '', signature }), false);
  });

  test('a wrong key does not verify', () => {
    assert.equal(verify({ url: getUrl, rawBody: '', signature: signUrl(OTHER_KEY, getUrl) }), false);
  });
});

describe('default ports', () => {
  const cases: Array<[string, string, string]> = [
    ['https, signed with :443, received without', 'https://cp.example.com:443/hook?a=1', 'https://cp.example.com/hook?a=1'],
    ['https, signed without, received with :443', 'https://cp.example.com/hook?a=1', 'https://cp.example.com:443/hook?a=1'],
    ['http, signed with :80, received without', 'http://cp.example.com:80/hook', 'http://cp.example.com/hook'],
    ['http, signed without, received with :80', 'http://cp.example.com/hook', 'http://cp.example.com:80/hook'],
    ['https without a path, signed with :443', 'https://cp.example.com:443', 'https://cp.example.com'],
    ['https IPv6 host, signed with :443', 'https://[2001:db8::1]:443/hook', 'https://[2001:db8::1]/hook'],
    ['https IPv6 host, signed without', 'https://[2001:db8::1]/hook', 'https://[2001:db8::1]:443/hook'],
  ];
  for (const [label, signedUrl, receivedUrl] of cases) {
    test(`Scheme A: ${label}`, () => {
      const signature = signJson(KEY, signedUrl, JSON_BODY);
      assert.equal(verify({ url: receivedUrl, rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), true);
    });

    test(`Scheme B: ${label}`, () => {
      const signature = signForm(KEY, signedUrl, PARAMS);
      assert.equal(verify({ url: receivedUrl, rawBody: FORM_BODY, contentType: FORM_TYPE, signature }), true);
    });

    test(`GET: ${label}`, () => {
      assert.equal(verify({ url: receivedUrl, rawBody: '', signature: signUrl(KEY, signedUrl) }), true);
    });
  }

  const refused: Array<[string, string, string]> = [
    ['a non-default port is not dropped', 'https://cp.example.com/hook', 'https://cp.example.com:8443/hook'],
    ['a non-default port is not added', 'https://cp.example.com:8443/hook', 'https://cp.example.com/hook'],
    ['http\'s default port is not https\'s', 'https://cp.example.com:80/hook', 'https://cp.example.com/hook'],
    ['https\'s default port is not http\'s', 'http://cp.example.com:443/hook', 'http://cp.example.com/hook'],
    ['the port is not swapped for another default', 'https://cp.example.com:443/hook', 'https://cp.example.com:80/hook'],
  ];
  for (const [label, signedUrl, receivedUrl] of refused) {
    test(`refused: ${label}`, () => {
      assert.equal(verify({ url: receivedUrl, rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signJson(KEY, signedUrl, JSON_BODY) }), false);
      assert.equal(verify({ url: receivedUrl, rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signForm(KEY, signedUrl, PARAMS) }), false);
    });
  }

  test('portVariants lists the URL and its other default-port form', () => {
    assert.deepEqual(new Set(portVariants('https://h.example/p?q')), new Set(['https://h.example/p?q', 'https://h.example:443/p?q']));
    assert.deepEqual(new Set(portVariants('http://h.example:80/p')), new Set(['http://h.example:80/p', 'http://h.example/p']));
    assert.deepEqual(portVariants('https://h.example:8443/p'), ['https://h.example:8443/p']);
    assert.deepEqual(portVariants('not a url'), ['not a url']);
  });
});

describe('bodySHA256', () => {
  const base = 'https://callpulse.example.com/webhooks/signalwire/status';

  test('a matching body hash verifies; the HMAC covers the URL alone', () => {
    const url = `${base}?bodySHA256=${sha256Hex(JSON_BODY)}`;
    const signature = signUrl(KEY, url);
    assert.equal(verify({ url, rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), true);
    assert.equal(verify({ url, rawBody: Buffer.from(JSON_BODY), contentType: JSON_TYPE, signature }), true);
  });

  test('bodySHA256 next to other query parameters, and with a default port variant', () => {
    const url = `${base}?tenant=acme&bodySHA256=${sha256Hex(JSON_BODY)}&x=1`;
    const signature = signUrl(KEY, url);
    assert.equal(verify({ url, rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), true);
    const withPort = url.replace('example.com/', 'example.com:443/');
    assert.equal(verify({ url: withPort, rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), true);
  });

  test('a body that does not match the hash is refused, even with a valid URL signature', () => {
    const url = `${base}?bodySHA256=${sha256Hex(JSON_BODY)}`;
    const signature = signUrl(KEY, url);
    assert.equal(verify({ url, rawBody: JSON_BODY.replace('"42"', '"43"'), contentType: JSON_TYPE, signature }), false);
    assert.equal(verify({ url, rawBody: `${JSON_BODY}\n`, contentType: JSON_TYPE, signature }), false);
    assert.equal(verify({ url, rawBody: '', contentType: JSON_TYPE, signature }), false);
  });

  test('a hash of another body in a signed URL is refused', () => {
    const url = `${base}?bodySHA256=${sha256Hex('{}')}`;
    assert.equal(verify({ url, rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signUrl(KEY, url) }), false);
  });

  test('a changed bodySHA256 value breaks the URL signature', () => {
    const url = `${base}?bodySHA256=${sha256Hex(JSON_BODY)}`;
    const signature = signUrl(KEY, url);
    const otherBody = JSON_BODY.replace('"42"', '"43"');
    const swapped = `${base}?bodySHA256=${sha256Hex(otherBody)}`;
    assert.equal(verify({ url: swapped, rawBody: otherBody, contentType: JSON_TYPE, signature }), false);
  });

  test('an empty or malformed bodySHA256 is refused', () => {
    for (const value of ['', 'zz', sha256Hex(JSON_BODY).slice(0, -1)]) {
      const url = `${base}?bodySHA256=${value}`;
      assert.equal(verify({ url, rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signUrl(KEY, url) }), false, value);
    }
  });

  test('a form body under bodySHA256 is checked by hash, not by params', () => {
    const url = `${base}?bodySHA256=${sha256Hex(FORM_BODY)}`;
    assert.equal(verify({ url, rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signUrl(KEY, url) }), true);
    assert.equal(verify({ url, rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signForm(KEY, url, PARAMS) }), false);
  });
});

describe('key rotation', () => {
  test('either of the configured keys verifies', () => {
    const keys = [OLD_KEY, KEY];
    assert.equal(verify({ keys, rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signJson(KEY, URL, JSON_BODY) }), true);
    assert.equal(verify({ keys, rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signJson(OLD_KEY, URL, JSON_BODY) }), true);
    assert.equal(verify({ keys, rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signForm(OLD_KEY, URL, PARAMS) }), true);
    assert.equal(verify({ keys, rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signForm(KEY, URL, PARAMS) }), true);
    assert.equal(verify({ keys: [OTHER_KEY, OLD_KEY, KEY], rawBody: '', signature: signUrl(KEY, URL) }), true);
  });

  test('a key that is not configured does not verify', () => {
    assert.equal(verify({ keys: [OLD_KEY, KEY], rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signJson(OTHER_KEY, URL, JSON_BODY) }), false);
    assert.equal(verify({ keys: [OLD_KEY, KEY], rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signForm(OTHER_KEY, URL, PARAMS) }), false);
  });

  test('no keys at all verifies nothing', () => {
    assert.equal(verify({ keys: [], rawBody: JSON_BODY, contentType: JSON_TYPE, signature: signJson(KEY, URL, JSON_BODY) }), false);
  });

  test('keys are exact: a key with extra whitespace or other case is another key', () => {
    const signature = signJson(KEY, URL, JSON_BODY);
    assert.equal(verify({ keys: [` ${KEY}`], rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), false);
    assert.equal(verify({ keys: [KEY.toUpperCase()], rawBody: JSON_BODY, contentType: JSON_TYPE, signature }), false);
  });
});

describe('missing and garbage signatures', () => {
  const requests: Array<[string, Partial<VerifyInput>]> = [
    ['JSON', { rawBody: JSON_BODY, contentType: JSON_TYPE }],
    ['form', { rawBody: FORM_BODY, contentType: FORM_TYPE }],
    ['GET', { rawBody: '' }],
  ];
  const garbage = [
    undefined,
    '',
    ' ',
    'not-a-signature',
    'g'.repeat(40),
    '0'.repeat(40),
    'f'.repeat(40),
    'A'.repeat(28),
    '='.repeat(28),
    '============================',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!=',
    'é'.repeat(28),
    '📞'.repeat(14),
    '\u0000'.repeat(40),
    'x'.repeat(100_000),
    Buffer.alloc(20).toString('base64'),
  ];
  for (const [label, request] of requests) {
    test(`${label}: a missing or garbage signature is refused without throwing`, () => {
      for (const signature of garbage) {
        assert.equal(verify({ ...request, signature }), false, JSON.stringify(signature)?.slice(0, 40));
      }
    });
  }

  test('a signature for one scheme is not accepted for the other', () => {
    const hex = signJson(KEY, URL, FORM_BODY);
    const base64 = signForm(KEY, URL, PARAMS);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: base64 }), false);
    assert.equal(verify({ rawBody: FORM_BODY, contentType: FORM_TYPE, signature: signJson(KEY, URL, JSON_BODY) }), false);
    assert.equal(verify({ rawBody: JSON_BODY, contentType: JSON_TYPE, signature: hex }), false);
  });

  test('malformed URLs and bodies do not throw', () => {
    for (const url of ['', 'not a url', 'https://', 'https://[::1', 'http://h:99999999999999999999/x', '\uD800', 'https://h/?bodySHA256']) {
      for (const signature of [undefined, 'x', '0'.repeat(40), 'A'.repeat(27) + '=']) {
        assert.equal(verify({ url, rawBody: Buffer.from([0xff, 0xfe, 0x00]), contentType: FORM_TYPE, signature }), false);
        assert.equal(verify({ url, rawBody: '%%%&&&===', contentType: 'garbage', signature }), false);
      }
    }
  });
});

describe('signSignalWireRequest agrees with the independent signer', () => {
  test('Scheme A, Scheme B, GET and bodySHA256', () => {
    assert.equal(signSignalWireRequest({ key: KEY, url: URL, rawBody: JSON_BODY, contentType: JSON_TYPE }), signJson(KEY, URL, JSON_BODY));
    assert.equal(signSignalWireRequest({ key: KEY, url: URL, rawBody: FORM_BODY, contentType: FORM_TYPE }), signForm(KEY, URL, PARAMS));
    assert.equal(signSignalWireRequest({ key: KEY, url: URL, rawBody: '' }), signUrl(KEY, URL));
    const hashed = `${URL}&bodySHA256=${sha256Hex(JSON_BODY)}`;
    assert.equal(signSignalWireRequest({ key: KEY, url: hashed, rawBody: JSON_BODY, contentType: JSON_TYPE, scheme: 'B' }), signUrl(KEY, hashed));
  });

  test('sortedParamsText sorts by name, stable for repeated names', () => {
    assert.equal(sortedParamsText([['b', '1'], ['a', '2'], ['b', '0'], ['B', 'x']]), 'Bxa2b1b0');
  });
});
