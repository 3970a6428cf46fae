/**
 * Tests for the exact sparse histograms: counting helpers, nearest-rank percentiles checked against
 * a brute-force sort of the expanded observations, MOS band shares and means checked against the raw
 * values, and the text format (hand-encoded text, round trips, compactness, truncation and refusal of
 * values it cannot encode). The dense form is checked against plain computations over the raw values.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addEncoded, addValue, countBelow, decodeHistogram, DENSE_LIMIT, DenseHistogram, encodeHistogram, forEachEntry, mergeEncodedHistograms,
  mergeInto, percentiles, totalCount, totals, totalSum, valueAtRank, type Histogram,
} from '../../src/metrics/histogram.js';
import { bandOfHundredths } from '../../src/domain/mos.js';

const RUNS = 300;
const PS = [10, 50, 90, 1, 99, 100] as const;

function histogramOf(values: readonly number[]): Histogram {
  const histogram: Histogram = new Map();
  for (const value of values) addValue(histogram, value);
  return histogram;
}

/** Entries with a non-zero count, ascending by value. */
function sortedEntries(histogram: Histogram): Array<[number, number]> {
  return [...histogram].filter(([, count]) => count !== 0).sort((a, b) => a[0] - b[0]);
}

/** Nearest rank by brute force: sort every observation, take element ceil(p/100 * n) - 1 (integer math). */
function bruteForcePercentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.floor((p * sorted.length + 99) / 100)); // ceil(p*n/100) for whole p
  return sorted[rank - 1]!;
}

