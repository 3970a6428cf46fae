/**
 * @module
 * Exact histograms of whole numbers (MOS in hundredths, durations in seconds): value -> count.
 * They merge by adding counts, so rollups of any range combine into one exact distribution; nearest-rank
 * percentiles, means and threshold counts then come out exact. Stored as compact text (encodeHistogram).
 * Two forms in memory: a plain Map, and a DenseHistogram (an array indexed by value) that reads decode
 * stored text into and walk in order of value without sorting.
 */

/**
 * A histogram: counts per whole-number value. Either a plain map (what the write path builds call by call)
 * or a {@link DenseHistogram} (what rollup reads build from stored text); every function here takes both.
 */
export type Histogram = Map<number, number> | DenseHistogram;

/** Values below this are counted in a {@link DenseHistogram}'s array; larger ones in its overflow map. */
export const DENSE_LIMIT = 4096;

const NO_COUNTS = new Float64Array(0);
const COLON = 58;
const COMMA = 44;

/**
 * A histogram made for reading: counts of the values 0..{@link DENSE_LIMIT}-1 in an array indexed by value
 * (grown as values arrive: MOS in hundredths needs 512 slots, durations in seconds at most 4096), larger
 * values in a map. Encoded text can be added unread ({@link DenseHistogram.addEncoded}): it is decoded
 * straight into the array when first needed, or only scanned when the count and sum are all that is asked
 * for ({@link totals}). Percentiles, threshold counts and sums walk the array in order of value, unsorted.
 * Its entries are the values with a non-zero count.
 */
export class DenseHistogram implements Iterable<[number, number]> {
  /** counts[v]: the count of value v, for v < counts.length (64, 512 or DENSE_LIMIT). */
  private counts: Float64Array = NO_COUNTS;
  /** The values at or above DENSE_LIMIT -> their counts. */
  private overflow: Map<number, number> | null = null;
  /** Encoded histograms added but not decoded yet, and those taken away (a signed range cover's). */
  private pending: string[] | null = null;
  private pendingNegative: string[] | null = null;
  /** The count and sum of what is decoded (`counts` and `overflow`). */
  private decodedCount = 0;
  private decodedSum = 0;
  /** The error of malformed text met while decoding: the histogram is then unusable. */
  private failure: Error | null = null;

  /** Adds `count` observations of `value`, a non-negative whole number (as {@link encodeHistogram} requires). */
  add(value: number, count = 1): void {
    if (value >= 0 && value < DENSE_LIMIT && Number.isInteger(value)) {
      if (value >= this.counts.length) this.grow(value);
      this.counts[value]! += count;
    } else if (Number.isSafeInteger(value) && value >= 0) {
      this.overflow ??= new Map();
      this.overflow.set(value, (this.overflow.get(value) ?? 0) + count);
    } else {
      throw new RangeError(`a dense histogram counts non-negative whole numbers, got ${value}`);
    }
    this.decodedCount += count;
    this.decodedSum += value * count;
  }

  /**
   * Adds an encoded histogram ({@link encodeHistogram}), or takes it away (`sign` -1: a bucket a signed range
   * cover subtracts), decoded when first needed: malformed text throws a RangeError then, from whichever
   * function reads the histogram.
   */
  addEncoded(text: string | null | undefined, sign: 1 | -1 = 1): void {
    if (!text) return;
    if (sign < 0) (this.pendingNegative ??= []).push(text);
    else (this.pending ??= []).push(text);
  }

  /** Adds (or with `sign` -1 takes away) every count of another dense histogram (its undecoded text stays undecoded). */
  addHistogram(source: DenseHistogram, sign: 1 | -1 = 1): void {
    const counts = source.counts;
    if (counts.length > this.counts.length) this.grow(counts.length - 1);
    const target = this.counts;
    for (let value = 0; value < counts.length; value++) target[value]! += sign * counts[value]!;
    if (source.overflow) {
      this.overflow ??= new Map();
      for (const [value, count] of source.overflow) this.overflow.set(value, (this.overflow.get(value) ?? 0) + sign * count);
    }
    this.decodedCount += sign * source.decodedCount;
    this.decodedSum += sign * source.decodedSum;
    // n first: `source` may be `this`
    const texts = source.pending;
    if (texts) for (let i = 0, n = texts.length; i < n; i++) this.addEncoded(texts[i]!, sign);
    const negative = source.pendingNegative;
    if (negative) for (let i = 0, n = negative.length; i < n; i++) this.addEncoded(negative[i]!, sign < 0 ? 1 : -1);
  }

