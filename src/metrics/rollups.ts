/**
 * @module
 * What a batch of newly stored calls adds to the rollups: for every (level, bucket, dimension) the
 * calls fall in, the counts per status, the exact MOS and duration histograms, and the calls followed
 * by a repeat call. Pure; every store applies these deltas in the same transaction as the inserts, so
 * rollups always match the calls.
 *
 * Dimensions: all calls, per project, per project and number, at every level (month, day, hour, 15 min);
 * and the same three split by status and by caller country, at the day and month levels only (the
 * breakdowns read partial days from the calls).
 */
import type { CallStatus } from '../domain/call-event.js';
import { mosToHundredths, mosToMillionths } from '../domain/mos.js';
import { addValue, mergeInto, type Histogram } from './histogram.js';
import { levelStart, ROLLUP_LEVELS, type RollupLevel } from './range-cover.js';

/** The facts of one call that rollups count. */
export interface RollupCall {
  createdAt: number;
  accountSid: string;
  to: string;
  status: CallStatus;
  durationSeconds: number | null;
  mos: number | null;
  /** The caller's country (ISO 3166-1 alpha-2), or null when unknown. */
  fromCountry: string | null;
  /** True when the same caller called the same number again within 24 hours after this call. */
  repeated: boolean;
}

/**
 * A call is a repeated one when the same caller (an E.164 From) calls the same To again at most this
 * long after it (24 hours, inclusive); calls are ordered by Timestamp, then CallSid.
 */
export const REPEAT_WINDOW_MS = 24 * 60 * 60_000;

/** Counts of one rollup bucket (or of any merge of buckets). */
export interface RollupStats {
  calls: number;
  statuses: Record<CallStatus, number>;
  mosCount: number;
  /** The sum of the scores in whole millionths (MOS_SUM_SCALE): exact in any order of addition. */
  mosSum: number;
  /** MOS in hundredths -> calls. */
  mosHistogram: Histogram;
  /** Completed calls' durations in seconds -> calls. */
  durationHistogram: Histogram;
  /** Calls followed by a repeat call (same From to the same To within 24 hours). */
  repeated: number;
}

/** A filter on the calls: by called number (`To`), by project (`AccountSid`), both, or neither. */
export interface CallFilter {
  number?: string | undefined;
  account?: string | undefined;
}

/** The rollup dimension of all calls. */
export const ALL_CALLS = '*';

