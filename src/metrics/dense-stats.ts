/**
 * @module
 * The stats record rollup reads fill: an empty one whose histograms are dense (histogram.ts), so stored
 * text goes in undecoded and merges, percentiles and sums run over arrays indexed by value.
 */
import { DenseHistogram } from './histogram.js';
import type { RollupStats } from './rollups.js';

/** An empty stats record with dense histograms (what emptyStats gives, built here without its maps: reads make thousands). */
export function emptyDenseStats(): RollupStats {
  return {
    calls: 0,
    statuses: { completed: 0, failed: 0, busy: 0, 'no-answer': 0, canceled: 0 },
    mosCount: 0,
    mosSum: 0,
    mosHistogram: new DenseHistogram(),
    durationHistogram: new DenseHistogram(),
    repeated: 0,
  };
}
