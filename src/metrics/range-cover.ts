/**
 * @module
 * Covers a time range [from, to) with the fewest whole rollup buckets (UTC months, days, hours and
 * 15-minute slots) plus at most two partial slots at its ends, which are read from the calls themselves.
 * So a summary of any range reads a bounded number of rows, however long the history. (The hour level
 * serves days and hourly series in time zones whose days are not UTC days.) For stores that can subtract
 * buckets, a cover may also take buckets away when that reads less ({@link signedCover}).
 */

/** Rollup levels, coarsest first. */
export const ROLLUP_LEVELS = ['month', 'day', 'hour', 'quarter'] as const;
export type RollupLevel = (typeof ROLLUP_LEVELS)[number];

const QUARTER = 15 * 60_000;
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

/** One whole rollup bucket: its level, its start (UTC epoch ms), and whether its counts are added or taken away. */
export interface RollupUnit {
  level: RollupLevel;
  start: number;
  /** -1 when the bucket's counts are subtracted (only in covers made with `signed`); absent: added. */
  sign?: -1;
}

/** The cover of a range: whole buckets, and partial pieces [from, to) to read from the calls. */
export interface RangeCover {
  units: RollupUnit[];
  edges: Array<[number, number]>;
}

/** The start of the rollup bucket of `level` containing instant `ms` (UTC). */
export function levelStart(ms: number, level: RollupLevel): number {
  switch (level) {
    case 'quarter':
      return Math.floor(ms / QUARTER) * QUARTER;
    case 'hour':
      return Math.floor(ms / HOUR) * HOUR;
    case 'day':
      return Math.floor(ms / DAY) * DAY;
    case 'month': {
      const date = new Date(ms);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
  }
}

/** The start of the bucket after the one of `level` that starts at `start`. */
export function levelEnd(start: number, level: RollupLevel): number {
  switch (level) {
    case 'quarter':
      return start + QUARTER;
    case 'hour':
      return start + HOUR;
    case 'day':
      return start + DAY;
    case 'month': {
      const date = new Date(start);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
  }
}

/**
 * Covers [from, to) (epoch ms) with whole buckets, coarsest that fit, and partial edge pieces. `finest`
 * is the finest level to use: `day` for the dimensions kept per day and month only (edges then span up
 * to a day each). With `signed` (for stores that subtract rollup units: {@link signedCover}), buckets may
 * also be taken away when that reads less, e.g. a New York day is its UTC day, minus 4 hours, plus 4 hours.
 */
export function coverRange(from: number, to: number, finest: RollupLevel = 'quarter', signed = false): RangeCover {
  if (to <= from) return { units: [], edges: [] };
  const added = additiveCover(from, to, finest);
  return signed && added.units.length > 2 ? signedCover(from, to, finest, added) : added;
}

/** The cover made of added buckets only, coarsest that fit inside the range. */
function additiveCover(from: number, to: number, finest: RollupLevel): RangeCover {
  const levels = ROLLUP_LEVELS.slice(0, ROLLUP_LEVELS.indexOf(finest) + 1);
  const unit = (ms: number): number => levelStart(ms, finest);
  const first = unit(from) === from ? from : levelEnd(unit(from), finest);
  const last = unit(to);
  if (first >= last) return { units: [], edges: [[from, to]] };
  const edges: Array<[number, number]> = [];
  if (from < first) edges.push([from, first]);
  if (last < to) edges.push([last, to]);
  const units: RollupUnit[] = [];
  let cursor = first;
  while (cursor < last) {
    // (A month can only start at a UTC midnight: checked first, it spares the Date of most checks.)
    const level = levels.find((l) => (l !== 'month' || cursor % DAY === 0) && levelStart(cursor, l) === cursor && levelEnd(cursor, l) <= last)!;
    units.push({ level, start: cursor });
    cursor = levelEnd(cursor, level);
  }
  return { units, edges };
}

/**
 * What reading a bucket of each level costs, roughly, relative to a 15-minute slot: coarser rows hold
 * more distinct values in their histograms, though far fewer than their share of calls.
 */
const LEVEL_COST: Record<RollupLevel, number> = { month: 8, day: 4, hour: 2, quarter: 1 };

/** A point on the grid of `level` as a bucket number (months counted from year 0), so that differences count buckets. */
function position(level: RollupLevel, ms: number): number {
  if (level !== 'month') return ms / (levelEnd(0, level) - levelStart(0, level));
  const date = new Date(ms);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** The grid points of `level` at or around `ms`: the bucket start at or before it, and the next one when it is not on the grid. */
function gridChoices(ms: number, level: RollupLevel): number[] {
  const floor = levelStart(ms, level);
  return floor === ms ? [ms] : [floor, levelEnd(floor, level)];
}

/**
 * The grid points around one end of a range, per level, that a cover may write P(end), everything before
 * the end, with: the coarsest level's point counted from the origin, each finer level's as the whole
 * buckets between it and the previous level's point (backwards when it comes first). `choices[k]` are level
 * k's candidate points (the finest level's is fixed); `at[k][i]` is `choices[k][i]`, and `previous[k][i]` is
 * `choices[k - 1][i]`, as bucket numbers of level k.
 */
interface EndPoints {
  choices: number[][];
  at: number[][];
  previous: number[][];
}

/** The grid points around `end` at each level, ending at `last` on the finest level. */
function endPoints(levels: readonly RollupLevel[], end: number, last: number): EndPoints {
  const choices = levels.map((level, k) => (k === levels.length - 1 ? [last] : gridChoices(end, level)));
  return {
    choices,
    at: choices.map((points, k) => points.map((point) => position(levels[k]!, point))),
    previous: choices.map((_, k) => (k === 0 ? [0] : choices[k - 1]!.map((point) => position(levels[k]!, point)))),
  };
}

/**
 * The buckets of one level that the two ends' points leave after cancelling: `to`'s stretch [previous, at)
 * counted +1 (or -1 when backwards) minus `from`'s. Their number, or Infinity where a bucket would count
 * twice (not a cover this reads).
 */
function netBuckets(fromPrevious: number, fromAt: number, toPrevious: number, toAt: number): number {
  const fromSign = Math.sign(fromAt - fromPrevious);
  const toSign = Math.sign(toAt - toPrevious);
  const fromLength = Math.abs(fromAt - fromPrevious);
  const toLength = Math.abs(toAt - toPrevious);
  const overlap = Math.max(0, Math.min(Math.max(fromPrevious, fromAt), Math.max(toPrevious, toAt)) - Math.max(Math.min(fromPrevious, fromAt), Math.min(toPrevious, toAt)));
  if (fromSign === toSign) return fromLength + toLength - 2 * overlap;
  return overlap > 0 ? Infinity : fromLength + toLength;
}

/** The signed buckets the two ends' points leave at one level, after cancelling, in order of start. */
function netUnits(level: RollupLevel, fromPrevious: number, fromPoint: number, toPrevious: number, toPoint: number): RollupUnit[] {
  const weight = (previous: number, point: number, t: number): number => (previous <= t && t < point ? 1 : point <= t && t < previous ? -1 : 0);
  const bounds = [...new Set([fromPrevious, fromPoint, toPrevious, toPoint])].sort((a, b) => a - b);
  const units: RollupUnit[] = [];
  for (let i = 1; i < bounds.length; i++) {
    const sign = weight(toPrevious, toPoint, bounds[i - 1]!) - weight(fromPrevious, fromPoint, bounds[i - 1]!);
    for (let start = bounds[i - 1]!; sign !== 0 && start < bounds[i]!; start = levelEnd(start, level)) {
      units.push(sign < 0 ? { level, start, sign: -1 } : { level, start });
    }
  }
  return units;
}

/**
 * The cheapest cover of [from, to) with buckets added and taken away (by {@link LEVEL_COST}), or `added`
 * when nothing beats it. At each end, each level's point is the grid point just before or just after the
 * end, except the finest level's, which stays inside the range: the edges read from the calls are the
 * additive cover's, so they are only ever added (a scan is not in the rollups' snapshot, and taking away
 * calls read in another snapshot could take away one that was never added).
 */
export function signedCover(from: number, to: number, finest: RollupLevel, added: RangeCover): RangeCover {
  const levels = ROLLUP_LEVELS.slice(0, ROLLUP_LEVELS.indexOf(finest) + 1);
  const inner = { from: gridChoices(from, finest).at(-1)!, to: levelStart(to, finest) };
  if (inner.from >= inner.to) return added;
  const ends = { from: endPoints(levels, from, inner.from), to: endPoints(levels, to, inner.to) };
  // Level by level, the cheapest way to reach each pair of points (state 2a + b: point a at the range's
  // start, b at its end) from the previous level's pairs: a level's cost depends only on its points and the previous ones.
  let costs = [0];
  const cameFrom: number[][] = [];
  for (let k = 0; k < levels.length; k++) {
    const next: number[] = [Infinity, Infinity, Infinity, Infinity];
    const back: number[] = [-1, -1, -1, -1];
    for (let state = 0; state < 4; state++) {
      const a = state >> 1;
      const b = state & 1;
      if (a >= ends.from.choices[k]!.length || b >= ends.to.choices[k]!.length) continue;
      for (let before = 0; before < costs.length; before++) {
        if (costs[before] === Infinity) continue;
        const previousA = k === 0 ? 0 : before >> 1;
        const previousB = k === 0 ? 0 : before & 1;
        const buckets = netBuckets(ends.from.previous[k]![previousA]!, ends.from.at[k]![a]!, ends.to.previous[k]![previousB]!, ends.to.at[k]![b]!);
        const cost = costs[before]! + buckets * LEVEL_COST[levels[k]!];
        if (cost < next[state]!) {
          next[state] = cost;
          back[state] = before;
        }
      }
    }
    costs = next;
    cameFrom.push(back);
  }
  const last = costs[0]!; // the finest level has one point at each end: state 0
  if (!(last < added.units.reduce((sum, unit) => sum + LEVEL_COST[unit.level], 0))) return added;
  const states: number[] = new Array(levels.length);
  states[levels.length - 1] = 0;
  for (let k = levels.length - 1; k > 0; k--) states[k - 1] = cameFrom[k]![states[k]!]!;
  const point = (end: EndPoints, k: number, bit: number): number => (k < 0 ? 0 : end.choices[k]![bit]!);
  const units = levels.flatMap((level, k) => {
    const [state, before] = [states[k]!, k === 0 ? 0 : states[k - 1]!];
    return netUnits(level, point(ends.from, k - 1, before >> 1), point(ends.from, k, state >> 1), point(ends.to, k - 1, before & 1), point(ends.to, k, state & 1));
  });
  return { units, edges: added.edges };
}