describe('counting', () => {
  test('addValue counts one by default and adds explicit counts', () => {
    const histogram: Histogram = new Map();
    addValue(histogram, 421);
    addValue(histogram, 421);
    addValue(histogram, 300, 5);
    addValue(histogram, 0);
    assert.deepEqual(sortedEntries(histogram), [[0, 1], [300, 5], [421, 2]]);
  });

  test('mergeInto adds counts into the target and leaves the source alone', () => {
    const target = histogramOf([1, 2, 2, 3]);
    const source = histogramOf([2, 3, 3, 9]);
    mergeInto(target, source);
    assert.deepEqual(sortedEntries(target), [[1, 1], [2, 3], [3, 3], [9, 1]]);
    assert.deepEqual(sortedEntries(source), [[2, 1], [3, 2], [9, 1]]);
  });

  test('mergeInto an empty target copies; merging an empty source changes nothing', () => {
    const target: Histogram = new Map();
    mergeInto(target, histogramOf([5, 5, 7]));
    assert.deepEqual(sortedEntries(target), [[5, 2], [7, 1]]);
    mergeInto(target, new Map());
    assert.deepEqual(sortedEntries(target), [[5, 2], [7, 1]]);
  });

  test('totalCount, totalSum and countBelow (strictly below)', () => {
    const histogram: Histogram = new Map([[310, 2], [359, 1], [360, 4], [500, 3]]);
    assert.equal(totalCount(histogram), 10);
    assert.equal(totalSum(histogram), 310 * 2 + 359 + 360 * 4 + 500 * 3);
    assert.equal(countBelow(histogram, 360), 3);
    assert.equal(countBelow(histogram, 361), 7);
    assert.equal(countBelow(histogram, 310), 0);
    assert.equal(countBelow(histogram, 501), 10);
    assert.equal(totalCount(new Map()), 0);
    assert.equal(totalSum(new Map()), 0);
    assert.equal(countBelow(new Map(), 100), 0);
  });

  test('property: counts, sums and threshold counts match the raw observations', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), fc.integer({ min: 0, max: 1001 }), (values, limit) => {
        const histogram = histogramOf(values);
        assert.equal(totalCount(histogram), values.length);
        assert.equal(totalSum(histogram), values.reduce((a, b) => a + b, 0));
        assert.equal(countBelow(histogram, limit), values.filter((v) => v < limit).length);
      }),
      { numRuns: RUNS },
    );
  });

  test('property: merging two histograms equals the histogram of both value lists', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 })), fc.array(fc.integer({ min: 0, max: 50 })), (a, b) => {
        const merged = histogramOf(a);
        mergeInto(merged, histogramOf(b));
        assert.deepEqual(sortedEntries(merged), sortedEntries(histogramOf([...a, ...b])));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('percentiles (nearest rank)', () => {
  test('hand-worked examples', () => {
    const oneToTen = histogramOf([7, 3, 10, 1, 9, 2, 8, 4, 6, 5]);
    assert.deepEqual(percentiles(oneToTen, [10, 50, 90, 100, 1, 99]), [1, 5, 9, 10, 1, 10]);
    // n = 3: ranks ceil(0.3) = 1, ceil(1.5) = 2, ceil(2.7) = 3.
    assert.deepEqual(percentiles(histogramOf([30, 10, 20]), [10, 50, 90]), [10, 20, 30]);
    // n = 4: p50 is rank 2 (the lower middle value, no interpolation).
    assert.deepEqual(percentiles(histogramOf([400, 100, 300, 200]), [50, 75, 76]), [200, 300, 400]);
    // Counts, not distinct values: 9 × 300 and 1 × 450.
    assert.deepEqual(percentiles(new Map([[450, 1], [300, 9]]), [10, 50, 90, 91, 100]), [300, 300, 300, 450, 450]);
    assert.deepEqual(percentiles(histogramOf([42]), [1, 50, 100]), [42, 42, 42]);
  });

  test('n = 30: p10 is rank 3, p90 rank 27 (no floating-point overshoot)', () => {
    const values = Array.from({ length: 30 }, (_, i) => 100 + i);
    assert.deepEqual(percentiles(histogramOf(values), [10, 90, 1, 99]), [102, 126, 100, 129]);
  });

  test('an empty histogram gives null for every p', () => {
    assert.deepEqual(percentiles(new Map(), [10, 50, 90]), [null, null, null]);
    assert.deepEqual(percentiles(new Map(), []), []);
  });

  test('zero-count entries do not shift ranks', () => {
    const histogram = histogramOf([10, 20, 30]);
    addValue(histogram, 5, 0);
    addValue(histogram, 99, 0);
    assert.deepEqual(percentiles(histogram, [1, 50, 100]), [10, 20, 30]);
  });

  test('property: every p in {10, 50, 90, 1, 99, 100} matches the brute-force sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.integer({ min: 0, max: 600 }), count: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 60 }),
        (entries) => {
          const histogram: Histogram = new Map();
          const expanded: number[] = [];
          for (const { value, count } of entries) {
            addValue(histogram, value, count);
            for (let i = 0; i < count; i++) expanded.push(value);
          }
          assert.deepEqual(percentiles(histogram, PS), PS.map((p) => bruteForcePercentile(expanded, p)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('property: single observations (every rank reachable) match the brute-force sort for every whole p', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 250 }), (values) => {
        const ps = Array.from({ length: 100 }, (_, i) => i + 1);
        assert.deepEqual(percentiles(histogramOf(values), ps), ps.map((p) => bruteForcePercentile(values, p)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('MOS quality summaries from a histogram of hundredths', () => {
  test('property: mean, p10/p50/p90 and band shares match the raw MOS values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 100, max: 500 }), { minLength: 1, maxLength: 300 }), (hundredthsList) => {
        const raw = hundredthsList.map((h) => h / 100); // the scores as they arrive, e.g. 4.34
        const histogram = histogramOf(hundredthsList);

        const rawSumHundredths = hundredthsList.reduce((a, b) => a + b, 0);
        assert.equal(totalSum(histogram), rawSumHundredths);
        const rawMean = raw.reduce((a, b) => a + b, 0) / raw.length;
        assert.ok(Math.abs(totalSum(histogram) / totalCount(histogram) / 100 - rawMean) < 1e-9);

        const sortedRaw = [...raw].sort((a, b) => a - b);
        const nearest = (p: number): number => sortedRaw[Math.ceil((p * raw.length) / 100) - 1]!;
        assert.deepEqual(percentiles(histogram, [10, 50, 90]).map((v) => v! / 100), [nearest(10), nearest(50), nearest(90)]);

        const rawShares = {
          excellent: raw.filter((m) => m >= 4.34).length,
          good: raw.filter((m) => m >= 4.03 && m < 4.34).length,
          fair: raw.filter((m) => m >= 3.6 && m < 4.03).length,
          poor: raw.filter((m) => m >= 3.1 && m < 3.6).length,
          bad: raw.filter((m) => m < 3.1).length,
        };
        const shares = { excellent: 0, good: 0, fair: 0, poor: 0, bad: 0 };
        for (const [value, count] of histogram) shares[bandOfHundredths(value)] += count;
        assert.deepEqual(shares, rawShares);
        // The same shares from threshold counts alone.
        assert.equal(countBelow(histogram, 310), rawShares.bad);
        assert.equal(totalCount(histogram) - countBelow(histogram, 434), rawShares.excellent);
        assert.equal(countBelow(histogram, 360) - countBelow(histogram, 310), rawShares.poor);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('encode / decode', () => {
  test('the text is (gap, count) pairs in base 36, values ascending', () => {
    // Inserted out of order; 100 -> gap 100 = "2s", count 1; 101 -> gap 1, count 2; 300 -> gap 199 = "5j", count 200 = "5k".
    const histogram: Histogram = new Map([[300, 200], [100, 1], [101, 2]]);
    assert.equal(encodeHistogram(histogram), '2s:1,1:2,5j:5k,');
    // 2^40 = 1099511627776 = "e13wu1og" in base 36; decoding the literal gives it back.
    assert.equal(encodeHistogram(new Map([[2 ** 40, 1]])), 'e13wu1og:1,');
    assert.deepEqual([...decodeHistogram('e13wu1og:1,')], [[1099511627776, 1]]);
    assert.equal(encodeHistogram(new Map([[0, 1]])), '0:1,');
  });

  test('empty histograms and zero counts encode to nothing; nothing decodes to empty', () => {
    assert.equal(encodeHistogram(new Map()), '');
    assert.equal(encodeHistogram(new Map([[7, 0]])), '');
    assert.equal(encodeHistogram(new Map([[7, 0], [9, 1]])), '9:1,');
    assert.equal(decodeHistogram('').size, 0);
    assert.equal(decodeHistogram(null).size, 0);
    assert.equal(decodeHistogram(undefined).size, 0);
  });

  test('decodes hand-written text, and refuses malformed text', () => {
    assert.deepEqual(sortedEntries(decodeHistogram('2s:1,1:2,5j:5k,')), [[100, 1], [101, 2], [300, 200]]);
    assert.throws(() => decodeHistogram('2s:1,1:2,5j:5K,'), RangeError);
    assert.throws(() => decodeHistogram('2s:1'), RangeError);
  });

  test('decoding into an existing histogram adds, and returns that histogram', () => {
    const existing: Histogram = new Map([[5, 2], [7, 1]]);
    const result = decodeHistogram(encodeHistogram(new Map([[5, 3], [9, 4]])), existing);
    assert.equal(result, existing);
    assert.deepEqual(sortedEntries(existing), [[5, 5], [7, 1], [9, 4]]);
    assert.equal(decodeHistogram(null, existing), existing);
    assert.equal(existing.size, 3);
  });

  test('property: encode then decode round-trips (0, values up to 2^40, large counts)', () => {
    const value = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 }));
    const count = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(Number.MAX_SAFE_INTEGER));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(value, count), { selector: ([v]) => v, maxLength: 80 }), (entries) => {
        const histogram: Histogram = new Map(entries);
        const blob = encodeHistogram(histogram);
        assert.equal(typeof blob, 'string');
        assert.deepEqual(sortedEntries(decodeHistogram(blob)), [...entries].sort((a, b) => a[0] - b[0]));
        // Decoding twice into the same histogram doubles every count (checked where doubling stays exact).
        if (entries.every(([, c]) => c <= 2 ** 50)) {
          const twice = decodeHistogram(blob, decodeHistogram(blob));
          assert.deepEqual(sortedEntries(twice), [...entries].sort((a, b) => a[0] - b[0]).map(([v, c]) => [v, 2 * c]));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('property: decode(a) into decode(b) equals the merge of a and b', () => {
    const hist = fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 100 }).map(histogramOf);
    fc.assert(
      fc.property(hist, hist, (a, b) => {
        const expected: Histogram = new Map(a);
        mergeInto(expected, b);
        assert.deepEqual(sortedEntries(decodeHistogram(encodeHistogram(a), decodeHistogram(encodeHistogram(b)))), sortedEntries(expected));
      }),
      { numRuns: RUNS },
    );
  });

  test('compact: all 401 MOS values 1.00..5.00 with counts up to 5000 take under 2.5 KB', () => {
    const histogram: Histogram = new Map();
    for (let h = 100; h <= 500; h++) addValue(histogram, h, ((h * 37) % 5000) + 1);
    const text = encodeHistogram(histogram);
    // Per entry: a 1-character gap (2 for the first), ':', at most 3 base-36 digits of count (< 36^3), ','.
    assert.ok(text.length <= 401 * 6 + 1, `${text.length} characters`);
    const singles: Histogram = new Map();
    for (let h = 100; h <= 500; h++) addValue(singles, h);
    assert.equal(encodeHistogram(singles).length, 5 + 400 * 4); // "2s:1," then "1:1," 400 times
  });

  test('truncated text throws RangeError', () => {
    const text = encodeHistogram(new Map([[300, 200], [100, 1], [101, 2]])); // "2s:1,1:2,5j:5k,"
    assert.throws(() => decodeHistogram(text.slice(0, -1)), RangeError); // count without its ','
    assert.throws(() => decodeHistogram(text.slice(0, 11)), RangeError); // gap cut before ':'
    assert.throws(() => decodeHistogram(text.slice(0, 3)), RangeError); // gap without its count
    assert.throws(() => decodeHistogram('2s'), RangeError);
    assert.throws(() => decodeHistogram(':'), RangeError); // empty count, then the end
    assert.throws(() => decodeHistogram('5:-1,'), RangeError);
  });

  test('property: dropping the last character of any non-empty text throws RangeError', () => {
    const value = fc.integer({ min: 0, max: 2 ** 40 });
    const count = fc.integer({ min: 1, max: 2 ** 40 });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(value, count), { selector: ([v]) => v, minLength: 1, maxLength: 20 }), (entries) => {
        const text = encodeHistogram(new Map(entries));
        assert.throws(() => decodeHistogram(text.slice(0, -1)), RangeError);
      }),
      { numRuns: RUNS },
    );
  });

  test('encode refuses negative, fractional, non-finite and unsafe values and counts', () => {
    const bad: Array<[number, number]> = [
      [-1, 1], [1.5, 1], [Number.NaN, 1], [Number.POSITIVE_INFINITY, 1], [2 ** 53, 1],
      [5, -1], [5, 1.5], [5, Number.POSITIVE_INFINITY],
    ];
    for (const [value, count] of bad) {
      assert.throws(() => encodeHistogram(new Map([[value, count]])), RangeError, `${value} x ${count}`);
      assert.throws(() => encodeHistogram(new Map([[1, 1], [value, count], [900, 3]])), RangeError, `${value} x ${count} among others`);
    }
  });
});

describe('mergeEncodedHistograms', () => {
  test('equals merging the decoded maps, for random histograms (property)', () => {
    const histogram = fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 1000 })), { maxLength: 60 });
    fc.assert(
      fc.property(histogram, histogram, (a, b) => {
        const expected = new Map<number, number>();
        for (const [value, count] of [...a, ...b]) expected.set(value, (expected.get(value) ?? 0) + count);
        const merged = decodeHistogram(mergeEncodedHistograms(encodeHistogram(toMap(a)), encodeHistogram(toMap(b))));
        assert.deepEqual([...merged].sort((x, y) => x[0] - y[0]), [...expected].sort((x, y) => x[0] - y[0]));
      }),
      { numRuns: 300 },
    );
  });

  test('an empty or missing side gives the other side back', () => {
    const blob = encodeHistogram(new Map([[3, 2], [7, 1]]));
    assert.deepEqual(mergeEncodedHistograms(null, blob), blob);
    assert.deepEqual(mergeEncodedHistograms(blob, ''), blob);
  });
});

function toMap(entries: Array<[number, number]>): Map<number, number> {
  const map = new Map<number, number>();
  for (const [value, count] of entries) map.set(value, (map.get(value) ?? 0) + count);
  return map;
}

/** The text of ascending (value, count) entries, written out here by hand: gap and count in base 36. */
function textOf(entries: ReadonlyArray<readonly [number, number]>): string {
  let previous = 0;
  return entries.map(([value, count]) => {
    const text = `${(value - previous).toString(36)}:${count.toString(36)},`;
    previous = value;
    return text;
  }).join('');
}

/** Plain figures of raw observations: counts per value (ascending), count, sum, values below a limit, nearest ranks. */
function plain(values: readonly number[]) {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const sorted = [...values].sort((a, b) => a - b);
  return {
    entries: [...counts].sort((a, b) => a[0] - b[0]),
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    below: (limit: number) => values.filter((v) => v < limit).length,
    atRank: (rank: number) => (sorted.length === 0 ? null : sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]!),
  };
}

/** Runs of observations: mostly MOS-like and duration-like values, some past the dense array, a few huge. */
const observations = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 100, max: 500 }) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: DENSE_LIMIT - 1 }) },
    { weight: 2, arbitrary: fc.integer({ min: DENSE_LIMIT - 3, max: DENSE_LIMIT + 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: DENSE_LIMIT, max: 2 ** 40 }) },
  ),
  { maxLength: 150 },
);

