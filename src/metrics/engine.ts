/**
 * @module
 * The metrics engine: the stats of any range and filter from rollups of whole buckets plus a scan of
 * the partial 15-minute slots at the range's ends, so its cost does not grow with the number of calls.
 * Depends on the store interface only.
 */
import { CallpulseError } from '../domain/errors.js';
import type { CallStatus } from '../domain/call-event.js';
import { mosToHundredths } from '../domain/mos.js';
import type { CallStore, RepeatCaller, StoredCall } from '../store/call-store.js';
import { durationDistribution, mosDistribution, type DistributionBin, type DistributionOf } from './distribution.js';
import { emptyDenseStats } from './dense-stats.js';
import { totalCount, valueAtRank } from './histogram.js';
import { coverRange, levelEnd, ROLLUP_LEVELS, type RangeCover, type RollupLevel } from './range-cover.js';
import {
  dimensionsOf, mergeStats, numbersPrefix, splitPrefix, unescapePart, type CallFilter, type RollupStats,
} from './rollups.js';
import { DEFAULT_SUMMARY_OPTIONS, summarize, summarizePoint, type Summary, type SummaryOptions } from './summary.js';
import { bucketStarts, formatInZone, localTime, nextBucketStart, type Interval } from './time-zone.js';

/** A half-open time range [from, to), epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

/** One point of a time series: a bucket aligned in the caller's time zone. */
export interface TimeseriesPoint {
  /** The bucket's start, ISO 8601 in the time zone (e.g. 2024-03-10T03:00:00-04:00). */
  start: string;
  calls: number;
  completed: number;
  /** The calls of the bucket per final status. */
  statuses: Record<CallStatus, number>;
  successRate: number | null;
  mosMean: number | null;
  mosP10: number | null;
  durationMean: number | null;
}

/** At most this many points in one time series (a year of hours, 35 days of 15 minutes). */
export const MAX_POINTS = 9000;

/** What a breakdown groups by. */
export const BREAKDOWNS = ['number', 'account', 'status', 'country', 'hourOfWeek'] as const;
/** One of {@link BREAKDOWNS}. */
export type Breakdown = (typeof BREAKDOWNS)[number];

/** The key of one breakdown group (country null: the caller's country is unknown or the caller is not E.164). */
export interface BreakdownGroup {
  number?: string;
  account?: string;
  status?: string;
  country?: string | null;
  weekday?: number;
  hour?: number;
}

/** One group of a breakdown: its key and the summary's figures for its calls. */
export type BreakdownRow = { group: BreakdownGroup } & Summary;

/** The longest range the hour-of-week heat map reads: 366 days of 15-minute rollups. */
const MAX_HEATMAP_QUARTERS = 366 * 96;

/** Weekday names of the hourOfWeek breakdown, Monday first (ISO). */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** Sorted bucket starts of one level grouped into runs of adjacent buckets, each [from, to). */
function bucketRuns(starts: readonly number[], level: RollupLevel): TimeRange[] {
  const runs: TimeRange[] = [];
  for (const start of starts) {
    const last = runs[runs.length - 1];
    if (last && last.to === start) last.to = levelEnd(start, level);
    else if (!last || last.to < start) runs.push({ from: start, to: levelEnd(start, level) });
  }
  return runs;
}

export class MetricsEngine {
  constructor(private readonly store: CallStore, private readonly options: SummaryOptions = DEFAULT_SUMMARY_OPTIONS) {}

  /** The cover of a range the store reads: with buckets taken away too when the store can subtract them. */
  private cover(range: TimeRange, finest: RollupLevel = 'quarter'): RangeCover {
    return coverRange(range.from, range.to, finest, this.store.capabilities.subtractsRollupUnits === true);
  }

  /** The merged stats of the calls whose Timestamp is in the range and that pass the filter. */
  async stats(range: TimeRange, filter: CallFilter = {}): Promise<RollupStats> {
    const cover = this.cover(range);
    const accounts = filter.number !== undefined && filter.account === undefined ? await this.store.accountsOfNumber(filter.number) : [];
    const stats = await this.store.readRollups(cover.units, dimensionsOf(filter, accounts));
    for (const [from, to] of cover.edges) mergeStats(stats, await this.store.scanCalls(from, to, filter));
    return stats;
  }

