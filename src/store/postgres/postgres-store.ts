/**
 * @module
 * The PostgreSQL store (node-postgres with a pool), for several callpulse instances writing to one
 * shared database. Opening it applies pending migrations under an advisory lock. Each batch is one
 * transaction answered after COMMIT (postgres-writer.ts); when the server cannot be reached, writes
 * reject with the storage-unavailable error and health() says not writable; the pool reconnects by
 * itself once the server is back. The rollups count committed calls just after, in a catch-up of their
 * own (postgres-rollup-catch-up.ts); reads add what is not counted yet, in the same statement (one snapshot).
 */
import type pg from 'pg';
import { storageUnavailable } from '../../domain/errors.js';
import { silentLogger, type Logger } from '../../domain/logger.js';
import type { CallStore, StoreHealth } from '../call-store.js';
import { listAlertStates, listPendingNotifications, recordNotificationAttempt, saveAlertEvaluation } from './postgres-alerts.js';
import { createPool, isUnavailableError, parsePostgresUrl, type PostgresOptions } from './postgres-connection.js';
import { beginCopy, createCopyReader, importCopies } from './postgres-copy.js';
import { migrate } from './postgres-migrate.js';
import { LATEST_SCHEMA_VERSION } from './migrations/index.js';
import { createReads } from './postgres-reads.js';
import { purgeBefore } from './postgres-retention.js';
import { runSerialized } from './postgres-job-lock.js';
import { CATCH_UP_DELAY_MS, createCatchUp, RollupCatchUp, vacuumUncounted } from './postgres-rollup-catch-up.js';
import { readRollupGroups, readRollups, readRollupSeries } from './postgres-rollups.js';
import { createBatchWriter } from './postgres-writer.js';

/** Options for opening a PostgreSQL store. */
export interface PostgresStoreOptions extends PostgresOptions {
  /** Where dropped idle connections are reported (default: nowhere). */
  logger?: Logger;
  /**
   * How long after a write the rollups count it, in ms (default 100); null: only when asked
   * (countRollups), before a purge and on close. Reads are exact either way.
   */
  rollupCatchUpDelayMs?: number | null;
}

/** The PostgreSQL store, with its rollup catch-up at hand. */
export interface PostgresStore extends CallStore {
  /**
   * Counts the calls committed so far into the rollups now, unless another instance is counting: resolves
   * with how many calls and repeat marks it counted, or null when another instance held the job.
   */
  countRollups(): Promise<number | null>;
}

/**
 * The tables a copy fills, analyzed once it is done: after millions of rows, until autovacuum gets to them,
 * the planner would read a day's rollups badly. The lists of uncounted calls are vacuumed too: every copied
 * call went through them, and every read scans them (an index of a million dead entries costs 100 ms).
 */
const ANALYZE_COPIED = 'ANALYZE calls, deliveries, quarantine, rollups, numbers';

/** Runs a write; a failure that means "storage unavailable" becomes that coded error (503), anything else stays as is. */
async function guarded<T>(label: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUnavailableError(error)) throw storageUnavailable(`${label}: ${describeError(error)}`);
    throw error;
  }
}

/** One line saying why a connection failed (an AggregateError of several addresses has no message of its own). */
function describeError(error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: unknown[] };
  if (e?.message) return e.message;
  if (Array.isArray(e?.errors) && e.errors.length > 0) return describeError(e.errors[0]);
  return String(e?.code ?? error);
}

