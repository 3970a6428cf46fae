/**
 * @module
 * Lengths of time and rates as typed on the command line: `90s`, `15m`, `24h`, `30d`, `2w`;
 * `20/s`, `300/m`, `5000/h` (a bare number is per second). A bad value is a usage error naming the flag.
 */
import { UsageError } from './command.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PER_SECOND: Record<string, number> = { s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };

/** Milliseconds in a length like `60s`, `15m`, `24h`, `30d` (a bare number is seconds); between `min` and `max`. */
export function parseDuration(flag: string, text: string, min = 1, max = 3660 * 86_400_000): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 's']! : NaN;
  if (!(ms >= min && ms <= max)) {
    throw new UsageError(`${flag} must be a length like 90s, 15m, 24h or 30d (from ${describe(min)} to ${describe(max)}), got "${text}"`);
  }
  return Math.round(ms);
}

/** Calls per second in a rate like `20/s`, `300/m`, `5000/h` (a bare number is per second); above 0, at most `max`. */
export function parseRate(flag: string, text: string, max = 100_000): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|sec|m|min|h))?$/.exec(text.trim());
  const rate = match ? Number(match[1]) * PER_SECOND[match[2] ?? 's']! : NaN;
  if (!(rate > 0 && rate <= max)) throw new UsageError(`${flag} must be a rate like 20/s, 300/m or 5000/h (above 0, at most ${max}/s), got "${text}"`);
  return rate;
}

/** A whole number from `min` to `max`, or a usage error naming the flag. */
export function parseCount(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

/** A length in the largest unit that divides it, for messages: `90s`, `24h`, `30d`. */
export function describe(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit]! && ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  }
  return `${ms}ms`;
}
