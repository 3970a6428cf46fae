/**
 * @module
 * The metrics engine: the stats of any range and filter from rollups of whole buckets plus a scan of
 * the partial 15-minute slots at the range's ends, so its cost does not grow with the number of calls.
 * Depends on the store interface only.
 */
import type { CallStore } from '../store/call-store.js';
import { coverRange } from './range-cover.js';
import { dimensionOf, mergeStats, type CallFilter, type RollupStats } from './rollups.js';
import { DEFAULT_SUMMARY_OPTIONS, summarize, type Summary, type SummaryOptions } from './summary.js';

/** A half-open time range [from, to), epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

export class MetricsEngine {
  constructor(private readonly store: CallStore, private readonly options: SummaryOptions = DEFAULT_SUMMARY_OPTIONS) {}

  /** The merged stats of the calls whose Timestamp is in the range and that pass the filter. */
  async stats(range: TimeRange, filter: CallFilter = {}): Promise<RollupStats> {
    const cover = coverRange(range.from, range.to);
    const stats = await this.store.readRollups(cover.units, dimensionOf(filter));
    for (const [from, to] of cover.edges) mergeStats(stats, await this.store.scanCalls(from, to, filter));
    return stats;
  }

  /** The summary of the calls in the range that pass the filter. */
  async summary(range: TimeRange, filter: CallFilter = {}): Promise<Summary> {
    return summarize(await this.stats(range, filter), this.options);
  }
}
