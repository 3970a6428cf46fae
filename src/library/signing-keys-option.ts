/**
 * @module
 * The library's `keys` option (one key, a list during rotation, or a lookup by project) turned into the
 * key lookup the service's callback reader uses. Checked once, when a handler is created.
 */
import type { SigningKeys } from '../ingest/signing-keys.js';

/**
 * The signing keys that may have signed a callback (SignalWire Dashboard → API → Signing Key):
 *
 * - one key: `'PSK_...'`;
 * - several, during a key rotation (either one verifies): `['PSK_new', 'PSK_old']`;
 * - a lookup by project: `(accountSid) => keysOf(accountSid)`, called with the callback's `AccountSid`. It
 *   returns the project's key(s), or `null`/`undefined`/`[]` for a project you do not know, which is
 *   answered `403 CP_ERR_PROJECT_UNKNOWN`. It must not throw.
 */
export type SigningKeysOption =
  | string
  | readonly string[]
  | ((accountSid: string | undefined) => string | readonly string[] | null | undefined);

function checkedList(keys: string | readonly string[], where: string): readonly string[] {
  const list = typeof keys === 'string' ? [keys] : keys;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`callpulse: ${where} must be a signing key or a non-empty list of them`);
  list.forEach((key: unknown, index) => {
    if (typeof key !== 'string' || key === '') throw new TypeError(`callpulse: ${where}[${index}] must be a non-empty string`);
  });
  return Object.freeze([...list]);
}

/** Turns the option into the reader's key lookup; throws a TypeError naming the problem when it is not valid. */
export function toSigningKeys(option: SigningKeysOption): SigningKeys {
  if (typeof option === 'function') {
    return {
      verifying: true,
      keysFor(accountSid) {
        const found = option(accountSid);
        if (found === null || found === undefined || found.length === 0) return null;
        return typeof found === 'string' ? [found] : found;
      },
    };
  }
  if (option === undefined || option === null) {
    throw new TypeError('callpulse: keys is required (the SignalWire signing key, or a list of them, or a lookup by AccountSid)');
  }
  const list = checkedList(option, 'keys');
  return { verifying: true, keysFor: () => list };
}
