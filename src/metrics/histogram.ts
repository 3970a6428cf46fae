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

/** Writes an unsigned integer as a LEB128 varint. */
function pushVarint(bytes: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}

/**
 * Encodes a histogram of non-negative whole numbers: values ascending, each as (gap from the previous
 * value, count), both varints. A typical MOS histogram takes a few hundred bytes.
 */
export function encodeHistogram(histogram: Histogram): Buffer {
  const bytes: number[] = [];
  let previous = 0;
  for (const [value, count] of [...histogram].sort((a, b) => a[0] - b[0])) {
    if (count === 0) continue;
    if (!Number.isSafeInteger(value) || value < 0 || !Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`histogram entries must be non-negative whole numbers, got ${value} x ${count}`);
    }
    pushVarint(bytes, value - previous);
    pushVarint(bytes, count);
    previous = value;
  }
  return Buffer.from(bytes);
}

/** Reads the (value, count) entries of an encoded histogram, in ascending order of value. */
function* encodedEntries(blob: Uint8Array): Generator<[number, number]> {
  let offset = 0;
  let value = 0;
  const readVarint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = blob[offset++];
      if (byte === undefined) throw new RangeError('truncated histogram blob');
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
  };
  while (offset < blob.length) {
    value += readVarint();
    yield [value, readVarint()];
  }
}

/**
 * Merges two encoded histograms in one pass over both, without building maps: what rollup updates do
 * on every commit. `null` stands for an empty histogram.
 */
export function mergeEncodedHistograms(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): Buffer {
  if (!a || a.length === 0) return Buffer.from(b ?? []);
  if (!b || b.length === 0) return Buffer.from(a);
  const bytes: number[] = [];
  let previous = 0;
  const emit = (value: number, count: number): void => {
    pushVarint(bytes, value - previous);
    pushVarint(bytes, count);
    previous = value;
  };
  const left = encodedEntries(a);
  const right = encodedEntries(b);
  let x = left.next();
  let y = right.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value[0] < y.value[0])) {
      emit(...(x.value as [number, number]));
      x = left.next();
    } else if (x.done || y.value[0] < x.value[0]) {
      emit(...y.value);
      y = right.next();
    } else {
      emit(x.value[0], x.value[1] + y.value[1]);
      x = left.next();
      y = right.next();
    }
  }
  return Buffer.from(bytes);
}

/** Decodes {@link encodeHistogram}'s output, adding into `into` when given. */
export function decodeHistogram(blob: Uint8Array | null | undefined, into: Histogram = new Map()): Histogram {
  if (!blob) return into;
  for (const [value, count] of encodedEntries(blob)) addValue(into, value, count);
  return into;
}
