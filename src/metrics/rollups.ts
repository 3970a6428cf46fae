/**
 * @module
 * What a batch of newly stored calls adds to the rollups: for every (level, bucket, dimension) the
 * calls fall in, the counts per status and the exact MOS and duration histograms. Pure; every store
 * applies these deltas in the same transaction as the inserts, so rollups always match the calls.
 */
import type { CallStatus } from '../domain/call-event.js';
import { mosToHundredths } from '../domain/mos.js';
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
}

/** Counts of one rollup bucket (or of any merge of buckets). */
export interface RollupStats {
  calls: number;
  statuses: Record<CallStatus, number>;
  mosCount: number;
  mosSum: number;
  /** MOS in hundredths -> calls. */
  mosHistogram: Histogram;
  /** Completed calls' durations in seconds -> calls. */
  durationHistogram: Histogram;
}

/** A filter on the calls: by called number (`To`), by project (`AccountSid`), both, or neither. */
export interface CallFilter {
  number?: string | undefined;
  account?: string | undefined;
}

/** The rollup dimension of all calls. */
export const ALL_CALLS = '*';

/** The rollup dimension of one project's calls. */
export function accountDimension(account: string): string {
  return `a:${account}`;
}

/** The rollup dimension of the calls to one number within one project. */
export function numberDimension(account: string, number: string): string {
  return `a:${account}|n:${number}`;
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

/** An empty stats record. */
export function emptyStats(): RollupStats {
  return {
    calls: 0,
    statuses: { completed: 0, failed: 0, busy: 0, 'no-answer': 0, canceled: 0 },
    mosCount: 0,
    mosSum: 0,
    mosHistogram: new Map(),
    durationHistogram: new Map(),
  };
}

/** Adds one call to a stats record. */
export function addCall(stats: RollupStats, call: RollupCall): void {
  stats.calls += 1;
  stats.statuses[call.status] += 1;
  if (call.mos !== null) {
    stats.mosCount += 1;
    stats.mosSum += call.mos;
    addValue(stats.mosHistogram, mosToHundredths(call.mos));
  }
  if (call.status === 'completed' && call.durationSeconds !== null) addValue(stats.durationHistogram, call.durationSeconds);
}

/** Adds every count of `source` into `target`. */
export function mergeStats(target: RollupStats, source: RollupStats): void {
  target.calls += source.calls;
  for (const status of Object.keys(target.statuses) as CallStatus[]) target.statuses[status] += source.statuses[status];
  target.mosCount += source.mosCount;
  target.mosSum += source.mosSum;
  mergeInto(target.mosHistogram, source.mosHistogram);
  mergeInto(target.durationHistogram, source.durationHistogram);
}

/** The key of one rollup row. */
export interface RollupKey {
  level: RollupLevel;
  bucket: number;
  dimension: string;
}

/** The rollup rows a batch of calls changes, each with what it adds. */
export function rollupDeltas(calls: readonly RollupCall[]): Array<{ key: RollupKey; stats: RollupStats }> {
  const deltas = new Map<string, { key: RollupKey; stats: RollupStats }>();
  for (const call of calls) {
    const dimensions = [ALL_CALLS, accountDimension(call.accountSid), numberDimension(call.accountSid, call.to)];
    for (const level of ROLLUP_LEVELS) {
      const bucket = levelStart(call.createdAt, level);
      for (const dimension of dimensions) {
        const id = `${level}|${bucket}|${dimension}`;
        let delta = deltas.get(id);
        if (!delta) {
          delta = { key: { level, bucket, dimension }, stats: emptyStats() };
          deltas.set(id, delta);
        }
        addCall(delta.stats, call);
      }
    }
  }
  return [...deltas.values()];
}
