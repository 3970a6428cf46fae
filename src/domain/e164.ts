/**
 * @module
 * E.164 recognition, on its own so that parsing a callback needs no phone-number metadata
 * (the library entry stays small; the caller's country lives in phone-number.ts).
 */

const E164 = /^\+[1-9]\d{1,14}$/;

/** True when `value` is an E.164 number: `+`, a non-zero digit, at most 15 digits in all. */
export function isE164(value: string): boolean {
  return E164.test(value);
}
