/**
 * Range covers: whole UTC buckets plus partial edges tile [from, to) exactly, with a bounded count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { coverRange, levelEnd, type RollupUnit } from '../../src/metrics/range-cover.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function pieces(from: number, to: number): Array<[number, number]> {
  const cover = coverRange(from, to);
  const whole = cover.units.map((u: RollupUnit): [number, number] => [u.start, levelEnd(u.start, u.level)]);
  return [...whole, ...cover.edges].sort((a, b) => a[0] - b[0]);
}

describe('coverRange', () => {
  it('a range inside one 15-minute slot is one edge, no bucket', () => {
    const from = Date.UTC(2024, 0, 1, 10, 1);
    assert.deepEqual(coverRange(from, from + 5 * MIN), { units: [], edges: [[from, from + 5 * MIN]] });
  });

  it('uses the coarsest whole buckets: 1 Jan 2024 10:07 to 3 Mar 2024 02:20', () => {
    const from = Date.UTC(2024, 0, 1, 10, 7);
    const to = Date.UTC(2024, 2, 3, 2, 20);
    const cover = coverRange(from, to);
    const byLevel = (level: string) => cover.units.filter((u) => u.level === level).map((u) => new Date(u.start).toISOString());
    assert.deepEqual(cover.edges, [[from, Date.UTC(2024, 0, 1, 10, 15)], [Date.UTC(2024, 2, 3, 2, 15), to]]);
    assert.deepEqual(byLevel('month'), ['2024-02-01T00:00:00.000Z']);
    assert.deepEqual(byLevel('day'), [
      ...Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2024, 0, 2 + i)).toISOString()),
      '2024-03-01T00:00:00.000Z', '2024-03-02T00:00:00.000Z',
    ]);
    // hours: 11:00 to midnight on 1 Jan (13), and 00:00 to 02:00 on 3 Mar (2)
    const hours = (from: number, count: number) => Array.from({ length: count }, (_, i) => new Date(from + i * 60 * MIN).toISOString());
    assert.deepEqual(byLevel('hour'), [...hours(Date.UTC(2024, 0, 1, 11), 13), ...hours(Date.UTC(2024, 2, 3), 2)]);
    // quarters: 10:15 to 11:00 on 1 Jan (3), and 02:00 to 02:15 on 3 Mar (1)
    const quarters = (from: number, count: number) => Array.from({ length: count }, (_, i) => new Date(from + i * 15 * MIN).toISOString());
    assert.deepEqual(byLevel('quarter'), [...quarters(Date.UTC(2024, 0, 1, 10, 15), 3), ...quarters(Date.UTC(2024, 2, 3, 2), 1)]);
  });

  it('empty and reversed ranges cover nothing', () => {
    assert.deepEqual(coverRange(5, 5), { units: [], edges: [] });
    assert.deepEqual(coverRange(9, 5), { units: [], edges: [] });
  });

  it('tiles any range exactly, without overlap, in a bounded number of pieces', () => {
    const instant = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) });
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const parts = pieces(from, to);
        if (from === to) return assert.equal(parts.length, 0);
        assert.equal(parts[0]![0], from);
        assert.equal(parts[parts.length - 1]![1], to);
        for (let i = 1; i < parts.length; i++) assert.equal(parts[i]![0], parts[i - 1]![1], 'contiguous, no overlap');
        // at most: 2 edges, 95+95 quarters, 30+30 days, and the months between
        const months = Math.ceil((to - from) / (28 * 24 * HOUR)) + 1;
        assert.ok(parts.length <= 2 + 190 + 60 + months, `${parts.length} pieces`);
      }),
      { numRuns: 500 },
    );
  });
});
