/**
 * @module
 * Covers a time range [from, to) with the fewest whole rollup buckets (UTC months, days, hours and
 * 15-minute slots) plus at most two partial slots at its ends, which are read from the calls themselves.
 * So a summary of any range reads a bounded number of rows, however long the history. (The hour level
 * serves days and hourly series in time zones whose days are not UTC days.)
 */

/** Rollup levels, coarsest first. */
export const ROLLUP_LEVELS = ['month', 'day', 'hour', 'quarter'] as const;
export type RollupLevel = (typeof ROLLUP_LEVELS)[number];

const QUARTER = 15 * 60_000;
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

/** One whole rollup bucket: its level and its start (UTC epoch ms). */
export interface RollupUnit {
  level: RollupLevel;
  start: number;
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
 * to a day each).
 */
export function coverRange(from: number, to: number, finest: RollupLevel = 'quarter'): RangeCover {
  if (to <= from) return { units: [], edges: [] };
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
    const level = levels.find((l) => levelStart(cursor, l) === cursor && levelEnd(cursor, l) <= last)!;
    units.push({ level, start: cursor });
    cursor = levelEnd(cursor, level);
  }
  return { units, edges };
}
