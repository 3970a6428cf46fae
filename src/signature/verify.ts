/**
 * @module
 * SignalWire request signatures, both schemes, as pure functions (secret in, raw request in, boolean out):
 *
 * - Scheme A (JSON, RELAY/SWML): lowercase hex HMAC-SHA1(key, url + raw body).
 * - Scheme B (Compatibility/cXML, form or GET): base64 HMAC-SHA1(key, url + every POST parameter sorted by
 *   name, each as name + value; a repeated name keeps submission order). GET: the URL alone.
 *   When the URL carries `bodySHA256=<hex>`, the HMAC covers the URL alone and SHA-256(raw body) must equal it.
 *
 * Every URL is also tried with the default port (`:443` for https, `:80` for http) added or removed.
 * Comparisons are constant-time.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeFormPairs, encodingOf, queryOf } from '../domain/callback-body.js';

/** The request as SignalWire sent it. */
export interface SignedRequest {
  /** The exact public URL SignalWire called, query string included. */
  url: string;
  /** The raw body bytes exactly as received (a Buffer is a Uint8Array); empty for GET. */
  rawBody: Uint8Array | string;
  /** The request's Content-Type header (absent for GET). */
  contentType?: string | undefined;
  /** The form body already decoded (name/value pairs in order), when the caller has it; saves decoding it again. */
  formPairs?: ReadonlyArray<readonly [string, string]> | undefined;
}

/** What {@link verifySignalWireSignature} needs: the request, the header value and the candidate keys. */
export interface VerifyInput extends SignedRequest {
  /** The `X-SignalWire-Signature` (or `X-Twilio-Signature`) header value; see {@link signatureOf}. */
  signature: string | undefined;
  /** Every signing key that may have signed it (several during key rotation), or the one key. */
  keys: string | readonly string[];
}

/** The headers that may carry the signature, in the order they are looked at. */
export const SIGNATURE_HEADERS = ['x-signalwire-signature', 'x-twilio-signature'] as const;

/**
 * The signature of a request: `X-SignalWire-Signature`, else `X-Twilio-Signature` (the first value when
 * repeated). `headers` has lowercase names, as node:http gives them.
 */
export function signatureOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const header = headers['x-signalwire-signature'] ?? headers['x-twilio-signature'];
  return Array.isArray(header) ? header[0] : header;
}

const HEX_SIGNATURE = /^[0-9a-f]{40}$/;

/** Keys turned into KeyObjects once (HMAC with a KeyObject skips re-importing the key on every call). */
const keyObjects = new Map<string, KeyObject>();

function hmac(key: string, data: string | Buffer, encoding: 'hex' | 'base64'): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    if (keyObjects.size >= 64) keyObjects.clear();
    keyObject = createSecretKey(Buffer.from(key));
    keyObjects.set(key, keyObject);
  }
  return createHmac('sha1', keyObject).update(data).digest(encoding);
}

function bytesOf(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

let lastUrl = '';
let lastVariants: string[] = [];

/** The URL as given, plus the same URL with its scheme's default port removed or added. */
export function portVariants(url: string): string[] {
  if (url !== lastUrl) {
    lastVariants = computePortVariants(url);
    lastUrl = url;
  }
  return lastVariants;
}

function computePortVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const portMatch = /:(\d*)$/.exec(authority);
  const hasPort = portMatch !== null && !authority.endsWith(']');
  if (hasPort && portMatch[1] === defaultPort) {
    return [url, `${scheme}://${authority.slice(0, -(defaultPort.length + 1))}${rest}`];
  }
  if (!hasPort) return [url, `${scheme}://${authority}:${defaultPort}${rest}`];
  return [url];
}

/** Scheme B's signed text after the URL: the parameters sorted by name (stable), each as name + value. */
export function sortedParamsText(pairs: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let text = '';
  for (const [name, value] of sorted) text += name + value;
  return text;
}

function bodyHashParam(url: string): string | null {
  return new URLSearchParams(queryOf(url)).get('bodySHA256');
}

/** The texts (after the key) whose base64 HMAC is a valid Scheme B signature for this request. */
function schemeBTexts(request: SignedRequest, bodyBytes: Buffer, urls: readonly string[]): string[] {
  const texts: string[] = [];
  const expectedBodyHash = bodyHashParam(request.url);
  if (expectedBodyHash !== null) {
    const actual = createHash('sha256').update(bodyBytes).digest('hex');
    if (constantTimeEqual(actual, expectedBodyHash.toLowerCase())) texts.push(...urls);
    return texts;
  }
  if (bodyBytes.length === 0) return [...urls];
  if (encodingOf(request.contentType) === 'form') {
    const params = sortedParamsText(request.formPairs ?? decodeFormPairs(bodyBytes.toString('utf8')));
    for (const url of urls) texts.push(url + params);
  }
  return texts;
}

/**
 * Verifies a SignalWire signature over a request, with every key given. Tries Scheme A when the signature
 * is 40 hex digits and Scheme B otherwise, over each port variant of the URL. Never throws on bad input.
 * Each comparison is constant-time; it stops at the first match, which reveals only which public URL
 * variant or which key slot matched, never anything about the key.
 */
export function verifySignalWireSignature(input: VerifyInput): boolean {
  const { signature } = input;
  const keys = typeof input.keys === 'string' ? [input.keys] : input.keys;
  if (!signature || keys.length === 0) return false;
  const bodyBytes = bytesOf(input.rawBody);
  const urls = portVariants(input.url);
  const isHex = HEX_SIGNATURE.test(signature);
  const texts: Array<string | Buffer> = isHex
    ? urls.map((url) => Buffer.concat([Buffer.from(url), bodyBytes]))
    : schemeBTexts(input, bodyBytes, urls);
  for (const text of texts) {
    for (const key of keys) {
      if (constantTimeEqual(hmac(key, text, isHex ? 'hex' : 'base64'), signature)) return true;
    }
  }
  return false;
}

/** What {@link signSignalWireRequest} signs: the request, the key, and which scheme to use. */
export interface SignInput extends SignedRequest {
  /** The signing key. */
  key: string;
  /** `A` (hex over url + raw body) or `B` (base64 over url + sorted form params, or the URL alone). Default: A for JSON, B otherwise. */
  scheme?: 'A' | 'B';
}

/** Signs a request the way SignalWire does; for tests, simulators and senders. */
export function signSignalWireRequest(input: SignInput): string {
  const bodyBytes = bytesOf(input.rawBody);
  const scheme = input.scheme ?? (encodingOf(input.contentType) === 'json' ? 'A' : 'B');
  if (scheme === 'A') return hmac(input.key, Buffer.concat([Buffer.from(input.url), bodyBytes]), 'hex');
  const params =
    bodyHashParam(input.url) === null && encodingOf(input.contentType) === 'form'
      ? sortedParamsText(decodeFormPairs(bodyBytes.toString('utf8')))
      : '';
  return hmac(input.key, input.url + params, 'base64');
}
