/**
 * Tests for the summary of merged stats with either form of histogram (a map, or a dense histogram fed
 * encoded text): the figures a time-series point shows and the summary's percentiles, shares and
 * duration figures, checked against plain computations over the raw observations written here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addValue, DenseHistogram, type Histogram } from '../../src/metrics/histogram.js';
import { emptyStats, type RollupStats } from '../../src/metrics/rollups.js';
import { summarize, summarizePoint } from '../../src/metrics/summary.js';

/** Nearest rank over raw values: element ceil(p/100 × n) of the sorted values, or null when there are none. */
function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** Encoded text of raw values, written out here: ascending values as base-36 gaps, then base-36 counts. */
function textOf(values: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let previous = 0;
  let text = '';
  for (const [value, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    text += `${(value - previous).toString(36)}:${count.toString(36)},`;
    previous = value;
  }
  return text;
}

/** Stats of raw observations, their histograms as maps or as dense histograms fed text in two halves. */
function statsOf(calls: number, completed: number, mos: readonly number[], durations: readonly number[], dense: boolean): RollupStats {
  const stats = emptyStats();
  stats.calls = calls;
  stats.statuses.completed = completed;
  stats.statuses.failed = calls - completed;
  stats.mosCount = mos.length;
  stats.mosSum = mos.reduce((a, b) => a + b, 0) * 10_000; // hundredths -> millionths, the unit of rollup sums
  const histogram = (values: readonly number[]): Histogram => {
    if (!dense) {
      const map: Histogram = new Map();
      for (const value of values) addValue(map, value);
      return map;
    }
    const histogram = new DenseHistogram();
    const half = Math.floor(values.length / 2);
    histogram.addEncoded(textOf(values.slice(0, half)));
    histogram.addEncoded(textOf(values.slice(half)));
    return histogram;
  };
  stats.mosHistogram = histogram(mos);
  stats.durationHistogram = histogram(durations);
  return stats;
}

const observations = fc.record({
  mos: fc.array(fc.integer({ min: 100, max: 500 }), { maxLength: 80 }),
  durations: fc.array(fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 9000 })), { maxLength: 80 }),
  failed: fc.integer({ min: 0, max: 20 }),
  dense: fc.boolean(),
});

describe('summary', () => {
  test('property: a time-series point has the plain figures of the raw observations, and the summary the same ones', () => {
    fc.assert(
      fc.property(observations, ({ mos, durations, failed, dense }) => {
        const completed = Math.max(mos.length, durations.length);
        const calls = completed + failed;
        const point = summarizePoint(statsOf(calls, completed, mos, durations, dense));
        const p10 = nearestRank(mos, 10);
        const durationSum = durations.reduce((a, b) => a + b, 0);
        assert.deepEqual(point, {
          calls,
          completed,
          statuses: { completed, failed: calls - completed, busy: 0, 'no-answer': 0, canceled: 0 },
          successRate: calls === 0 ? null : completed / calls,
          mosMean: mos.length === 0 ? null : mos.reduce((a, b) => a + b, 0) / (100 * mos.length),
          mosP10: p10 === null ? null : p10 / 100,
          durationMean: durations.length === 0 ? null : durationSum / durations.length,
        });
        const summary = summarize(statsOf(calls, completed, mos, durations, dense));
        assert.deepEqual(
          [summary.calls, summary.completed, summary.successRate, summary.mos.mean, summary.mos.p10, summary.duration.mean],
          [point.calls, point.completed, point.successRate, point.mosMean, point.mosP10, point.durationMean],
        );
        assert.deepEqual([summary.mos.p50, summary.mos.p90], [50, 90].map((p) => (mos.length === 0 ? null : nearestRank(mos, p)! / 100)));
        assert.deepEqual([summary.duration.p50, summary.duration.p90], [nearestRank(durations, 50), nearestRank(durations, 90)]);
        assert.equal(summary.duration.totalSeconds, durationSum);
        assert.equal(summary.duration.short, durations.filter((d) => d < 10).length);
        assert.equal(summary.mos.scored, mos.length);
        assert.equal(summary.mos.bands.bad, mos.length === 0 ? 0 : mos.filter((m) => m < 310).length / mos.length);
        assert.equal(summary.mos.poorRate, mos.length === 0 ? null : mos.filter((m) => m < 360).length / mos.length);
      }),
      { numRuns: 300 },
    );
  });
});
