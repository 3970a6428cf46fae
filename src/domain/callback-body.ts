/**
 * @module
 * Decoding a callback's fields from the wire: form bodies and query strings (names may repeat,
 * order kept) and JSON bodies (one object). Pure functions; nothing here throws on bad input.
 */
import { unescape as percentDecode } from 'node:querystring';
import type { CallbackFields } from './call-event.js';

const FORM = 'application/x-www-form-urlencoded';

/** The largest callback body accepted, in bytes (64 KiB; 413 above it): the service's limit and the library's default. */
export const CALLBACK_BODY_LIMIT = 64 * 1024;

/** The body encodings a callback may use. */
export type CallbackEncoding = 'form' | 'json';

/** Maps a Content-Type header to the encoding it names, or null for any other type. */
export function encodingOf(contentType: string | undefined): CallbackEncoding | null {
  if (contentType === FORM) return 'form';
  const essence = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (essence === 'application/x-www-form-urlencoded') return 'form';
  if (essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'))) return 'json';
  return null;
}

/** Decodes one form component: `+` is a space, `%XX` a UTF-8 byte; a malformed escape is kept as it is (as URLSearchParams does). */
function decodeComponent(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  return spaced.includes('%') ? percentDecode(spaced) : spaced;
}

/**
 * Decodes `a=1&b=2` (a form body or a query string) into name/value pairs in submission order,
 * with the same result as `new URLSearchParams(text)`, several times faster.
 */
export function decodeFormPairs(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    if (equals < 0) pairs.push([decodeComponent(piece), '']);
    else pairs.push([decodeComponent(piece.slice(0, equals)), decodeComponent(piece.slice(equals + 1))]);
  }
  return pairs;
}

/** Folds name/value pairs into fields; a name given more than once becomes an array, in order. */
export function pairsToFields(pairs: ReadonlyArray<readonly [string, string]>): CallbackFields {
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    if (!Object.hasOwn(fields, name)) {
      // a field named __proto__ must stay a field: assignment would set the prototype
      if (name === '__proto__') Object.defineProperty(fields, name, { value, writable: true, enumerable: true, configurable: true });
      else fields[name] = value;
      continue;
    }
    const previous = fields[name]!;
    if (Array.isArray(previous)) previous.push(value);
    else fields[name] = [previous, value];
  }
  return fields;
}

/** Parses a JSON body that must be one object; null when it is not valid JSON or not an object. */
export function decodeJsonObject(text: string): CallbackFields | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>));
}

/** The query string of a URL or request path (without `?`), or '' when there is none. */
export function queryOf(urlOrPath: string): string {
  const start = urlOrPath.indexOf('?');
  if (start < 0) return '';
  const end = urlOrPath.indexOf('#', start);
  return urlOrPath.slice(start + 1, end < 0 ? undefined : end);
}
