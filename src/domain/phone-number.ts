/**
 * @module
 * Phone number helpers: E.164 recognition. Numbers that are not E.164 (anonymous callers,
 * SIP URIs) are stored as they are and flagged, never rejected; and the caller's country.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { isE164 } from './e164.js';

export { isE164 };

/** Caller countries already resolved (repeat callers are common); cleared when it grows past its bound. */
const countryCache = new Map<string, string | null>();
const COUNTRY_CACHE_LIMIT = 100_000;

/**
 * The ISO 3166-1 alpha-2 region of an E.164 caller number (libphonenumber-js: `+14155550100` -> `US`,
 * `+441481...` -> `GG`), or null when the number is not E.164 or belongs to no region it knows.
 */
export function callerCountry(number: string): string | null {
  let country = countryCache.get(number);
  if (country !== undefined) return country;
  country = isE164(number) ? (parsePhoneNumberFromString(number)?.country ?? null) : null;
  if (countryCache.size >= COUNTRY_CACHE_LIMIT) countryCache.clear();
  countryCache.set(number, country);
  return country;
}