/** The text of a run of observations (counts per value, ascending). */
const encodedOf = (values: readonly number[]): string => textOf(plain(values).entries);

describe('DenseHistogram', () => {
  test('hand-worked: values in the array and past it, ascending entries, figures', () => {
    const histogram = new DenseHistogram();
    for (const [value, count] of [[450, 1], [300, 9], [DENSE_LIMIT + 10, 2], [0, 1], [4095, 3]] as const) histogram.add(value, count);
    assert.deepEqual([...histogram], [[0, 1], [300, 9], [450, 1], [4095, 3], [DENSE_LIMIT + 10, 2]]);
    assert.equal(totalCount(histogram), 16);
    assert.equal(totalSum(histogram), 300 * 9 + 450 + 4095 * 3 + (DENSE_LIMIT + 10) * 2);
    assert.equal(countBelow(histogram, 450), 10);
    assert.equal(countBelow(histogram, 450.5), 11);
    assert.equal(countBelow(histogram, DENSE_LIMIT + 11), 16);
    assert.equal(countBelow(histogram, -1), 0);
    // n = 16: ranks 2, 8, 15, 16.
    assert.deepEqual(percentiles(histogram, [10, 50, 90, 100]), [300, 300, DENSE_LIMIT + 10, DENSE_LIMIT + 10]);
    assert.deepEqual(percentiles(histogram, [90, 1, 68, 69]), [DENSE_LIMIT + 10, 0, 450, 4095]); // ranks 15, 1, 11, 12
    assert.equal(valueAtRank(histogram, 11), 450);
    assert.equal(valueAtRank(histogram, 12), 4095);
    assert.equal(valueAtRank(new DenseHistogram(), 1), null);
    assert.deepEqual(percentiles(new DenseHistogram(), [10, 50]), [null, null]);
  });

  test('refuses negative, fractional and unsafe values', () => {
    for (const value of [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new DenseHistogram().add(value), RangeError, String(value));
    }
  });

  test('encoded text is decoded when first needed: malformed text throws then, not when added', () => {
    const histogram = new DenseHistogram();
    histogram.addEncoded('2s:1,1:2,5j:5k,');
    histogram.addEncoded('2s:1'); // cut short
    assert.throws(() => totalCount(histogram), RangeError);
    assert.throws(() => percentiles(histogram, [50]), RangeError, 'and again: the histogram is never half-decoded');
    for (const bad of ['2s', ':', '5:-1,', '5:1,A:1,', '5:1:', '5:1,\u0661:1,']) {
      const scanned = new DenseHistogram();
      scanned.addEncoded(bad);
      assert.throws(() => totals(scanned), RangeError, `${bad} scanned`);
      const decoded = new DenseHistogram();
      decoded.addEncoded(bad);
      assert.throws(() => countBelow(decoded, 10), RangeError, `${bad} decoded`);
    }
    const good = new DenseHistogram();
    addEncoded(good, '2s:1,1:2,5j:5k,');
    addEncoded(good, '');
    addEncoded(good, null);
    assert.deepEqual([...good], [[100, 1], [101, 2], [300, 200]]);
  });

  test('property: every figure matches the plain computation over the raw values, added one by one or as text', () => {
    fc.assert(
      fc.property(observations, observations, fc.integer({ min: -5, max: DENSE_LIMIT + 5 }), (a, b, limit) => {
        const expected = plain([...a, ...b]);
        const oneByOne = new DenseHistogram();
        for (const value of [...a, ...b]) addValue(oneByOne, value);
        const asText = new DenseHistogram();
        asText.addEncoded(encodedOf(a));
        asText.addEncoded(encodedOf(b));
        // The count and sum of undecoded text, scanned.
        assert.deepEqual(totals(asText), { count: expected.count, sum: expected.sum });
        for (const histogram of [oneByOne, asText]) {
          assert.deepEqual([...histogram], expected.entries);
          const visited: Array<[number, number]> = [];
          forEachEntry(histogram, (value, count) => visited.push([value, count]));
          assert.deepEqual(visited, expected.entries);
          assert.equal(totalCount(histogram), expected.count);
          assert.equal(totalSum(histogram), expected.sum);
          assert.deepEqual(totals(histogram), { count: expected.count, sum: expected.sum });
          assert.equal(countBelow(histogram, limit), expected.below(limit));
          assert.deepEqual(percentiles(histogram, PS), expected.count === 0 ? PS.map(() => null) : PS.map((p) => expected.atRank(Math.ceil((p / 100) * expected.count))));
          for (const rank of [0, 1, 2, expected.count, expected.count + 1]) assert.equal(valueAtRank(histogram, rank), expected.atRank(rank));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('property: merging dense and plain histograms, decoded or not, equals the histogram of all values', () => {
    fc.assert(
      fc.property(observations, observations, observations, fc.boolean(), (a, b, c, decodeFirst) => {
        const target = new DenseHistogram();
        target.addEncoded(encodedOf(a));
        const source = new DenseHistogram();
        for (const value of b) source.add(value);
        source.addEncoded(encodedOf(c));
        if (decodeFirst) totalCount(source);
        mergeInto(target, source);
        const expected = plain([...a, ...b, ...c]);
        assert.deepEqual([...target], expected.entries);
        assert.equal(totalCount(target), expected.count);
        // The source is unchanged.
        assert.deepEqual([...source], plain([...b, ...c]).entries);
        // A dense histogram into a map, and a map into a dense one.
        const map: Histogram = new Map();
        mergeInto(map, source);
        assert.deepEqual(sortedEntries(map), plain([...b, ...c]).entries);
        const fromMap = new DenseHistogram();
        mergeInto(fromMap, histogramOf(a));
        assert.deepEqual([...fromMap], plain(a).entries);
      }),
      { numRuns: RUNS },
    );
  });

  test('taking text and histograms away (a signed range cover): hand-worked', () => {
    const histogram = new DenseHistogram();
    histogram.addEncoded(textOf([[100, 3], [250, 2], [DENSE_LIMIT + 1, 4]]));
    histogram.addEncoded(textOf([[100, 1], [DENSE_LIMIT + 1, 1]]), -1);
    // Scanned, undecoded: 9 - 2 observations.
    assert.deepEqual(totals(histogram), { count: 7, sum: 100 * 2 + 250 * 2 + (DENSE_LIMIT + 1) * 3 });
    assert.deepEqual([...histogram], [[100, 2], [250, 2], [DENSE_LIMIT + 1, 3]]);
    assert.deepEqual(percentiles(histogram, [10, 50, 90]), [100, 250, DENSE_LIMIT + 1]); // ranks 1, 4, 7
    const away = new DenseHistogram();
    away.add(250, 2);
    away.addEncoded(textOf([[100, 2]]));
    mergeInto(histogram, away, -1);
    assert.deepEqual([...histogram], [[DENSE_LIMIT + 1, 3]], 'values whose counts reach 0 are no entries');
    assert.equal(countBelow(histogram, DENSE_LIMIT), 0);
    // Taking away a histogram that holds text taken away adds that text.
    const twice = new DenseHistogram();
    twice.addEncoded(textOf([[5, 1]]), -1);
    const target = new DenseHistogram();
    target.add(9);
    mergeInto(target, twice, -1);
    assert.deepEqual([...target], [[5, 1], [9, 1]]);
  });

  test('property: a and b added, b taken away as text, decoded or only scanned, gives the histogram of a', () => {
    fc.assert(
      fc.property(observations, observations, fc.boolean(), (a, b, asHistogram) => {
        const histogram = new DenseHistogram();
        histogram.addEncoded(encodedOf(b));
        histogram.addEncoded(encodedOf(a));
        if (asHistogram) {
          const taken = new DenseHistogram();
          for (const value of b) taken.add(value);
          mergeInto(histogram, taken, -1);
        } else {
          addEncoded(histogram, encodedOf(b), -1);
        }
        const expected = plain(a);
        assert.deepEqual(totals(histogram), { count: expected.count, sum: expected.sum });
        assert.deepEqual(percentiles(histogram, PS), expected.count === 0 ? PS.map(() => null) : PS.map((p) => expected.atRank(Math.ceil((p / 100) * expected.count))));
        assert.deepEqual([...histogram], expected.entries);
        const map: Histogram = histogramOf([...a, ...b]);
        addEncoded(map, encodedOf(b), -1);
        assert.deepEqual(sortedEntries(map), expected.entries);
      }),
      { numRuns: RUNS },
    );
  });

  test('property: percentiles of one undecoded text (a single rollup row) equal the plain ones, and leave it undecoded', () => {
    fc.assert(
      fc.property(observations, (a) => {
        const histogram = new DenseHistogram();
        histogram.addEncoded(encodedOf(a));
        const expected = plain(a);
        assert.deepEqual(percentiles(histogram, PS), expected.count === 0 ? PS.map(() => null) : PS.map((p) => expected.atRank(Math.ceil((p / 100) * expected.count))));
        assert.deepEqual([...histogram], expected.entries);
      }),
      { numRuns: RUNS },
    );
    const malformed = new DenseHistogram();
    malformed.addEncoded('2s:1,1:');
    assert.throws(() => percentiles(malformed, [50]), RangeError);
  });

  test('merging a histogram into itself doubles every count', () => {
    const histogram = new DenseHistogram();
    histogram.add(7, 2);
    histogram.add(DENSE_LIMIT * 2);
    histogram.addEncoded(textOf([[7, 1], [300, 4]]));
    mergeInto(histogram, histogram);
    assert.deepEqual([...histogram], [[7, 6], [300, 8], [DENSE_LIMIT * 2, 2]]);
  });

  test('decodeHistogram adds into a dense histogram now, and encodeHistogram writes one back as the same text', () => {
    const text = textOf([[0, 3], [100, 1], [101, 2], [4100, 5]]);
    const histogram = decodeHistogram(text, new DenseHistogram());
    assert.ok(histogram instanceof DenseHistogram);
    assert.deepEqual([...histogram], [[0, 3], [100, 1], [101, 2], [4100, 5]]);
    assert.equal(encodeHistogram(histogram), text);
    assert.throws(() => decodeHistogram('2s:1', new DenseHistogram()), RangeError);
  });
});
