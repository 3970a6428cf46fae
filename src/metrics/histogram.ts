/**
 * @module
 * Exact sparse histograms of whole numbers (MOS in hundredths, durations in seconds): value -> count.
 * They merge by adding counts, so rollups of any range combine into one exact distribution; nearest-rank
 * percentiles, means and threshold counts then come out exact. Stored as a compact binary blob.
 */

/** A histogram: counts per whole-number value. */
export type Histogram = Map<number, number>;

/** Adds `count` observations of `value`. */
export function addValue(histogram: Histogram, value: number, count = 1): void {
  histogram.set(value, (histogram.get(value) ?? 0) + count);
}

/** Adds every count of `source` into `target`. */
export function mergeInto(target: Histogram, source: Histogram): void {
  for (const [value, count] of source) addValue(target, value, count);
}

/** The number of observations. */
export function totalCount(histogram: Histogram): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}

/** The sum of all observations (value × count). */
export function totalSum(histogram: Histogram): number {
  let sum = 0;
  for (const [value, count] of histogram) sum += value * count;
  return sum;
}

/** How many observations are strictly below `limit`. */
export function countBelow(histogram: Histogram, limit: number): number {
  let below = 0;
  for (const [value, count] of histogram) if (value < limit) below += count;
  return below;
}

/**
 * Nearest-rank percentiles: for each p in (0, 100], the smallest value v such that at least p% of the
 * observations are ≤ v (rank ceil(p/100 × n)). Null for an empty histogram.
 */
export function percentiles(histogram: Histogram, ps: readonly number[]): Array<number | null> {
  const n = totalCount(histogram);
  if (n === 0) return ps.map(() => null);
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    let seen = 0;
    for (const [value, count] of sorted) {
      seen += count;
      if (seen >= rank) return value;
    }
    return sorted[sorted.length - 1]![0];
  });
}

/**
 * Encodes a histogram of non-negative whole numbers as compact ASCII text: values ascending, each as its
 * gap from the previous value in base 36 ended by ':', then its count in base 36 ended by ','. E.g.
 * {403: 2, 407: 1} is "b7:2,4:1,". Text rather than bytes: a database driver hands strings to
 * JavaScript far more cheaply than buffers, and rollup reads decode thousands of rows.
 */
export function encodeHistogram(histogram: Histogram): string {
  let text = '';
  let previous = 0;
  for (const [value, count] of [...histogram].sort((a, b) => a[0] - b[0])) {
    if (count === 0) continue;
    if (!Number.isSafeInteger(value) || value < 0 || !Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`histogram entries must be non-negative whole numbers, got ${value} x ${count}`);
    }
    text += `${(value - previous).toString(36)}:${count.toString(36)},`;
    previous = value;
  }
  return text;
}

const COLON = 58;
const COMMA = 44;

/**
 * Reads the (value, count) entries of an encoded histogram in ascending order of value: `next()` moves to
 * the next entry and says whether there was one. A plain cursor, not a generator: rollup reads decode
 * millions of entries.
 */
class EntryReader {
  private offset = 0;
  value = 0;
  count = 0;

  constructor(private readonly text: string) {}

  next(): boolean {
    if (this.offset >= this.text.length) return false;
    this.value += this.number(COLON);
    this.count = this.number(COMMA);
    return true;
  }

  private number(end: number): number {
    const text = this.text;
    let result = 0;
    for (;;) {
      const code = text.charCodeAt(this.offset++);
      if (code === end) return result;
      const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 122 ? code - 87 : -1;
      if (digit < 0) throw new RangeError(`malformed histogram text at ${this.offset - 1}`);
      result = result * 36 + digit;
    }
  }
}

/**
 * Merges two encoded histograms in one pass over both, without building maps: what rollup updates do
 * on every commit. `null` stands for an empty histogram.
 */
export function mergeEncodedHistograms(a: string | null | undefined, b: string | null | undefined): string {
  if (!a) return b ?? '';
  if (!b) return a;
  let text = '';
  let previous = 0;
  const emit = (value: number, count: number): void => {
    text += `${(value - previous).toString(36)}:${count.toString(36)},`;
    previous = value;
  };
  const left = new EntryReader(a);
  const right = new EntryReader(b);
  let hasLeft = left.next();
  let hasRight = right.next();
  while (hasLeft || hasRight) {
    if (!hasRight || (hasLeft && left.value < right.value)) {
      emit(left.value, left.count);
      hasLeft = left.next();
    } else if (!hasLeft || right.value < left.value) {
      emit(right.value, right.count);
      hasRight = right.next();
    } else {
      emit(left.value, left.count + right.count);
      hasLeft = left.next();
      hasRight = right.next();
    }
  }
  return text;
}

/** Decodes {@link encodeHistogram}'s output, adding into `into` when given. */
export function decodeHistogram(text: string | null | undefined, into: Histogram = new Map()): Histogram {
  if (!text) return into;
  const reader = new EntryReader(text);
  while (reader.next()) into.set(reader.value, (into.get(reader.value) ?? 0) + reader.count);
  return into;
}