  /**
   * The stats of each of many consecutive pieces of time (a time series' buckets): the rollup rows of all
   * pieces are read together, one range read per run of buckets, then handed out to the pieces. A piece
   * that is one whole bucket gets that bucket's stats as read (not a copy: read them, do not change them).
   */
  private async statsOfPieces(pieces: ReadonlyArray<TimeRange>, filter: CallFilter): Promise<RollupStats[]> {
    const covers = pieces.map((piece) => this.cover(piece));
    const accounts = filter.number !== undefined && filter.account === undefined ? await this.store.accountsOfNumber(filter.number) : [];
    const dimensions = dimensionsOf(filter, accounts);
    const series = new Map<RollupLevel, Map<number, RollupStats>>(ROLLUP_LEVELS.map((level) => [level, new Map()]));
    for (const level of ROLLUP_LEVELS) {
      const starts = covers.flatMap((cover) => cover.units.filter((u) => u.level === level).map((u) => u.start)).sort((a, b) => a - b);
      for (const run of bucketRuns(starts, level)) {
        for (const [bucket, stats] of await this.store.readRollupSeries(level, run.from, run.to, dimensions)) series.get(level)!.set(bucket, stats);
      }
    }
    const result: RollupStats[] = [];
    for (const cover of covers) {
      const only = cover.units.length === 1 && cover.edges.length === 0 && cover.units[0]!.sign === undefined ? cover.units[0]! : null;
      const row = only && series.get(only.level)!.get(only.start);
      if (row) {
        result.push(row);
        continue;
      }
      const stats = emptyDenseStats();
      for (const unit of cover.units) {
        const row = series.get(unit.level)!.get(unit.start);
        if (row) mergeStats(stats, row, unit.sign);
      }
      for (const [from, to] of cover.edges) mergeStats(stats, await this.store.scanCalls(from, to, filter));
      result.push(stats);
    }
    return result;
  }

  /**
   * The time series of the range in buckets of `interval` aligned in `timeZone`, empty buckets included
   * as zeros. The first and last buckets are clipped to the range.
   */
  async timeseries(range: TimeRange, interval: Interval, timeZone: string, filter: CallFilter = {}): Promise<TimeseriesPoint[]> {
    const starts = bucketStarts(range.from, range.to, interval, timeZone);
    if (starts.length > MAX_POINTS) {
      throw new CallpulseError('CP_ERR_PARAM_INVALID', `interval ${interval} gives ${starts.length} points over this range; at most ${MAX_POINTS}: pick a longer interval or a shorter range`, [
        { field: 'interval', message: `too many points (${starts.length}) for this range` },
      ]);
    }
    const pieces = starts.map((start) => ({ from: Math.max(start, range.from), to: Math.min(nextBucketStart(start, interval, timeZone), range.to) }));
    const stats = await this.statsOfPieces(pieces, filter);
    return starts.map((start, i) => ({ start: formatInZone(start, timeZone), ...summarizePoint(stats[i]!) }));
  }

  /**
   * The summary per called number, project, status or caller country, over the range and filter,
   * busiest group first. Groups with no calls in the range are left out.
   */
  async breakdown(range: TimeRange, by: Breakdown, filter: CallFilter = {}, timeZone = 'UTC'): Promise<BreakdownRow[]> {
    if (by === 'hourOfWeek') return this.hourOfWeek(range, filter, timeZone);
    const groups = by === 'account' ? await this.accountStats(range, filter) : await this.groupStats(range, by, filter);
    const rows: BreakdownRow[] = [];
    for (const [key, stats] of groups) {
      if (stats.calls === 0) continue;
      const group: BreakdownGroup = by === 'country' ? { country: key === '' ? null : key } : { [by]: key };
      rows.push({ group, ...summarize(stats, this.options) });
    }
    const keyOf = (row: BreakdownRow): string => String(Object.values(row.group)[0] ?? '');
    return rows.sort((a, b) => b.calls - a.calls || keyOf(a).localeCompare(keyOf(b)));
  }

  /** The stats per project: a few projects, each read like a summary. */
  private async accountStats(range: TimeRange, filter: CallFilter): Promise<Map<string, RollupStats>> {
    const accounts = filter.account !== undefined
      ? [filter.account]
      : filter.number !== undefined ? await this.store.accountsOfNumber(filter.number) : [...new Set((await this.store.listNumbers()).map((p) => p.account))];
    const groups = new Map<string, RollupStats>();
    for (const account of accounts) groups.set(account, await this.stats(range, { ...filter, account }));
    return groups;
  }

  /**
   * The stats per number, status or country: the rollups of each group's dimensions, read together bucket
   * by bucket, plus the range's edges read from the calls grouped the same way.
   */
  private async groupStats(range: TimeRange, by: 'number' | 'status' | 'country', filter: CallFilter): Promise<Map<string, RollupStats>> {
    if (by === 'number' && filter.number !== undefined) return new Map([[filter.number, await this.stats(range, filter)]]);
    const cover = this.cover(range, by === 'number' ? 'quarter' : 'day');
    const groups = new Map<string, RollupStats>();
    const add = (key: string, stats: RollupStats): void => {
      const group = groups.get(key);
      if (group) mergeStats(group, stats);
      else groups.set(key, stats);
    };
    for (const prefix of await this.groupPrefixes(by, filter)) {
      for (const [rest, stats] of await this.store.readRollupGroups(cover.units, prefix, by === 'number' ? 'base' : 'split')) {
        add(by === 'number' ? unescapePart(rest) : rest, stats);
      }
    }
    for (const [from, to] of cover.edges) {
      for (const [key, stats] of await this.store.scanCallGroups(from, to, filter, by)) add(key, stats);
    }
    return groups;
  }

