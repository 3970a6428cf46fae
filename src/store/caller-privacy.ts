/**
 * @module
 * Privacy mode: callers' numbers are stored as keyed hashes, never in clear. `createStore` wraps the store so
 * that every write item (webhook, import, quarantine replay, reconcile: whoever writes) is protected on its
 * way in: `From` in the event and the caller's fields in the raw ones become `h:` + 20 hex digits of
 * HMAC-SHA256(key, number). Ingest protects its items itself too, before the live feed and /metrics see them
 * (protecting twice changes nothing). The same number always gives the same hash, so repeat callers are still
 * found; the caller's country is worked out from the real number first, and travels with the item.
 */
import { createHmac } from 'node:crypto';
import { callerCountry } from '../domain/phone-number.js';
import type { CallStore, WriteItem } from './call-store.js';

/** The raw fields that name or locate the caller (the spec's `From`, and Twilio-compatible extras). */
export const CALLER_FIELDS = ['From', 'Caller', 'CallerName', 'FromCity', 'FromState', 'FromZip', 'CallerCity', 'CallerState', 'CallerZip'] as const;

const CALLER_FIELD_SET = new Set<string>(CALLER_FIELDS);
const HASHED = /^h:[0-9a-f]{20}$/;
/**
 * In free text: a hash already made (kept as it is), or a phone number: a digit, then 6 or more digits,
 * spaces, dots, dashes or parentheses, ending on a digit.
 */
const NUMBER_IN_TEXT = /h:[0-9a-f]{20}(?![0-9a-f])|\+?\d[\d\s().-]{5,}\d/g;

/** True when a value is already a caller hash (a quarantined callback replayed keeps its hash). */
export function isCallerHash(value: string): boolean {
  return HASHED.test(value);
}

/** Hashes callers' numbers with one key. */
export class CallerPrivacy {
  constructor(private readonly key: string) {}

  /** The stored form of a caller's number (or of any caller field): `h:` and 20 hex digits; a hash stays as it is. */
  hash(value: string): string {
    if (isCallerHash(value)) return value;
    return 'h:' + createHmac('sha256', this.key).update(value, 'utf8').digest('hex').slice(0, 20);
  }

  /**
   * The item as it may be stored: callers' numbers hashed in the event, the raw fields and a GET's URL; a call
   * keeps the country of its real number (worked out here, before hashing, unless already carried).
   */
  protect(item: WriteItem): WriteItem {
    if (item.kind === 'call') {
      const fromCountry = item.fromCountry !== undefined ? item.fromCountry : callerCountry(item.event.from);
      return { ...item, event: { ...item.event, from: this.hash(item.event.from) }, raw: this.protectFields(item.raw), fromCountry };
    }
    return { ...item, raw: this.protectFields(item.raw), url: this.protectUrl(item.url) };
  }

  /** Free text (a line that could not be read as fields) with every number-like run replaced by its hash. */
  protectText(text: string): string {
    return text.replace(NUMBER_IN_TEXT, (match) => (isCallerHash(match) ? match : this.hash(match.replace(/[^\d+]/g, ''))));
  }

  private protectFields(raw: Record<string, unknown>): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (CALLER_FIELD_SET.has(name)) result[name] = this.protectValue(value);
      else if (name === 'line' && typeof value === 'string') result[name] = this.protectText(value); // an unreadable import line
      else result[name] = value;
    }
    return result;
  }

  private protectValue(value: unknown): unknown {
    if (typeof value === 'string') return this.hash(value);
    if (Array.isArray(value)) return value.map((inner) => this.protectValue(inner));
    if (value === null || value === undefined) return value;
    return this.hash(JSON.stringify(value));
  }

  /** A URL with the caller fields of its query string hashed (a GET callback carries them there). */
  private protectUrl(url: string): string {
    const mark = url.indexOf('?');
    if (mark < 0) return url;
    const params = new URLSearchParams(url.slice(mark + 1));
    const protectedParams = new URLSearchParams();
    for (const [name, value] of params) protectedParams.append(name, CALLER_FIELD_SET.has(name) ? this.hash(value) : value);
    return url.slice(0, mark + 1) + protectedParams.toString();
  }
}

/** The privacy step for the configuration: a CallerPrivacy when privacy mode is on, else null. */
export function callerPrivacy(settings: { hashCallers: boolean; key: string | null }): CallerPrivacy | null {
  return settings.hashCallers && settings.key !== null ? new CallerPrivacy(settings.key) : null;
}

/** The store, with every write item protected before it reaches the backend; everything else as it is. */
export function withCallerPrivacy(store: CallStore, privacy: CallerPrivacy): CallStore {
  const writeBatch: CallStore['writeBatch'] = (items) => store.writeBatch(items.map((item) => privacy.protect(item)));
  return new Proxy(store, {
    get(target, property) {
      if (property === 'writeBatch') return writeBatch;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
