/**
 * @module
 * The `retention` and `privacy` sections of the configuration: how long stored data is kept, and whether
 * callers' numbers are stored as keyed hashes. Validated into frozen values, errors naming the key.
 */
import { ConfigError, flag, integer, mapping, optionalText } from './values.js';

/** How long data is kept. 0 keeps it forever. */
export interface RetentionConfig {
  /** Calls (by Timestamp), with their repeat deliveries, quarantine entries and delivered alert notifications. */
  readonly callsDays: number;
  /** Rollups (the 15-minute, day and month counts behind every figure). */
  readonly rollupsDays: number;
  /** How often the server deletes what is past its time. */
  readonly runEveryMinutes: number;
}

/** Privacy mode. */
export interface PrivacyConfig {
  /** Store each caller's number (`From`) as a keyed hash (HMAC-SHA256), never in clear. */
  readonly hashCallers: boolean;
  /** The hash key (CALLPULSE_PRIVACY_KEY, or privacy.key as env:NAME); null when privacy mode is off. */
  readonly key: string | null;
}

/** The shortest privacy key accepted: a short key can be brute-forced over the small space of phone numbers. */
export const MIN_PRIVACY_KEY_LENGTH = 16;

/** Validates the `retention` section. */
export function retentionConfig(value: unknown): RetentionConfig {
  const given = mapping('retention', value, ['callsDays', 'rollupsDays', 'runEveryMinutes']);
  const callsDays = integer('retention.callsDays', given.callsDays, 0, 0, 36_500);
  const rollupsDays = integer('retention.rollupsDays', given.rollupsDays, 0, 0, 36_500);
  if (rollupsDays !== 0 && (callsDays === 0 || rollupsDays < callsDays)) {
    throw new ConfigError('retention.rollupsDays', `must be at least retention.callsDays (${callsDays === 0 ? 'forever' : `${callsDays} days`}): rollups are what is left of deleted calls, got ${rollupsDays}`);
  }
  return { callsDays, rollupsDays, runEveryMinutes: integer('retention.runEveryMinutes', given.runEveryMinutes, 60, 1, 10_080) };
}

/** Validates the `privacy` section; `envKey` is CALLPULSE_PRIVACY_KEY, which wins over privacy.key. */
export function privacyConfig(value: unknown, envKey: unknown): PrivacyConfig {
  const given = mapping('privacy', value, ['hashCallers', 'key']);
  const hashCallers = flag('privacy.hashCallers', given.hashCallers);
  const key = optionalText('CALLPULSE_PRIVACY_KEY', envKey) ?? optionalText('privacy.key', given.key);
  if (!hashCallers) return { hashCallers, key: null };
  if (key === null) {
    throw new ConfigError('CALLPULSE_PRIVACY_KEY', 'is not set: privacy.hashCallers needs a secret hash key (at least 16 characters) in CALLPULSE_PRIVACY_KEY, or privacy.key: env:NAME');
  }
  if (key.length < MIN_PRIVACY_KEY_LENGTH) {
    throw new ConfigError('CALLPULSE_PRIVACY_KEY', `must be at least ${MIN_PRIVACY_KEY_LENGTH} characters: phone numbers are few enough to try them all against a short key`);
  }
  return { hashCallers, key };
}
