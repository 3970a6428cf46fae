/**
 * @module
 * Counting committed calls into the rollups, behind the inserts (migration 4). A batch of callbacks commits
 * its calls alone, so each 200 waits only for the inserts; a catch-up then counts, in one transaction of its
 * own, every call after `counted_through` and the repeat marks logged since: one upsert per rollup row
 * however many calls it covers, so the large day and month rows are merged once per catch-up, not once per
 * batch. Crash-safe: what a catch-up has not committed is still uncounted, and readers add what is uncounted.
 */
import type Database from 'better-sqlite3';
import { rollupDeltas } from '../../metrics/rollups.js';
import { createRollupApplier } from './sqlite-rollups.js';
import { createUncountedReader } from './sqlite-uncounted.js';

/** The most calls one catch-up transaction counts (a bigger backlog takes several). */
export const CATCH_UP_CHUNK = 5_000;

/** Prepares the statements; returns the catch-up: counts up to `limit` uncounted calls, returns how many it counted. */
export function createRollupCatchUp(db: Database.Database): (limit?: number) => number {
  const readUncounted = createUncountedReader(db);
  const applyRollups = createRollupApplier(db);
  const clearMarks = db.prepare('DELETE FROM rollup_pending_marks');
  const advance = db.prepare('UPDATE rollup_progress SET counted_through = ?');
  const catchUp = db.transaction((limit: number): number => {
    const uncounted = readUncounted(limit);
    if (uncounted.calls.length === 0 && uncounted.marked.length === 0) return 0;
    applyRollups(rollupDeltas(uncounted.calls, uncounted.marked));
    if (uncounted.marked.length > 0) clearMarks.run();
    advance.run(uncounted.lastId);
    return uncounted.calls.length;
  });
  return (limit = CATCH_UP_CHUNK) => {
    // Not fsync'd: a catch-up lost to a power cut is only counted again (what it counts is on disk), and the
    // next fsync'd commit of the writer makes it durable with everything before it.
    db.pragma('synchronous = NORMAL');
    try {
      return catchUp.immediate(limit);
    } finally {
      db.pragma('synchronous = FULL');
    }
  };
}

/** Counts every uncounted call, chunk by chunk; returns how many. */
export function catchUpAll(catchUp: (limit?: number) => number): number {
  let total = 0;
  for (let counted = catchUp(); counted > 0; counted = catchUp()) total += counted;
  return total;
}
