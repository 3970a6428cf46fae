/**
 * @module
 * Distributions for charts, from the exact histograms of merged stats: MOS in bins of 0.10 split at the
 * E-model band edges (so every bin lies in one band), and completed calls' durations in bins that widen
 * with length. Pure: the counts come straight from the histograms, nothing is sampled.
 */
import { bandOfHundredths, type MosBand } from '../domain/mos.js';
import { forEachEntry, type Histogram } from './histogram.js';

/** What a distribution is of. */
export const DISTRIBUTIONS = ['mos', 'duration'] as const;
export type DistributionOf = (typeof DISTRIBUTIONS)[number];

/** One bin: values in [from, to); `to` null for an open last bin. The last MOS bin includes 5.00. */
export interface DistributionBin {
  from: number;
  to: number | null;
  count: number;
  /** The MOS band every value of the bin falls in (MOS bins only). */
  band?: MosBand;
}

/** MOS bin edges in hundredths: every 0.10 from 1.00 to 5.00, plus the band edges 4.03 and 4.34. */
export const MOS_BIN_EDGES: readonly number[] = [
  ...new Set([...Array.from({ length: 41 }, (_, i) => 100 + i * 10), 310, 360, 403, 434]),
].sort((a, b) => a - b);

/** Duration bin edges in seconds (the last bin is open). */
export const DURATION_BIN_EDGES: readonly number[] = [0, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** Index of the bin holding `value`: the last edge ≤ value (clamped to the bins that exist). */
function binIndex(edges: readonly number[], value: number, bins: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (edges[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return Math.min(Math.max(lo, 0), bins - 1);
}

/** The MOS distribution of a histogram of hundredths: 42 bins from 1.00 to 5.00, each in one band. */
export function mosDistribution(histogram: Histogram): DistributionBin[] {
  const edges = MOS_BIN_EDGES;
  const bins: DistributionBin[] = edges.slice(0, -1).map((from, i) => ({
    from: from / 100, to: edges[i + 1]! / 100, count: 0, band: bandOfHundredths(from),
  }));
  forEachEntry(histogram, (hundredths, count) => (bins[binIndex(edges, hundredths, bins.length)]!.count += count));
  return bins;
}

/**
 * The duration distribution of a histogram of seconds. The short-call threshold is an edge too, so the
 * short calls are one bar (or the sum of the bars before it).
 */
export function durationDistribution(histogram: Histogram, shortCallSeconds: number): DistributionBin[] {
  const edges = [...new Set([...DURATION_BIN_EDGES, shortCallSeconds])].sort((a, b) => a - b);
  const bins: DistributionBin[] = edges.map((from, i) => ({ from, to: edges[i + 1] ?? null, count: 0 }));
  forEachEntry(histogram, (seconds, count) => (bins[binIndex(edges, seconds, bins.length)]!.count += count));
  return bins;
}
