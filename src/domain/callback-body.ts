/**
 * @module
 * Decoding a callback's fields from the wire: form bodies and query strings (names may repeat,
 * order kept) and JSON bodies (one object). Pure functions; nothing here throws on bad input.
 */
import type { CallbackFields } from './call-event.js';

/** The body encodings a callback may use. */
export type CallbackEncoding = 'form' | 'json';

/** Maps a Content-Type header to the encoding it names, or null for any other type. */
export function encodingOf(contentType: string | undefined): CallbackEncoding | null {
  const essence = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (essence === 'application/x-www-form-urlencoded') return 'form';
  if (essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'))) return 'json';
  return null;
}

/** Decodes `a=1&b=2` (a form body or a query string) into name/value pairs in submission order. */
export function decodeFormPairs(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)];
}

/** Folds name/value pairs into fields; a name given more than once becomes an array, in order. */
export function pairsToFields(pairs: ReadonlyArray<readonly [string, string]>): CallbackFields {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  return Object.fromEntries([...grouped].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
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