  /** The prefixes of the rollup dimensions that hold a breakdown's groups, for the filter. */
  private async groupPrefixes(by: 'number' | 'status' | 'country', filter: CallFilter): Promise<string[]> {
    if (by === 'number') {
      const accounts = filter.account !== undefined ? [filter.account] : [...new Set((await this.store.listNumbers()).map((p) => p.account))];
      return accounts.map(numbersPrefix);
    }
    const accounts = filter.number !== undefined && filter.account === undefined ? await this.store.accountsOfNumber(filter.number) : [];
    return dimensionsOf(filter, accounts).map((base) => splitPrefix(base, by));
  }

  /**
   * The 7×24 heat map: every hour of the week in `timeZone` (weekday 0 = Monday), all 168 cells, each
   * with the summary of the calls whose local time falls in it. Built from the 15-minute rollups.
   */
  private async hourOfWeek(range: TimeRange, filter: CallFilter, timeZone: string): Promise<BreakdownRow[]> {
    const quarters = bucketStarts(range.from, range.to, '15m', timeZone);
    if (quarters.length > MAX_HEATMAP_QUARTERS) {
      throw new CallpulseError('CP_ERR_PARAM_INVALID', 'from must be at most 366 days before to: the hour-of-week heat map covers a year at most', [
        { field: 'from', message: 'the range is over 366 days' },
      ]);
    }
    const cells = Array.from({ length: 168 }, () => emptyDenseStats());
    const pieces = quarters.map((start) => ({ from: Math.max(start, range.from), to: Math.min(start + 15 * 60_000, range.to) }));
    const stats = await this.statsOfPieces(pieces, filter);
    for (const [i, start] of quarters.entries()) {
      const local = localTime(start, timeZone);
      mergeStats(cells[local.weekday * 24 + local.hour]!, stats[i]!);
    }
    return cells.map((stats, i) => ({ group: { weekday: Math.floor(i / 24), hour: i % 24 }, ...summarize(stats, this.options) }));
  }

  /**
   * The callers whose calls in the range (that pass the filter) were followed by a repeat call to the
   * same number within 24 hours: most such calls first, at most `limit`.
   */
  async repeatCallers(range: TimeRange, filter: CallFilter = {}, limit = 20): Promise<RepeatCaller[]> {
    return this.store.listRepeatCallers({ from: range.from, to: range.to, filter, limit });
  }

  /**
   * The distribution of MOS (scored calls) or of durations (completed calls) over the range, exact: from
   * the same histograms as the summary.
   */
  async distribution(range: TimeRange, of: DistributionOf, filter: CallFilter = {}): Promise<DistributionBin[]> {
    const stats = await this.stats(range, filter);
    return of === 'mos' ? mosDistribution(stats.mosHistogram) : durationDistribution(stats.durationHistogram, this.options.shortCallSeconds);
  }

  /**
   * The `limit` scored calls of the range with the lowest MOS, lowest first (ties: newest first). The MOS
   * histogram gives the score at rank `limit`; then only the calls at or below it are read: every call
   * strictly below it (fewer than `limit`), and the newest of those at it.
   */
  async worstCalls(range: TimeRange, filter: CallFilter = {}, limit = 20): Promise<StoredCall[]> {
    const stats = await this.stats(range, filter);
    const scored = totalCount(stats.mosHistogram);
    if (scored === 0) return [];
    // The score at rank `limit` from the bottom: fewer than `limit` calls score below it.
    const atRank = valueAtRank(stats.mosHistogram, Math.min(limit, scored))!;
    const query = { ...range, filter, limit };
    const below = (await this.store.listCalls({ ...query, mosBelow: atRank / 100 })).calls;
    const atOrBelow = (await this.store.listCalls({ ...query, mosBelow: (atRank + 1) / 100 })).calls;
    const seenSids = new Set(below.map((c) => c.callSid));
    const calls = [...below, ...atOrBelow.filter((c) => !seenSids.has(c.callSid))];
    const score = (call: StoredCall): number => mosToHundredths(call.mos!);
    return calls
      .filter((c) => c.mos !== null)
      .sort((a, b) => score(a) - score(b) || b.timestamp.getTime() - a.timestamp.getTime())
      .slice(0, limit);
  }

  /** The summary of the calls in the range that pass the filter. */
  async summary(range: TimeRange, filter: CallFilter = {}): Promise<Summary> {
    return summarize(await this.stats(range, filter), this.options);
  }
}
