/**
 * Range covers: whole UTC buckets plus partial edges tile [from, to) exactly, with a bounded count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { coverRange, levelEnd, type RollupLevel, type RollupUnit } from '../../src/metrics/range-cover.js';

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

  describe('signed (buckets taken away too)', () => {
    const show = (unit: RollupUnit): string => `${unit.sign === -1 ? '-' : '+'}${unit.level} ${new Date(unit.start).toISOString().slice(0, 16)}`;

    it('a New York day (EDT) is its UTC day, minus the 4 hours before 04:00, plus the 4 hours after the next midnight', () => {
      const cover = coverRange(Date.UTC(2026, 9, 15, 4), Date.UTC(2026, 9, 16, 4), 'quarter', true);
      const hours = (day: number, sign: string) => [0, 1, 2, 3].map((h) => `${sign}hour 2026-10-${day}T0${h}:00`);
      assert.deepEqual(cover.units.map(show), ['+day 2026-10-15T00:00', ...hours(15, '-'), ...hours(16, '+')]);
      assert.deepEqual(cover.edges, []);
    });

    it('two years from 00:07:13 to 23:48:55 are 24 months minus two 15-minute slots, plus the two edges read from the calls', () => {
      const from = Date.UTC(2024, 10, 1, 0, 7, 13);
      const to = Date.UTC(2026, 9, 31, 23, 48, 55);
      const cover = coverRange(from, to, 'quarter', true);
      assert.deepEqual(cover.units.filter((u) => u.level !== 'month').map(show), ['-quarter 2024-11-01T00:00', '-quarter 2026-10-31T23:45']);
      assert.deepEqual(cover.units.filter((u) => u.level === 'month').map((u) => u.sign), Array(24).fill(undefined));
      assert.deepEqual(cover.edges, [[from, Date.UTC(2024, 10, 1, 0, 15)], [Date.UTC(2026, 9, 31, 23, 45), to]]);
      // Per day at the finest (the status and country splits): the edges are whole partial days.
      const days = coverRange(from, to, 'day', true);
      assert.deepEqual(days.units.filter((u) => u.level !== 'month').map(show), ['-day 2024-11-01T00:00', '-day 2026-10-31T00:00']);
      assert.deepEqual(days.edges, [[from, Date.UTC(2024, 10, 2)], [Date.UTC(2026, 9, 31), to]]);
    });

    it('a cover of a few buckets stays as it is', () => {
      const from = Date.UTC(2024, 0, 1, 10);
      assert.deepEqual(coverRange(from, from + 2 * HOUR, 'quarter', true), coverRange(from, from + 2 * HOUR));
    });

    it('counts every instant of any range exactly once, and nothing outside it, reading no more than the additive cover', () => {
      const cost: Record<RollupLevel, number> = { month: 8, day: 4, hour: 2, quarter: 1 };
      const instant = fc.oneof(
        fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.integer({ min: Date.UTC(2023, 0, 1) / (15 * MIN), max: Date.UTC(2027, 0, 1) / (15 * MIN) }).map((q) => q * 15 * MIN),
      );
      fc.assert(
        fc.property(instant, instant, fc.constantFrom<RollupLevel>('quarter', 'day'), (a, b, finest) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const cover = coverRange(from, to, finest, true);
          const pieces = [
            ...cover.units.map((u) => ({ from: u.start, to: levelEnd(u.start, u.level), weight: u.sign ?? 1 })),
            ...cover.edges.map(([f, t]) => ({ from: f, to: t, weight: 1 })),
          ];
          for (const edge of cover.edges) assert.ok(edge[0] >= from && edge[1] <= to && edge[0] < edge[1], 'edges lie inside the range');
          // Between consecutive piece boundaries the summed weight is constant: 1 inside the range, 0 outside.
          const bounds = [...new Set([from, to, ...pieces.flatMap((p) => [p.from, p.to])])].sort((x, y) => x - y);
          for (let i = 1; i < bounds.length; i++) {
            const at = bounds[i - 1]!;
            const weight = pieces.reduce((sum, p) => sum + (p.from <= at && at < p.to ? p.weight : 0), 0);
            assert.equal(weight, at >= from && at < to ? 1 : 0, `weight at ${new Date(at).toISOString()}`);
          }
          const additive = coverRange(from, to, finest);
          const costOf = (units: RollupUnit[]) => units.reduce((sum, u) => sum + cost[u.level], 0);
          assert.ok(costOf(cover.units) <= costOf(additive.units));
          assert.deepEqual(cover.edges, additive.edges);
        }),
        { numRuns: 500 },
      );
    });
  });
});