  /** The number of observations. */
  count(): number {
    this.decode();
    return this.decodedCount;
  }

  /** The sum of all observations (value × count). */
  sum(): number {
    this.decode();
    return this.decodedSum;
  }

  /**
   * The count and sum, with any undecoded text only scanned, not decoded (and kept undecoded): for when
   * they are all that is needed of the histogram.
   */
  totals(): { count: number; sum: number } {
    if (!this.pending && !this.pendingNegative) return { count: this.decodedCount, sum: this.decodedSum };
    const pending = this.pendingTotals();
    return { count: this.decodedCount + pending.count, sum: this.decodedSum + pending.sum };
  }

  /** Calls `visit` with every entry with a non-zero count, in ascending order of value. */
  forEach(visit: (value: number, count: number) => void): void {
    this.decode();
    const counts = this.counts;
    for (let value = 0; value < counts.length; value++) if (counts[value] !== 0) visit(value, counts[value]!);
    if (this.overflow) for (const [value, count] of this.sortedOverflow()) if (count !== 0) visit(value, count);
  }

  /** How many observations are strictly below `limit`. */
  countBelow(limit: number): number {
    this.decode();
    const counts = this.counts;
    const end = Math.min(counts.length, Math.max(0, Math.ceil(limit)));
    let below = 0;
    for (let value = 0; value < end; value++) below += counts[value]!;
    if (this.overflow) for (const [value, count] of this.overflow) if (value < limit) below += count;
    return below;
  }

  /**
   * Nearest-rank percentiles (see {@link percentiles}). A histogram that is one undecoded text (a single
   * rollup row, e.g. a time-series point) is only scanned for its count, then read up to the highest rank,
   * without decoding it.
   */
  percentiles(ps: readonly number[]): Array<number | null> {
    const text = this.pending !== null && this.pending.length === 1 && !this.pendingNegative && this.decodedCount === 0 && !this.failure ? this.pending[0]! : null;
    const n = text === null ? this.count() : this.totals().count;
    if (n === 0) return ps.map(() => null);
    const ranks = ps.map((p) => Math.max(1, Math.ceil((p / 100) * n)));
    const order = ranks.map((_, i) => i).sort((a, b) => ranks[a]! - ranks[b]!);
    const sorted = order.map((i) => ranks[i]!);
    const values = text === null ? this.valuesAtRanks(sorted) : valuesAtRanksInText(text, sorted);
    const result: Array<number | null> = new Array(ps.length);
    order.forEach((i, at) => (result[i] = values[at]!));
    return result;
  }

  /**
   * The values at ascending 1-based ranks (`ranks` sorted ascending, each at least 1): for each, the smallest
   * value whose cumulative count reaches it, or the largest value when the rank is past the last observation.
   * Null for each rank when the histogram is empty.
   */
  valuesAtRanks(ranks: readonly number[]): Array<number | null> {
    this.decode();
    const result: Array<number | null> = ranks.map(() => null);
    let next = 0;
    let seen = 0;
    let last: number | null = null;
    const counts = this.counts;
    for (let value = 0; value < counts.length && next < ranks.length; value++) {
      const count = counts[value]!;
      if (count === 0) continue;
      seen += count;
      last = value;
      while (next < ranks.length && seen >= ranks[next]!) result[next++] = value;
    }
    if (this.overflow && next < ranks.length) {
      for (const [value, count] of this.sortedOverflow()) {
        if (count === 0) continue;
        seen += count;
        last = value;
        while (next < ranks.length && seen >= ranks[next]!) result[next++] = value;
        if (next === ranks.length) break;
      }
    }
    while (next < ranks.length) result[next++] = last;
    return result;
  }

  /** The entries with a non-zero count, in ascending order of value. */
  *[Symbol.iterator](): Iterator<[number, number]> {
    const entries: Array<[number, number]> = [];
    this.forEach((value, count) => entries.push([value, count]));
    yield* entries;
  }

  /** Makes `counts` long enough for `value` (a whole number below DENSE_LIMIT): 64, 512 or 4096 slots. */
  private grow(value: number): void {
    let length = 64;
    while (length <= value) length *= 8;
    const counts = new Float64Array(Math.min(length, DENSE_LIMIT));
    counts.set(this.counts);
    this.counts = counts;
  }

