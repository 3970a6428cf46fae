/**
 * @module
 * The read API's common query parameters: the range (`from`/`to` as ISO 8601, or `since=24h|7d|30d`),
 * the filters (`number`, `account`), the time zone (`tz`) and the bucket size (`interval`). A bad value
 * is a 400 whose message names the parameter.
 */
import { CALL_STATUSES, type CallStatus } from '../domain/call-event.js';
import { CallpulseError } from '../domain/errors.js';
import { parseCallTimestamp } from '../domain/timestamp.js';
import { BREAKDOWNS, type Breakdown, type TimeRange } from '../metrics/engine.js';
import { DISTRIBUTIONS, type DistributionOf } from '../metrics/distribution.js';
import type { CallFilter } from '../metrics/rollups.js';
import type { CallListPosition } from '../store/call-store.js';
import { INTERVALS, isValidTimeZone, type Interval } from '../metrics/time-zone.js';

export type Query = Record<string, string | string[] | undefined>;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
/** How far back `since` may reach: ten years. */
const MAX_SINCE_MS = 3660 * 86_400_000;

function invalid(parameter: string, problem: string): CallpulseError {
  return new CallpulseError('CP_ERR_PARAM_INVALID', `${parameter} ${problem}`, [{ field: parameter, message: problem }]);
}

/** One value of a parameter; given twice is an error. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(name, 'is given more than once');
  return value === '' ? undefined : value;
}

function instant(query: Query, name: string): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const date = parseCallTimestamp(text);
  if (date === null) throw invalid(name, `must be an ISO 8601 date and time, like 2024-04-04T00:00:00Z, got "${text.slice(0, 40)}"`);
  return date.getTime();
}

/** Reads the range: `from`/`to`, or `since` (a number and m, h, d or w) ending now; default the last 24 hours. */
export function readRange(query: Query, now = Date.now()): TimeRange {
  const since = single(query, 'since');
  let from = instant(query, 'from');
  const to = instant(query, 'to') ?? now;
  if (since !== undefined) {
    if (from !== undefined) throw invalid('since', 'cannot be combined with from');
    const match = /^(\d{1,6})([mhdw])$/.exec(since);
    const length = match ? Number(match[1]) * UNIT_MS[match[2]!]! : NaN;
    if (!(length > 0 && length <= MAX_SINCE_MS)) throw invalid('since', `must be a length like 15m, 24h, 7d or 30d (at most 10 years), got "${since.slice(0, 20)}"`);
    from = to - length;
  }
  from ??= to - UNIT_MS.d!;
  if (from >= to) throw invalid('from', 'must be before to');
  return { from, to };
}

/** Reads the `number` (the called number, `To`) and `account` (`AccountSid`) filters. */
export function readFilter(query: Query): CallFilter {
  return { number: single(query, 'number'), account: single(query, 'account') };
}

/** Reads `tz`, an IANA time zone name (default UTC). */
export function readTimeZone(query: Query): string {
  const tz = single(query, 'tz') ?? 'UTC';
  if (!isValidTimeZone(tz)) throw invalid('tz', `must be an IANA time zone name like America/New_York, got "${tz.slice(0, 40)}"`);
  return tz;
}

/** Reads `interval`: 15m, 1h, 1d or 1w (default 1h). */
export function readInterval(query: Query): Interval {
  const interval = single(query, 'interval') ?? '1h';
  if (!(INTERVALS as readonly string[]).includes(interval)) throw invalid('interval', `must be one of ${INTERVALS.join(', ')}, got "${interval.slice(0, 20)}"`);
  return interval as Interval;
}

/** The call list's own parameters. */
export interface CallListParams {
  status?: CallStatus;
  mosBelow?: number;
  minDuration?: number;
  limit: number;
  after?: CallListPosition;
}

/** The most calls one page holds. */
export const MAX_PAGE = 1000;

/** Encodes a list position as an opaque cursor for `cursor=`. */
export function encodeCursor(position: CallListPosition): string {
  return Buffer.from(`${position.createdAt}.${position.id}`).toString('base64url');
}

function decodeCursor(text: string): CallListPosition {
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match) throw invalid('cursor', 'is not a cursor this API gave out');
  return { createdAt: Number(match[1]), id: Number(match[2]) };
}

/** Reads `status`, `mosBelow`, `minDuration`, `limit` (default 100, at most 1000) and `cursor`. */
export function readCallListParams(query: Query): CallListParams {
  const params: CallListParams = { limit: 100 };
  const status = single(query, 'status');
  if (status !== undefined) {
    if (!(CALL_STATUSES as readonly string[]).includes(status)) throw invalid('status', `must be one of ${CALL_STATUSES.join(', ')}`);
    params.status = status as CallStatus;
  }
  const mosBelow = single(query, 'mosBelow');
  if (mosBelow !== undefined) {
    if (!/^\d(\.\d{1,2})?$/.test(mosBelow) || Number(mosBelow) < 1 || Number(mosBelow) > 5) throw invalid('mosBelow', 'must be a MOS from 1 to 5, like 3.6');
    params.mosBelow = Number(mosBelow);
  }
  const minDuration = single(query, 'minDuration');
  if (minDuration !== undefined) {
    if (!/^\d{1,9}$/.test(minDuration)) throw invalid('minDuration', 'must be a whole number of seconds');
    params.minDuration = Number(minDuration);
  }
  params.limit = readLimit(query, params.limit);
  const cursor = single(query, 'cursor');
  if (cursor !== undefined) params.after = decodeCursor(cursor);
  return params;
}

/** Reads `limit`: a whole number from 1 to 1000, or `fallback` when absent. */
export function readLimit(query: Query, fallback: number): number {
  const limit = single(query, 'limit');
  if (limit === undefined) return fallback;
  if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) throw invalid('limit', `must be a whole number from 1 to ${MAX_PAGE}`);
  return Number(limit);
}

/** Reads `format`: json (default) or csv. */
export function readFormat(query: Query): 'json' | 'csv' {
  const format = single(query, 'format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw invalid('format', `must be json or csv, got "${format.slice(0, 20)}"`);
  return format;
}

/** Reads `by`, what a breakdown groups by. */
export function readBreakdown(query: Query): Breakdown {
  const by = single(query, 'by');
  if (by === undefined || !(BREAKDOWNS as readonly string[]).includes(by)) throw invalid('by', `must be one of ${BREAKDOWNS.join(', ')}`);
  return by as Breakdown;
}

/** Reads `of`, what a distribution is of: mos or duration. */
export function readDistribution(query: Query): DistributionOf {
  const of = single(query, 'of');
  if (of === undefined || !(DISTRIBUTIONS as readonly string[]).includes(of)) throw invalid('of', `must be one of ${DISTRIBUTIONS.join(', ')}`);
  return of as DistributionOf;
}
