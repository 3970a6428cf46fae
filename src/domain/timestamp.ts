/**
 * @module
 * Lenient parsing of the callback's `Timestamp` (the call's creation time): RFC 2822 as SignalWire
 * sends it (`Thu, 04 Apr 2024 18:32:15 +0000`, also seen with `Sept` and `Thur`) and ISO 8601.
 * Every accepted text maps to one exact UTC instant; anything ambiguous or impossible is refused.
 */

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5,
  jun: 6, june: 6, jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9,
  oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

const DAYS = new Set([
  'mon', 'monday', 'tue', 'tues', 'tuesday', 'wed', 'wednesday', 'thu', 'thur', 'thurs', 'thursday',
  'fri', 'friday', 'sat', 'saturday', 'sun', 'sunday',
]);

/** Named zones of RFC 2822 (section 4.3, obsolete but still sent), in minutes east of UTC. */
const ZONES: Record<string, number> = {
  z: 0, ut: 0, utc: 0, gmt: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

const RFC2822 =
  /^(?:([a-z]+)\s*(?:,\s*|\s+))?(\d{1,2})\s+([a-z]+)\.?\s+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{2}:?\d{2}|[a-z]+)$/i;

const ISO8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

function offsetMinutes(zone: string): number | null {
  const lower = zone.toLowerCase();
  if (lower in ZONES) return ZONES[lower] ?? null;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 23 || minutes > 59) return null;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function toInstant(
  year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number, offset: number,
): Date | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  const instant = new Date(Date.UTC(2000, month - 1, day, hour, minute, Math.min(second, 59), millis));
  instant.setUTCFullYear(year, month - 1, day); // Date.UTC alone maps years 0-99 to 1900-1999
  const epoch = instant.getTime() - offset * 60_000;
  return Number.isFinite(epoch) ? new Date(epoch) : null;
}

function parseRfc2822(text: string): Date | null {
  const m = RFC2822.exec(text);
  if (!m) return null;
  const [, dayName, day, monthName, yearText, hour, minute, second, zone] = m;
  if (dayName !== undefined && !DAYS.has(dayName.toLowerCase())) return null;
  const month = MONTHS[monthName!.toLowerCase()];
  const offset = offsetMinutes(zone!);
  if (month === undefined || offset === null) return null;
  let year = Number(yearText);
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900; // RFC 2822 section 4.3
  return toInstant(year, month, Number(day), Number(hour), Number(minute), Number(second ?? '0'), 0, offset);
}

function parseIso8601(text: string): Date | null {
  const m = ISO8601.exec(text);
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = m;
  const offset = zone === undefined ? 0 : offsetMinutes(zone.length === 3 ? `${zone}00` : zone);
  if (offset === null) return null;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  return toInstant(
    Number(year), Number(month), Number(day), Number(hour ?? '0'), Number(minute ?? '0'), Number(second ?? '0'), millis, offset,
  );
}

/**
 * Parses a callback `Timestamp`. RFC 2822 (day name optional, `Sept`/`Thur` and full names accepted,
 * numeric or named zone) or ISO 8601 (a missing offset means UTC). Returns null when the text is not
 * a real instant in either form.
 */
export function parseCallTimestamp(text: string): Date | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d{4}-/.test(trimmed) ? parseIso8601(trimmed) : parseRfc2822(trimmed);
}
