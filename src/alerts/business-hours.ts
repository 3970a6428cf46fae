/**
 * @module
 * Business hours in a time zone: whether an instant is inside them, and whether a whole window is (the
 * noCalls rule only judges windows that lie wholly inside opening hours). DST-correct: local time is read
 * for each minute of the window.
 */
import type { BusinessHours } from '../config/alerts.js';
import { localTime } from '../metrics/time-zone.js';

const MINUTE = 60_000;

/** True when instant `ms` falls inside the business hours (local weekday listed, local time in [from, to)). */
export function isOpenAt(hours: BusinessHours, ms: number): boolean {
  const t = localTime(ms, hours.timeZone);
  const minute = t.hour * 60 + t.minute;
  return hours.days.includes(t.weekday) && minute >= hours.from && minute < hours.to;
}

/** True when every instant of [from, to) is inside the business hours. */
export function isWindowOpen(hours: BusinessHours, from: number, to: number): boolean {
  if (to <= from) return false;
  // Local minutes start on whole UTC minutes in every zone with whole-minute offsets: check each one.
  for (let ms = from; ms < to; ms = (Math.floor(ms / MINUTE) + 1) * MINUTE) {
    if (!isOpenAt(hours, ms)) return false;
  }
  return true;
}
