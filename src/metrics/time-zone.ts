/**
 * @module
 * Time buckets aligned in an IANA time zone (15 min, hour, day, week), DST-correct, with nothing but
 * Intl: call centers report in local time. Sub-day buckets step in real time (a repeated hour at the
 * end of DST is two buckets); days and weeks step in local wall-clock time (23- and 25-hour days).
 */

/** The bucket sizes every view offers. */
export const INTERVALS = ['15m', '1h', '1d', '1w'] as const;
/** One of {@link INTERVALS}: 15 minutes, an hour, a day or a week. */
export type Interval = (typeof INTERVALS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Local wall-clock fields of an instant in a zone. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Monday ... 6 = Sunday (ISO order). */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA zone name this runtime knows (e.g. `America/New_York`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of instant `ms` in `timeZone`, read from Intl (slow: each call formats a date). */
function localTimeFromIntl(ms: number, timeZone: string): LocalTime {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) fields[part.type] = part.value;
  return {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: WEEKDAYS[fields.weekday!] ?? 0,
  };
}

const QUARTER = 15 * MINUTE;
/** Zone -> 15-minute slot -> offset in minutes. Clocks change on quarter hours, so one offset holds for a whole slot. */
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 500_000;

/** Minutes east of UTC in `timeZone` at instant `ms` (whole seconds of the instant are ignored). */
export function offsetMinutes(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  const slot = Math.floor(ms / QUARTER);
  let offset = zone.get(slot);
  if (offset === undefined) {
    const slotStart = slot * QUARTER;
    const t = localTimeFromIntl(slotStart, timeZone);
    offset = Math.round((Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - slotStart) / MINUTE);
    if (zone.size >= OFFSET_CACHE_LIMIT) zone.clear();
    zone.set(slot, offset);
  }
  return offset;
}

/** The wall-clock fields of instant `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const local = new Date(ms + offsetMinutes(ms, timeZone) * MINUTE);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: (local.getUTCDay() + 6) % 7,
  };
}

/**
 * The instant of a local wall-clock time in `timeZone`. A time skipped by a DST jump resolves to the
 * same distance after the jump; a repeated time resolves to its first occurrence.
 */
export function instantOfLocal(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const firstGuess = wall - offsetMinutes(wall, timeZone) * MINUTE;
  const earlier = wall - offsetMinutes(firstGuess - 3 * HOUR, timeZone) * MINUTE;
  const later = wall - offsetMinutes(firstGuess + 3 * HOUR, timeZone) * MINUTE;
  const candidates = [earlier, firstGuess, later].filter((ms) => {
    const t = localTime(ms, timeZone);
    return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute) === wall;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - offsetMinutes(firstGuess - 3 * HOUR, timeZone) * MINUTE; // in a gap: before-jump offset
}

/** Where an offset puts the hour grid: minutes past each UTC hour. */
function gridOf(offset: number): number {
  return ((offset % 60) + 60) % 60;
}

/** The start (instant) of the bucket of `interval` that contains instant `ms`, aligned in `timeZone`. */
export function bucketStart(ms: number, interval: Interval, timeZone: string): number {
  if (interval === '15m') {
    const offset = offsetMinutes(ms, timeZone) * MINUTE;
    return Math.floor((ms + offset) / (15 * MINUTE)) * 15 * MINUTE - offset;
  }
  if (interval === '1h') {
    // Hours are a real-time grid through each zone's :00. A clock change by a whole hour keeps the grid;
    // a 30-minute one (Lord Howe Island) moves it, and the hour then begins at the change.
    const offset = offsetMinutes(ms, timeZone);
    let start = Math.floor((ms + offset * MINUTE) / HOUR) * HOUR - offset * MINUTE;
    while (start < ms && gridOf(offsetMinutes(start, timeZone)) !== gridOf(offset)) start += 15 * MINUTE;
    return start;
  }
  const t = localTime(ms, timeZone);
  const midnight = instantOfLocal(t.year, t.month, t.day, 0, 0, timeZone);
  const dayStart = midnight > ms ? instantOfLocal(t.year, t.month, t.day - 1, 0, 0, timeZone) : midnight;
  if (interval === '1d') return dayStart;
  return instantOfLocal(t.year, t.month, t.day - t.weekday, 0, 0, timeZone); // Monday 00:00
}

/** The start of the bucket after the one that starts at `start`. */
export function nextBucketStart(start: number, interval: Interval, timeZone: string): number {
  if (interval === '15m') return start + 15 * MINUTE;
  if (interval === '1h') {
    const next = bucketStart(start + HOUR, '1h', timeZone); // re-aligned: a 30-minute DST shift moves the grid
    return next > start ? next : start + HOUR;
  }
  const t = localTime(start, timeZone);
  return instantOfLocal(t.year, t.month, t.day + (interval === '1d' ? 1 : 7), 0, 0, timeZone);
}

/** The starts of every bucket that overlaps [from, to), in order. */
export function bucketStarts(from: number, to: number, interval: Interval, timeZone: string): number[] {
  const starts: number[] = [];
  for (let start = bucketStart(from, interval, timeZone); start < to; start = nextBucketStart(start, interval, timeZone)) {
    starts.push(start);
  }
  return starts;
}

/** An instant as ISO 8601 in local time with its offset, e.g. `2024-03-10T03:00:00-04:00`. */
export function formatInZone(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  const offset = offsetMinutes(ms, timeZone);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = offset === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${zone}`;
}