/** Opens the store `url` names: connects, applies pending migrations (under a lock), and returns it. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const target = parsePostgresUrl(url);
  const logger = options.logger ?? silentLogger;
  const pool: pg.Pool = createPool(target, options, (error) => {
    logger.warn({ cause: error.message }, 'PostgreSQL connection lost; it will be reopened when needed');
  });
  let schema;
  try {
    schema = await migrate(pool, target.schema);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = describeError(error);
    throw new Error(`cannot open ${target.label}: ${reason}`);
  }
  const writeBatch = createBatchWriter(pool);
  const reads = createReads(pool);
  const copyReader = createCopyReader(pool);
  const catchUp = new RollupCatchUp(createCatchUp(pool), logger, options.rollupCatchUpDelayMs === undefined ? CATCH_UP_DELAY_MS : options.rollupCatchUpDelayMs);
  /** Counts what is uncounted now (after a copy, before a purge): a failure to count leaves the calls listed, and reads exact. */
  const countNow = async (): Promise<void> => {
    await catchUp.now().catch((error: unknown) => {
      if (!isUnavailableError(error)) throw error;
    });
  };
  let closed = false;
  /** A read that fails for want of the server answers 503 with a plain reason; the driver's message goes to the log. */
  const read = <A extends unknown[], T>(name: string, run: (...args: A) => Promise<T>) => async (...args: A): Promise<T> => {
    try {
      return await run(...args);
    } catch (error) {
      if (!isUnavailableError(error)) throw error;
      logger.error({ cause: describeError(error), read: name }, `${target.label} cannot be read`);
      throw storageUnavailable('the database cannot be reached; try again shortly');
    }
  };

  return {
    capabilities: { concurrentBatches: 2, keepsNulInText: false },

    countRollups() {
      return guarded(target.label, () => catchUp.now());
    },
    label: target.label,
    schema,

    serialized(job, work) {
      return runSerialized(pool, job, work);
    },

    async writeBatch(items) {
      if (closed) throw storageUnavailable('the store is closed');
      const outcomes = await guarded(target.label, () => writeBatch(items));
      const accepted = outcomes.filter((outcome) => outcome === 'accepted').length;
      if (accepted > 0) catchUp.written(accepted);
      return outcomes;
    },
    getCall: read('getCall', reads.getCall),
    listCalls: read('listCalls', reads.listCalls),
    listDeliveries: read('listDeliveries', reads.listDeliveries),
    listQuarantine: read('listQuarantine', reads.listQuarantine),
    readRollups: read('readRollups', (units, dimensions) => readRollups(pool, units, dimensions)),
    accountsOfNumber: read('accountsOfNumber', reads.accountsOfNumber),
    listNumbers: read('listNumbers', reads.listNumbers),
    readRollupGroups: read('readRollupGroups', (units, prefix) => readRollupGroups(pool, units, prefix)),
    readRollupSeries: read('readRollupSeries', (level, from, to, dimensions) => readRollupSeries(pool, level, from, to, dimensions)),
    scanCalls: read('scanCalls', reads.scanCalls),
    scanCallGroups: read('scanCallGroups', reads.scanCallGroups),
    listRepeatCallers: read('listRepeatCallers', reads.listRepeatCallers),
    exportCalls: read('exportCalls', copyReader.exportCalls),
    exportQuarantine: read('exportQuarantine', copyReader.exportQuarantine),

    async importCopies(batch) {
      if (closed) throw storageUnavailable('the store is closed');
      const outcome = await guarded(target.label, () => importCopies(pool, batch));
      if (outcome.calls > 0) await countNow();
      return outcome;
    },

    async refreshStatistics() {
      if (closed) throw storageUnavailable('the store is closed');
      await guarded(target.label, async () => {
        await pool.query(ANALYZE_COPIED);
        await vacuumUncounted(pool);
      });
    },

    async beginCopy() {
      if (closed) throw storageUnavailable('the store is closed');
      const transaction = await guarded(target.label, () => beginCopy(pool));
      /** A failure the copy may run again stays as it is; others as for any write. */
      const step = async <T>(work: () => Promise<T>): Promise<T> => {
        try {
          return await work();
        } catch (error) {
          if ((error as { retryable?: boolean }).retryable === true) throw error;
          return guarded(target.label, () => Promise.reject(error));
        }
      };
      return {
        add: (calls) => step(() => transaction.add(calls)),
        commit: async () => {
          await step(() => transaction.commit());
          await countNow();
        },
        rollback: () => transaction.rollback(),
      };
    },

    listAlertStates: read('listAlertStates', () => listAlertStates(pool)),
    listPendingNotifications: read('listPendingNotifications', (limit) => listPendingNotifications(pool, limit)),

    async saveAlertEvaluation(states, notifications) {
      if (closed) throw storageUnavailable('the store is closed');
      return guarded(target.label, () => saveAlertEvaluation(pool, states, notifications));
    },

    async recordNotificationAttempt(id, attempt) {
      if (closed) throw storageUnavailable('the store is closed');
      return guarded(target.label, () => recordNotificationAttempt(pool, id, attempt));
    },

    async purgeBefore(cutoffs, limit) {
      if (closed) throw storageUnavailable('the store is closed');
      await countNow();
      return guarded(target.label, () => purgeBefore(pool, cutoffs, limit));
    },

    async health(): Promise<StoreHealth> {
      if (closed) return { writable: false, migrationsApplied: false, detail: 'the store is closed' };
      try {
        const { rows } = await pool.query<{ replica: boolean; read_only: string; version: number | null }>(
          `SELECT pg_is_in_recovery() AS replica, current_setting('transaction_read_only') AS read_only,
            (SELECT MAX(version) FROM schema_migrations) AS version`,
        );
        const row = rows[0]!;
        const readOnly = row.replica || row.read_only === 'on';
        return {
          writable: !readOnly,
          migrationsApplied: row.version === LATEST_SCHEMA_VERSION,
          ...(readOnly ? { detail: `${target.label} is read-only (a standby, or default_transaction_read_only is on)` } : {}),
        };
      } catch (error) {
        return { writable: false, migrationsApplied: false, detail: `${target.label}: ${(error as Error).message}` };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await catchUp.stop();
      await pool.end();
    },
  };
}
