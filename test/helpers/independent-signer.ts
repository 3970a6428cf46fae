/**
 * @module
 * Signs requests the way SignalWire documents it, written here independently of src/signature,
 * so tests never check the verifier against its own output.
 */
import { createHash, createHmac } from 'node:crypto';

/** Scheme A: lowercase hex HMAC-SHA1(key, url + raw body). */
export function signJson(key: string, url: string, body: string): string {
  return createHmac('sha1', key).update(url + body).digest('hex');
}

/** Scheme B: base64 HMAC-SHA1(key, url + params sorted by name, each name + value). */
export function signForm(key: string, url: string, params: Array<[string, string]>): string {
  const sorted = params
    .map((pair, index) => ({ pair, index }))
    .sort((a, b) => (a.pair[0] < b.pair[0] ? -1 : a.pair[0] > b.pair[0] ? 1 : a.index - b.index))
    .map(({ pair }) => pair[0] + pair[1])
    .join('');
  return createHmac('sha1', key).update(url + sorted).digest('base64');
}

/** Scheme B for GET (the URL alone) and for the bodySHA256 case. */
export function signUrl(key: string, url: string): string {
  return createHmac('sha1', key).update(url).digest('base64');
}

export function sha256Hex(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Encodes params as a form body the way a browser or SignalWire would (spaces as +). */
export function formBody(params: Array<[string, string]>): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`.replace(/%20/g, '+')).join('&');
}
