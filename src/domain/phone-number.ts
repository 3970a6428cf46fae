/**
 * @module
 * Phone number helpers: E.164 recognition. Numbers that are not E.164 (anonymous callers,
 * SIP URIs) are stored as they are and flagged, never rejected.
 */

const E164 = /^\+[1-9]\d{1,14}$/;

/** True when `value` is an E.164 number: `+`, a non-zero digit, at most 15 digits in all. */
export function isE164(value: string): boolean {
  return E164.test(value);
}