/** A value inside a dimension name: `|` separates parts, so it (and the escape character) are escaped. */
function part(value: string): string {
  return value.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

/** The value a dimension part was made from. */
export function unescapePart(text: string): string {
  return text.replace(/%7C/g, '|').replace(/%25/g, '%');
}

/** The rollup dimension of one project's calls. */
export function accountDimension(account: string): string {
  return `a:${part(account)}`;
}

/** The rollup dimension of the calls to one number within one project. */
export function numberDimension(account: string, number: string): string {
  return `a:${part(account)}|n:${part(number)}`;
}

/** What the secondary dimensions split calls by. */
export type SplitKind = 'status' | 'country';

/**
 * The prefix of the dimensions that split a base dimension (all calls, a project, a project's number)
 * by status or country: the rest of each such dimension name is the status, or the country ('' when unknown).
 */
export function splitPrefix(base: string, kind: SplitKind): string {
  const tag = kind === 'status' ? 's:' : 'c:';
  return base === ALL_CALLS ? tag : `${base}|${tag}`;
}

/** The prefix of a project's per-number dimensions (the rest is the escaped number). */
export function numbersPrefix(account: string): string {
  return `${accountDimension(account)}|n:`;
}

/**
 * The rollup dimensions whose sum is exactly the calls a filter selects. A number is kept per project
 * (a number can move between projects), so a filter on the number alone sums it over `accountsOfNumber`.
 */
export function dimensionsOf(filter: CallFilter, accountsOfNumber: readonly string[]): string[] {
  if (filter.number === undefined) return [filter.account === undefined ? ALL_CALLS : accountDimension(filter.account)];
  const accounts = filter.account === undefined ? accountsOfNumber : [filter.account];
  return accounts.map((account) => numberDimension(account, filter.number!));
}

/** An empty stats record, its histograms made by `newHistogram` (maps unless told otherwise). */
export function emptyStats(newHistogram: () => Histogram = () => new Map()): RollupStats {
  return {
    calls: 0,
    statuses: { completed: 0, failed: 0, busy: 0, 'no-answer': 0, canceled: 0 },
    mosCount: 0,
    mosSum: 0,
    mosHistogram: newHistogram(),
    durationHistogram: newHistogram(),
    repeated: 0,
  };
}

/** Adds one call to a stats record. */
export function addCall(stats: RollupStats, call: RollupCall): void {
  addFacts(stats, call, call.mos === null ? null : mosToHundredths(call.mos));
}

/** Adds one call, its MOS already in hundredths (worked out once for the many rows a call counts in). */
function addFacts(stats: RollupStats, call: RollupCall, mosHundredths: number | null): void {
  stats.calls += 1;
  stats.statuses[call.status] += 1;
  if (mosHundredths !== null) {
    stats.mosCount += 1;
    stats.mosSum += mosToMillionths(call.mos!);
    addValue(stats.mosHistogram, mosHundredths);
  }
  if (call.status === 'completed' && call.durationSeconds !== null) addValue(stats.durationHistogram, call.durationSeconds);
  if (call.repeated) stats.repeated += 1;
}

/** Adds every count of `source` into `target`, or takes them away (`sign` -1: a bucket a signed range cover subtracts). */
export function mergeStats(target: RollupStats, source: RollupStats, sign: 1 | -1 = 1): void {
  target.calls += sign * source.calls;
  for (const status of Object.keys(target.statuses) as CallStatus[]) target.statuses[status] += sign * source.statuses[status];
  target.mosCount += sign * source.mosCount;
  target.mosSum += sign * source.mosSum;
  mergeInto(target.mosHistogram, source.mosHistogram, sign);
  mergeInto(target.durationHistogram, source.durationHistogram, sign);
  target.repeated += sign * source.repeated;
}

/**
 * Which rows a dimension's rollups live in: the base dimensions (all calls, a project, a project's
 * number) at every level, and their splits by status and country, per day and month only. Kept apart so
 * that reading one family's groups never reads the other's rows.
 */
export type RollupFamily = 'base' | 'split';

/** The key of one rollup row. */
export interface RollupKey {
  level: RollupLevel;
  bucket: number;
  dimension: string;
  family: RollupFamily;
}

/** The dimension names of one (project, number) pair, made once and reused (a Map hashes a reused string once). */
interface PairDimensions {
  bases: readonly [string, string, string];
  splits: Map<string, readonly string[]>;
}

const pairCache = new Map<string, PairDimensions>();
const PAIR_CACHE_LIMIT = 50_000;

function pairDimensions(account: string, to: string): PairDimensions {
  const id = `${account}\n${to}`;
  let pair = pairCache.get(id);
  if (!pair) {
    if (pairCache.size >= PAIR_CACHE_LIMIT) pairCache.clear();
    pair = { bases: [ALL_CALLS, accountDimension(account), numberDimension(account, to)], splits: new Map() };
    pairCache.set(id, pair);
  }
  return pair;
}

/** The split dimensions of a call: its status and its country under each base dimension. */
function splitDimensions(pair: PairDimensions, status: CallStatus, country: string | null): readonly string[] {
  const id = `${status}\n${country ?? ''}`;
  let splits = pair.splits.get(id);
  if (!splits) {
    splits = pair.bases.flatMap((base) => [splitPrefix(base, 'status') + status, splitPrefix(base, 'country') + (country ?? '')]);
    pair.splits.set(id, splits);
  }
  return splits;
}

/** The deltas of one batch: family and level -> bucket -> dimension -> stats. */
type DeltaTree = Map<string, Map<number, Map<string, RollupStats>>>;

function statsAt(tree: DeltaTree, family: RollupFamily, level: RollupLevel, bucket: number, dimension: string): RollupStats {
  const branch = family === 'base' ? level : `${level} split`;
  let buckets = tree.get(branch);
  if (!buckets) tree.set(branch, (buckets = new Map()));
  let dimensions = buckets.get(bucket);
  if (!dimensions) buckets.set(bucket, (dimensions = new Map()));
  let stats = dimensions.get(dimension);
  if (!stats) dimensions.set(dimension, (stats = emptyStats()));
  return stats;
}

type RowVisitor = (family: RollupFamily, level: RollupLevel, bucket: number, dimension: string) => void;

/** Calls `visit` with every rollup row (family, level, bucket, dimension) a call counts in. */
function forEachRow(call: RollupCall, visit: RowVisitor): void {
  const pair = pairDimensions(call.accountSid, call.to);
  const splits = splitDimensions(pair, call.status, call.fromCountry);
  for (const level of ROLLUP_LEVELS) {
    const bucket = levelStart(call.createdAt, level);
    for (const dimension of pair.bases) visit('base', level, bucket, dimension);
    if (level === 'day' || level === 'month') for (const dimension of splits) visit('split', level, bucket, dimension);
  }
}

/**
 * The rollup rows a batch changes, each with what it adds: every count of the new calls, and one more
 * repeated call in every row of each earlier call that the batch's calls made a repeated one.
 */
export function rollupDeltas(calls: readonly RollupCall[], newlyRepeated: readonly RollupCall[] = []): Array<{ key: RollupKey; stats: RollupStats }> {
  const tree: DeltaTree = new Map();
  for (const call of calls) {
    const mosHundredths = call.mos === null ? null : mosToHundredths(call.mos);
    forEachRow(call, (family, level, bucket, dimension) => addFacts(statsAt(tree, family, level, bucket, dimension), call, mosHundredths));
  }
  for (const call of newlyRepeated) {
    forEachRow(call, (family, level, bucket, dimension) => (statsAt(tree, family, level, bucket, dimension).repeated += 1));
  }
  const deltas: Array<{ key: RollupKey; stats: RollupStats }> = [];
  for (const [branch, buckets] of tree) {
    const [level, split] = branch.split(' ') as [RollupLevel, string | undefined];
    const family: RollupFamily = split === undefined ? 'base' : 'split';
    for (const [bucket, dimensions] of buckets) for (const [dimension, stats] of dimensions) deltas.push({ key: { level, bucket, dimension, family }, stats });
  }
  return deltas;
}
