/**
 * @module
 * The calls the rollups have not counted yet (migration 4): every call after `counted_through`, with its
 * current repeat mark, and the already counted calls marked repeated since (whose repeat is still to
 * add). Read by the catch-up that counts them (sqlite-rollup-catch-up.ts) and by readers, which add them
 * to what the rollup rows say (sqlite-rollups.ts).
 */
import type Database from 'better-sqlite3';
import type { CallStatus } from '../../domain/call-event.js';
import { rollupDeltas, type RollupCall, type RollupFamily, type RollupStats } from '../../metrics/rollups.js';
import type { RollupLevel } from '../../metrics/range-cover.js';

const FACTS = 'created_at, account_sid, to_number, status, duration_seconds, mos, from_country, repeated';

type FactsRow = [createdAt: number, accountSid: string, to: string, status: string, durationSeconds: number | null,
  mos: number | null, fromCountry: string | null, repeated: number];

function toRollupCall(row: FactsRow, repeated: boolean): RollupCall {
  return {
    createdAt: row[0], accountSid: row[1], to: row[2], status: row[3] as CallStatus, durationSeconds: row[4], mos: row[5],
    fromCountry: row[6], repeated,
  };
}

/** What the rollups still have to count. */
export interface Uncounted {
  /** The id of the last call the rollups have counted. */
  countedThrough: number;
  /** The calls after it (up to a limit), in id order, with their repeat marks as they are now. */
  calls: RollupCall[];
  /** The id of the last call in `calls` (`countedThrough` when there are none). */
  lastId: number;
  /** Counted calls marked repeated since they were counted. */
  marked: RollupCall[];
}

/** Prepares the statements; returns the reader of what is uncounted (call it inside a transaction, for one snapshot). */
export function createUncountedReader(db: Database.Database): (limit: number) => Uncounted {
  const countedThrough = db.prepare('SELECT counted_through FROM rollup_progress').pluck();
  const calls = db.prepare(`SELECT id, ${FACTS} FROM calls WHERE id > ? ORDER BY id LIMIT ?`).raw();
  const marked = db.prepare(`SELECT ${FACTS} FROM rollup_pending_marks m JOIN calls c ON c.id = m.call_id ORDER BY m.call_id`).raw();
  return (limit) => {
    const through = countedThrough.get() as number;
    const rows = calls.all(through, limit) as Array<[number, ...FactsRow]>;
    return {
      countedThrough: through,
      calls: rows.map(([, ...facts]) => toRollupCall(facts, facts[7] === 1)),
      lastId: rows.length > 0 ? rows[rows.length - 1]![0] : through,
      marked: (marked.all() as FactsRow[]).map((facts) => toRollupCall(facts, true)),
    };
  };
}

/** What uncounted calls add to one bucket's rollup rows: dimension -> stats. */
export interface UncountedBucket {
  family: RollupFamily;
  level: RollupLevel;
  bucket: number;
  dimensions: Map<string, RollupStats>;
}

/** Uncounted deltas by bucket (keyed by {@link bucketKey}). */
export type UncountedRows = Map<string, UncountedBucket>;

/** The key of one bucket's uncounted rows. */
export function bucketKey(family: RollupFamily, level: RollupLevel, bucket: number): string {
  return `${family} ${level} ${bucket}`;
}

/** What the uncounted calls and marks add to each rollup row, for readers; null when nothing is uncounted. */
export function uncountedRows(uncounted: Uncounted): UncountedRows | null {
  if (uncounted.calls.length === 0 && uncounted.marked.length === 0) return null;
  const rows: UncountedRows = new Map();
  for (const { key, stats } of rollupDeltas(uncounted.calls, uncounted.marked)) {
    const id = bucketKey(key.family, key.level, key.bucket);
    let bucket = rows.get(id);
    if (!bucket) rows.set(id, (bucket = { family: key.family, level: key.level, bucket: key.bucket, dimensions: new Map() }));
    bucket.dimensions.set(key.dimension, stats);
  }
  return rows;
}
