/**
 * @module
 * Counting committed calls into the PostgreSQL rollups, behind the inserts (migration 5), as the SQLite
 * store does. A batch commits its calls, listed in `uncounted_calls` (and the counted calls it made
 * repeated, in `uncounted_marks`); a catch-up then counts them, in a transaction of its own: one write per
 * rollup row however many calls it covers, its histograms merged in JavaScript. One instance counts at a
 * time (a session advisory lock; an instance that finds it taken skips, and tries again a little later).
 * The transaction is REPEATABLE READ: what it reads, counts and deletes from the lists is one snapshot,
 * so a call committed meanwhile stays listed for the next catch-up, and a conflicting write (a retention
 * purge of the same rows) makes it fail and run again rather than count anything twice.
 * Crash-safe: what a catch-up has not committed is still listed, and readers add what is listed.
 */
import type pg from 'pg';
import type { Logger } from '../../domain/logger.js';
import { rollupDeltas } from '../../metrics/rollups.js';
import { isUnavailableError } from './postgres-connection.js';
import { runIfFree } from './postgres-job-lock.js';
import { pgArray } from './postgres-arrays.js';
import { addToRollups } from './postgres-rollups.js';
import { readUncounted } from './postgres-uncounted.js';

/** The most calls one catch-up transaction counts (a bigger backlog takes several). */
export const CATCH_UP_CHUNK = 20_000;

/** How long after a write the catch-up runs (writes meanwhile are counted together). */
export const CATCH_UP_DELAY_MS = 100;

/** Calls written since the last catch-up after which it runs at once. */
const CATCH_UP_AT_ONCE = 5_000;

/** SQLSTATEs after which the catch-up transaction may simply be run again (serialization failure, deadlock). */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

const DELETE_COUNTED = `WITH calls_done AS (DELETE FROM uncounted_calls WHERE call_id = ANY($1::bigint[]))
  DELETE FROM uncounted_marks WHERE call_id = ANY($1::bigint[]) OR call_id = ANY($2::bigint[])`;

/** Counts up to `limit` uncounted calls (and every pending mark) in one transaction on `client`; returns how many calls and marks. */
async function countChunk(client: pg.PoolClient, limit: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const uncounted = await readUncounted(client, limit);
      const done = uncounted.callIds.length + uncounted.markIds.length;
      if (done > 0) {
        await addToRollups(client, rollupDeltas(uncounted.calls, uncounted.marked));
        await client.query({ name: 'cp_delete_counted', text: DELETE_COUNTED, values: [pgArray(uncounted.callIds), pgArray(uncounted.markIds)] });
      }
      await client.query('COMMIT');
      return done;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (isUnavailableError(error) && !RETRYABLE.has(code ?? '')) throw error;
      await client.query('ROLLBACK');
      if (code === undefined || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Counts every uncounted call, chunk by chunk, unless another instance is counting (then null: that one
 * counts what is committed, except what commits after its last chunk: try again later). Returns how many
 * calls and marks it counted.
 */
export async function catchUpRollups(pool: pg.Pool, limit = CATCH_UP_CHUNK): Promise<number | null> {
  return runIfFree(pool, 'rollup-catch-up', async (client) => {
    let total = 0;
    for (let done = await countChunk(client, limit); done > 0; done = await countChunk(client, limit)) total += done;
    return total;
  });
}

/** Calls counted by one process after which it vacuums the lists (they churn: every call goes in and out). */
const VACUUM_EVERY = 50_000;

/**
 * Vacuums the lists of uncounted calls and marks: every read scans them, and a scan of an index of many dead
 * entries costs more than the few live ones (autovacuum comes at most once a minute).
 */
export async function vacuumUncounted(pool: pg.Pool): Promise<void> {
  await pool.query('VACUUM (ANALYZE) uncounted_calls, uncounted_marks');
}

/** The catch-up of one process (catchUpRollups), vacuuming the lists after every VACUUM_EVERY calls it counted. */
export function createCatchUp(pool: pg.Pool): () => Promise<number | null> {
  let sinceVacuum = 0;
  return async () => {
    const counted = await catchUpRollups(pool);
    sinceVacuum += counted ?? 0;
    if (sinceVacuum >= VACUUM_EVERY) {
      sinceVacuum = 0;
      await vacuumUncounted(pool).catch(() => undefined); // only an optimization: autovacuum does it too
    }
    return counted;
  };
}

/**
 * Runs the catch-up behind the writes of one store: shortly after a write, at once after many, again when
 * another instance was counting or the database could not be reached, and a last time when the store
 * closes. One catch-up at a time per process.
 */
export class RollupCatchUp {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private sinceLast = 0;
  private stopped = false;

  /**
   * @param run counts what is uncounted: how many, or null when another instance is counting
   * @param delayMs how long after a write it runs (null: only when asked, for tests)
   */
  constructor(private readonly run: () => Promise<number | null>, private readonly logger: Logger, private readonly delayMs: number | null = CATCH_UP_DELAY_MS) {}

  /** Notes that `calls` calls were just committed, and plans a catch-up. */
  written(calls: number): void {
    this.sinceLast += calls;
    if (this.delayMs === null || this.stopped) return;
    this.plan(this.sinceLast >= CATCH_UP_AT_ONCE ? 0 : this.delayMs);
  }

  /** Counts everything uncounted now, after any catch-up of this process already running; rejects when it cannot. */
  now(): Promise<number | null> {
    const job = (this.running ?? Promise.resolve()).then(() => {
      this.sinceLast = 0;
      return this.run();
    });
    const settled = job.then(() => undefined, () => undefined);
    this.running = settled;
    void settled.then(() => {
      if (this.running === settled) this.running = null;
    });
    return job;
  }

  /** Stops planning catch-ups, and counts what is left (a failure is logged: the calls stay listed, and readers add them). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.now();
    } catch (error) {
      this.logger.warn({ cause: (error as Error).message }, 'the rollups could not count the last calls; the next catch-up will');
    }
  }

  private plan(delayMs: number): void {
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.background();
    }, delayMs);
    this.timer.unref();
  }

  private async background(): Promise<void> {
    if (this.stopped) return;
    try {
      const counted = await this.now();
      if (counted === null && !this.stopped) this.plan(this.delayMs ?? CATCH_UP_DELAY_MS);
    } catch (error) {
      if (!isUnavailableError(error)) this.logger.error({ cause: (error as Error).message }, 'the rollup catch-up failed; it will run again');
      if (!this.stopped) this.plan(1000);
    }
  }
}
