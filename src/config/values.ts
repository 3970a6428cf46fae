/**
 * @module
 * The configuration error, and the readers every section validator uses to turn one raw value (a string
 * from the environment or a flag, anything from YAML) into a checked one, or a ConfigError naming the key.
 */

/** A configuration problem; the message names the key and says what is wrong. */
export class ConfigError extends Error {
  constructor(readonly key: string, problem: string) {
    super(`${key} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** True when a value was not given (absent, null or the empty string). */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** A string, or `fallback` when unset. */
export function text(key: string, value: unknown, fallback: string): string {
  if (isUnset(value)) return fallback;
  if (typeof value !== 'string') throw new ConfigError(key, `must be a string, got ${typeof value}`);
  return value;
}

/** A string, or null when unset. */
export function optionalText(key: string, value: unknown): string | null {
  const result = text(key, value, '');
  return result === '' ? null : result;
}

/** A whole number in [min, max], or `fallback` when unset. */
export function integer(key: string, value: unknown, fallback: number, min: number, max: number): number {
  if (isUnset(value)) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A number in [min, max], or `fallback` when unset. */
export function decimal(key: string, value: unknown, fallback: number, min: number, max: number): number {
  if (isUnset(value)) return fallback;
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(key, `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A boolean (also `1`/`0`, `yes`/`no`, `on`/`off` as text), false when unset. */
export function flag(key: string, value: unknown): boolean {
  if (isUnset(value)) return false;
  if (typeof value === 'boolean') return value;
  const lower = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(key, `must be true or false, got ${JSON.stringify(value)}`);
}

/** A mapping whose keys are all among `keys` (an unknown key is named as the error's key); `{}` when unset. */
export function mapping(key: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(key, `must be a mapping with ${keys.join(' and ')}`);
  for (const name of Object.keys(value)) {
    if (!keys.includes(name)) throw new ConfigError(`${key}.${name}`, `is not a known setting (known: ${keys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** A list (a single value counts as a list of one); `[]` when unset. */
export function list(key: string, value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(key, `must be a list, got ${typeof value}`);
  return value;
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
