/**
 * @module
 * The summary figures, computed from merged rollup stats with the README's definitions: success rate,
 * MOS mean / p10 / p50 / p90 (nearest rank, exact to 0.01), E-model band shares, poor-quality rate,
 * durations of completed calls and short calls, repeat callers. Pure: every view calls this one function.
 */
import { MOS_BANDS, MOS_SUM_SCALE, bandOfHundredths, mosToHundredths, type MosBand } from '../domain/mos.js';
import { countBelow, forEachEntry, percentiles, totalCount, totals, totalSum } from './histogram.js';
import type { RollupStats } from './rollups.js';

/** Thresholds a deployment may change. */
export interface SummaryOptions {
  /** Scored calls below this MOS are poor quality (default 3.60). */
  poorQualityBelow: number;
  /** Completed calls shorter than this many seconds are short calls (default 10). */
  shortCallSeconds: number;
}

export const DEFAULT_SUMMARY_OPTIONS: SummaryOptions = { poorQualityBelow: 3.6, shortCallSeconds: 10 };

/** The summary of a set of calls, as the API returns it. */
export interface Summary {
  calls: number;
  completed: number;
  unsuccessful: number;
  /** completed ÷ calls; null when there are no calls. */
  successRate: number | null;
  statuses: RollupStats['statuses'];
  mos: {
    scored: number;
    mean: number | null;
    p10: number | null;
    p50: number | null;
    p90: number | null;
    /** Share of scored calls in each band. */
    bands: Record<MosBand, number>;
    poorRate: number | null;
  };
  duration: { totalSeconds: number; mean: number | null; p50: number | null; p90: number | null; short: number };
  /** Calls followed by a repeat call of the same caller to the same number within 24 hours, and their share of calls. */
  repeatCallers: { repeated: number; rate: number | null };
}

/** The mean score (sums are kept in whole millionths), or null without scored calls. */
function meanMos(stats: RollupStats): number | null {
  return stats.mosCount === 0 ? null : stats.mosSum / (stats.mosCount * MOS_SUM_SCALE);
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** Computes the summary of merged stats. */
export function summarize(stats: RollupStats, options: SummaryOptions = DEFAULT_SUMMARY_OPTIONS): Summary {
  const completed = stats.statuses.completed;
  const scored = totalCount(stats.mosHistogram);
  const bandCounts = Object.fromEntries(MOS_BANDS.map((band) => [band, 0])) as Record<MosBand, number>;
  forEachEntry(stats.mosHistogram, (hundredths, count) => (bandCounts[bandOfHundredths(hundredths)] += count));
  const [p10, p50, p90] = percentiles(stats.mosHistogram, [10, 50, 90]).map((v) => (v === null ? null : v / 100));
  const durations = totalCount(stats.durationHistogram);
  const totalSeconds = totalSum(stats.durationHistogram);
  const [d50, d90] = percentiles(stats.durationHistogram, [50, 90]);
  return {
    calls: stats.calls,
    completed,
    unsuccessful: stats.calls - completed,
    successRate: share(completed, stats.calls),
    statuses: { ...stats.statuses },
    mos: {
      scored,
      mean: meanMos(stats),
      p10: p10 ?? null,
      p50: p50 ?? null,
      p90: p90 ?? null,
      bands: Object.fromEntries(MOS_BANDS.map((band) => [band, share(bandCounts[band], scored) ?? 0])) as Record<MosBand, number>,
      poorRate: share(countBelow(stats.mosHistogram, mosToHundredths(options.poorQualityBelow)), scored),
    },
    duration: {
      totalSeconds,
      mean: durations === 0 ? null : totalSeconds / durations,
      p50: d50 ?? null,
      p90: d90 ?? null,
      short: countBelow(stats.durationHistogram, options.shortCallSeconds),
    },
    repeatCallers: { repeated: stats.repeated, rate: share(stats.repeated, stats.calls) },
  };
}

/** The figures of one time-series point: the summary's counts, MOS mean and p10, and mean duration. */
export interface PointSummary {
  calls: number;
  completed: number;
  statuses: RollupStats['statuses'];
  successRate: number | null;
  mosMean: number | null;
  mosP10: number | null;
  durationMean: number | null;
}

/**
 * The figures of {@link summarize} a time-series point shows, each equal to the summary's, without the
 * rest: the durations are only counted and summed, which a dense histogram does without decoding them.
 */
export function summarizePoint(stats: RollupStats): PointSummary {
  const completed = stats.statuses.completed;
  const [p10] = percentiles(stats.mosHistogram, [10]);
  const durations = totals(stats.durationHistogram);
  return {
    calls: stats.calls,
    completed,
    statuses: { ...stats.statuses },
    successRate: share(completed, stats.calls),
    mosMean: meanMos(stats),
    mosP10: p10 === null || p10 === undefined ? null : p10 / 100,
    durationMean: durations.count === 0 ? null : durations.sum / durations.count,
  };
}
