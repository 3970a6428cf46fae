/**
 * @module
 * The dashboard's ranges: the presets (last hour, today, 24 h, 7 d, 30 d) and a custom range of local
 * times, all worked out in the chosen time zone with the server's own time-zone code; the previous
 * period of the same length; and the time series interval that suits the length.
 */
import { bucketStart, instantOfLocal, type Interval } from '../metrics/time-zone.js';

export const PRESETS = ['1h', 'today', '24h', '7d', '30d', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

/** What each preset is called in the picker. */
export const PRESET_LABELS: Record<Preset, string> = {
  '1h': 'Last hour', today: 'Today', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', custom: 'Custom…',
};

const HOUR = 3_600_000;
const LENGTHS: Partial<Record<Preset, number>> = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };

/** A half-open range [from, to) in epoch milliseconds. */
export interface Range {
  from: number;
  to: number;
}

/** Parses a datetime-local value (YYYY-MM-DDTHH:MM) as a local time in `timeZone`; null when malformed. */
export function localInputToInstant(value: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  return instantOfLocal(year, month, day, hour, minute, timeZone);
}

/** The range of a preset ending at `now` ("today" starts at local midnight); null for custom. */
export function presetRange(preset: Preset, timeZone: string, now: number): Range | null {
  if (preset === 'custom') return null;
  if (preset === 'today') return { from: bucketStart(now, '1d', timeZone), to: now };
  return { from: now - LENGTHS[preset]!, to: now };
}

/** The period of the same length just before `range`. */
export function previousRange(range: Range): Range {
  return { from: range.from - (range.to - range.from), to: range.from };
}

/** The time series interval for a range's length: 15 min up to 6 h, hours up to 8 days, days up to a year, then weeks. */
export function intervalFor(range: Range): Interval {
  const length = range.to - range.from;
  if (length <= 6 * HOUR) return '15m';
  if (length <= 8 * 24 * HOUR) return '1h';
  if (length <= 366 * 24 * HOUR) return '1d';
  return '1w';
}
