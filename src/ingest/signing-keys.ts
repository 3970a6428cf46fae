/**
 * @module
 * Which signing keys may verify a callback: per project (AccountSid) when configured, else the default key.
 */

/** Picks the keys for a callback's project; `null` means the project is unknown (403). */
export interface SigningKeys {
  /** False when no key is configured at all: callbacks are accepted unverified (loopback or --insecure only). */
  readonly verifying: boolean;
  keysFor(accountSid: string | undefined): readonly string[] | null;
}

/** Builds the key lookup from default keys (any project) and per-project keys (these win for their project). */
export function signingKeys(defaultKeys: readonly string[], projects: ReadonlyMap<string, readonly string[]>): SigningKeys {
  return {
    verifying: defaultKeys.length > 0 || projects.size > 0,
    keysFor(accountSid) {
      const own = accountSid === undefined ? undefined : projects.get(accountSid);
      if (own) return own;
      return defaultKeys.length > 0 ? defaultKeys : null;
    },
  };
}
