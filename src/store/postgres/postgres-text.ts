/**
 * @module
 * PostgreSQL text cannot hold the character U+0000. Typed text columns store it as U+FFFD (the
 * replacement character) instead of refusing the callback; the raw fields, kept as JSON text where
 * U+0000 is escaped, keep every character exactly. (StoreCapabilities.keepsNulInText is false here.)
 */

/** `text` with each U+0000 replaced by U+FFFD. */
export function pgText(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}
