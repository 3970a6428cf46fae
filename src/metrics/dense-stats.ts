/**
 * @module
 * The stats record rollup reads fill: an empty one whose histograms are dense (histogram.ts), so stored
 * text goes in undecoded and merges, percentiles and sums run over arrays indexed by value.
 */
import { DenseHistogram } from './histogram.js';
import { emptyStats, type RollupStats } from './rollups.js';

const newDenseHistogram = (): DenseHistogram => new DenseHistogram();

/** An empty stats record with dense histograms. */
export function emptyDenseStats(): RollupStats {
  return emptyStats(newDenseHistogram);
}
