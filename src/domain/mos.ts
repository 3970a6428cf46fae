/**
 * @module
 * Call quality: the ITU-T G.107 E-model bands of the mean opinion score (MOS), and the poor-quality
 * threshold. Every view classifies MOS through this module, so the bands are defined once.
 */

/** The five quality bands, best first. */
export const MOS_BANDS = ['excellent', 'good', 'fair', 'poor', 'bad'] as const;

export type MosBand = (typeof MOS_BANDS)[number];

/** The lowest MOS of each band but the last (bad is everything below poor's edge). */
export const MOS_BAND_EDGES = { excellent: 4.34, good: 4.03, fair: 3.6, poor: 3.1 } as const;

/** Scores below this are "poor quality" by default (configurable per deployment). */
export const DEFAULT_POOR_QUALITY_BELOW = 3.6;

/** MOS values are kept exact to 0.01: as whole hundredths (1.00 -> 100, 5.00 -> 500). */
export function mosToHundredths(mos: number): number {
  return Math.round(Number((mos * 100).toPrecision(12))); // 1.005 * 100 is 100.49999999999999 in binary
}

/**
 * Rollups sum scores as whole millionths: integer sums come out the same in any order of addition, so
 * every store and every grouping of calls gives the same mean to the last bit.
 */
export const MOS_SUM_SCALE = 1_000_000;

/** A score as whole millionths, the unit of rollup MOS sums. */
export function mosToMillionths(mos: number): number {
  return Math.round(mos * MOS_SUM_SCALE);
}

/** The band a score in hundredths falls in. */
export function bandOfHundredths(hundredths: number): MosBand {
  if (hundredths >= 434) return 'excellent';
  if (hundredths >= 403) return 'good';
  if (hundredths >= 360) return 'fair';
  if (hundredths >= 310) return 'poor';
  return 'bad';
}