  private sortedOverflow(): Array<[number, number]> {
    return [...this.overflow!].sort((a, b) => a[0] - b[0]);
  }

  /** Decodes the pending text into `counts` and `overflow`; once some text turned out malformed, throws that error again. */
  private decode(): void {
    if (this.failure) throw this.failure;
    const pending = this.pending;
    const negative = this.pendingNegative;
    if (!pending && !negative) return;
    try {
      if (pending) for (const text of pending) this.parse(text, true, 1);
      if (negative) for (const text of negative) this.parse(text, true, -1);
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
    this.pending = null;
    this.pendingNegative = null;
  }

  /** The count and sum of the pending text, scanned without storing its values. */
  private pendingTotals(): { count: number; sum: number } {
    if (this.failure) throw this.failure;
    let count = 0;
    let sum = 0;
    for (const text of this.pending ?? []) {
      this.parse(text, false, 1);
      count += parsed.count;
      sum += parsed.sum;
    }
    for (const text of this.pendingNegative ?? []) {
      this.parse(text, false, 1);
      count -= parsed.count;
      sum -= parsed.sum;
    }
    return { count, sum };
  }

  /**
   * Reads one encoded histogram ({@link encodeHistogram}), adding its entries times `sign` into this
   * histogram's arrays when `store` is set (and its count and sum to the decoded ones), and leaves its own
   * count and sum in `parsed`. One loop over the characters with a digit table: what rollup reads spend
   * their time in.
   */
  private parse(text: string, store: boolean, sign: 1 | -1): void {
    const length = text.length;
    let offset = 0;
    let value = 0;
    let count = 0;
    let sum = 0;
    while (offset < length) {
      let gap = 0;
      let code = text.charCodeAt(offset++);
      while (code !== COLON) {
        const digit = code < 128 ? DIGITS[code]! : -1; // NaN past the end: -1
        if (digit < 0) throw malformed(offset - 1);
        gap = gap * 36 + digit;
        code = text.charCodeAt(offset++);
      }
      let entryCount = 0;
      code = text.charCodeAt(offset++);
      while (code !== COMMA) {
        const digit = code < 128 ? DIGITS[code]! : -1;
        if (digit < 0) throw malformed(offset - 1);
        entryCount = entryCount * 36 + digit;
        code = text.charCodeAt(offset++);
      }
      value += gap;
      if (store) {
        if (value < this.counts.length) this.counts[value]! += sign * entryCount;
        else if (value < DENSE_LIMIT) {
          this.grow(value);
          this.counts[value]! += sign * entryCount;
        } else {
          this.overflow ??= new Map();
          this.overflow.set(value, (this.overflow.get(value) ?? 0) + sign * entryCount);
        }
      }
      count += entryCount;
      sum += value * entryCount;
    }
    if (store) {
      this.decodedCount += sign * count;
      this.decodedSum += sign * sum;
    }
    parsed.count = count;
    parsed.sum = sum;
  }
}

/**
 * The values at ascending 1-based ranks of one encoded histogram, as {@link DenseHistogram.valuesAtRanks}
 * gives them, reading its entries only up to the highest rank.
 */
function valuesAtRanksInText(text: string, ranks: readonly number[]): Array<number | null> {
  const result: Array<number | null> = ranks.map(() => null);
  const reader = new EntryReader(text);
  let next = 0;
  let seen = 0;
  let last: number | null = null;
  while (next < ranks.length && reader.next()) {
    if (reader.count === 0) continue;
    seen += reader.count;
    last = reader.value;
    while (next < ranks.length && seen >= ranks[next]!) result[next++] = reader.value;
  }
  while (next < ranks.length) result[next++] = last;
  return result;
}

/** The count and sum of the text {@link DenseHistogram}'s parse read last (one record, reused). */
const parsed = { count: 0, sum: 0 };

/** The value of each ASCII base-36 digit (0-9, a-z), -1 for any other character. */
const DIGITS = new Int8Array(128).fill(-1);
for (let code = 48; code <= 57; code++) DIGITS[code] = code - 48;
for (let code = 97; code <= 122; code++) DIGITS[code] = code - 87;

function malformed(offset: number): RangeError {
  return new RangeError(`malformed histogram text at ${offset}`);
}

/** Adds `count` observations of `value`. */
export function addValue(histogram: Histogram, value: number, count = 1): void {
  if (histogram instanceof DenseHistogram) histogram.add(value, count);
  else histogram.set(value, (histogram.get(value) ?? 0) + count);
}

/** Calls `visit` with every entry of a histogram (a map's in its own order, a dense one's ascending). */
export function forEachEntry(histogram: Histogram, visit: (value: number, count: number) => void): void {
  if (histogram instanceof DenseHistogram) histogram.forEach(visit);
  else for (const [value, count] of histogram) visit(value, count);
}

/** Adds every count of `source` into `target` (or takes them away: `sign` -1). */
export function mergeInto(target: Histogram, source: Histogram, sign: 1 | -1 = 1): void {
  if (target instanceof DenseHistogram && source instanceof DenseHistogram) target.addHistogram(source, sign);
  else forEachEntry(source, (value, count) => addValue(target, value, sign * count));
}

/** The number of distinct values (those with a count). */
export function distinctValues(histogram: Histogram): number {
  if (!(histogram instanceof DenseHistogram)) return histogram.size;
  let values = 0;
  histogram.forEach(() => (values += 1));
  return values;
}

/** The number of observations. */
export function totalCount(histogram: Histogram): number {
  if (histogram instanceof DenseHistogram) return histogram.count();
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}

/** The sum of all observations (value × count). */
export function totalSum(histogram: Histogram): number {
  if (histogram instanceof DenseHistogram) return histogram.sum();
  let sum = 0;
  for (const [value, count] of histogram) sum += value * count;
  return sum;
}

/**
 * The number of observations and their sum, for when nothing else is needed: a dense histogram scans its
 * undecoded text for them without decoding it.
 */
export function totals(histogram: Histogram): { count: number; sum: number } {
  if (histogram instanceof DenseHistogram) return histogram.totals();
  return { count: totalCount(histogram), sum: totalSum(histogram) };
}

/** How many observations are strictly below `limit`. */
export function countBelow(histogram: Histogram, limit: number): number {
  if (histogram instanceof DenseHistogram) return histogram.countBelow(limit);
  let below = 0;
  for (const [value, count] of histogram) if (value < limit) below += count;
  return below;
}

/**
 * Nearest-rank percentiles: for each p in (0, 100], the smallest value v such that at least p% of the
 * observations are ≤ v (rank ceil(p/100 × n)). Null for an empty histogram.
 */
export function percentiles(histogram: Histogram, ps: readonly number[]): Array<number | null> {
  if (histogram instanceof DenseHistogram) return histogram.percentiles(ps);
  const n = totalCount(histogram);
  if (n === 0) return ps.map(() => null);
  const ranks = ps.map((p) => Math.max(1, Math.ceil((p / 100) * n)));
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  return ranks.map((rank) => {
    let seen = 0;
    for (const [value, count] of sorted) {
      seen += count;
      if (seen >= rank) return value;
    }
    return sorted[sorted.length - 1]![0];
  });
}

/**
 * The value at a 1-based rank from the bottom (the smallest value whose cumulative count reaches it; ranks
 * below 1 count as 1), the largest value when the rank is past the last observation, null when empty.
 */
export function valueAtRank(histogram: Histogram, rank: number): number | null {
  if (totalCount(histogram) === 0) return null;
  if (histogram instanceof DenseHistogram) return histogram.valuesAtRanks([Math.max(1, rank)])[0]!;
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (seen >= rank) return value;
  }
  return sorted[sorted.length - 1]![0];
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

/** Decodes {@link encodeHistogram}'s output, adding into `into` when given (taking away: `sign` -1). */
export function decodeHistogram<H extends Histogram = Map<number, number>>(text: string | null | undefined, into?: H, sign: 1 | -1 = 1): H {
  const histogram = into ?? (new Map() as H);
  if (!text) return histogram;
  const reader = new EntryReader(text);
  if (histogram instanceof DenseHistogram) while (reader.next()) histogram.add(reader.value, sign * reader.count);
  else while (reader.next()) histogram.set(reader.value, (histogram.get(reader.value) ?? 0) + sign * reader.count);
  return histogram;
}

/**
 * Adds an encoded histogram into `histogram` (or takes it away: `sign` -1): a dense one keeps the text to
 * decode when first needed (and throws on malformed text then), a map decodes it now.
 */
export function addEncoded(histogram: Histogram, text: string | null | undefined, sign: 1 | -1 = 1): void {
  if (histogram instanceof DenseHistogram) histogram.addEncoded(text, sign);
  else decodeHistogram(text, histogram, sign);
}
