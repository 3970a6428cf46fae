/**
 * @module
 * The embedded SQLite store (better-sqlite3). Writes go to a writer thread (sqlite-writer-worker.ts),
 * which commits each batch with an fsync while the event loop goes on, and counts it in the rollups
 * right after; reads use a connection here, and add what the rollups have not counted yet, in the same
 * snapshot. WAL lets both work at once.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { storageUnavailable } from '../../domain/errors.js';
import type { CallSource, CallStore, CopyOutcome, DeliveryRecord, PurgeCounts, RepeatCaller, StoreHealth, WriteOutcome } from '../call-store.js';
import type { CallFilter } from '../../metrics/rollups.js';
import { createAlertReader } from './sqlite-alerts.js';
import { createCopyImporter, createCopyReader } from './sqlite-copy.js';
import { isUnavailableError, openMigratedDatabase, schemaVersion, type SqliteOptions } from './sqlite-database.js';
import { createRollupGroupReader, createRollupReader, createRollupSeriesReader } from './sqlite-rollups.js';
import type { WriterCommand, WriterResponse } from './sqlite-writer-worker.js';
import { catchUpAll, createRollupCatchUp } from './sqlite-rollup-catch-up.js';
import { createUncountedReader, uncountedRows, type UncountedRows } from './sqlite-uncounted.js';
import { toWriteRow } from './write-rows.js';
import { groupStatsOfRows, statsOfRows, toQuarantineEntry, toStoredCall, type CallRow, type QuarantineRow, type ScanRow } from '../stored-rows.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The writer thread, restarted on the next request if it ever dies. */
class WriterThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly path: string, private readonly options: SqliteOptions) {}

  request(command: WriterCommand): Promise<unknown> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref(); // keep the process alive while an answer is owed
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...command, id });
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await this.request({ type: 'close' }).catch(() => undefined);
    worker.ref(); // the answer unref'd it; keep the process alive until the thread has ended
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), {
      workerData: { path: this.path, options: this.options },
    });
    worker.on('message', (response: WriterResponse) => {
      const pending = this.pending.get(response.id);
      if (!pending) return;
      this.pending.delete(response.id);
      if (this.pending.size === 0) worker.unref();
      if (response.ok) pending.resolve(response.result);
      else pending.reject(response.unavailable ? storageUnavailable(`SQLite: ${response.message}`) : new Error(response.message));
    });
    const fail = (reason: string): void => {
      if (this.worker === worker) this.worker = null;
      for (const pending of this.pending.values()) pending.reject(storageUnavailable(reason));
      this.pending.clear();
    };
    worker.on('error', (error) => fail(`the writer thread failed: ${error.message}`));
    worker.on('exit', () => fail('the writer thread stopped'));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

/**
 * Counts the calls the rollups have not counted yet: after the upgrade that rebuilds the rollups (which
 * takes a while on a large database), or after a process died before counting what it wrote. A database
 * this process may not write to is left as it is: reads stay exact, adding the uncounted calls themselves.
 */
function countBacklog(db: Database.Database): void {
  const backlog = db.prepare('SELECT (SELECT COALESCE(MAX(id), 0) FROM calls) - counted_through FROM rollup_progress').pluck().get() as number;
  const marks = db.prepare('SELECT COUNT(*) FROM rollup_pending_marks').pluck().get() as number;
  if (backlog <= 0 && marks === 0) return;
  try {
    catchUpAll(createRollupCatchUp(db));
  } catch (error) {
    if (!isUnavailableError(error)) throw error;
  }
}

/** Opens (creating if needed) a SQLite store at `path`, applies pending migrations, starts its writer thread. */
export function openSqliteStore(path: string, options: SqliteOptions = {}): CallStore {
  const { db, applied } = openMigratedDatabase(path, options);
  countBacklog(db);
  const copyReader = createCopyReader(db);
  let copyImporter: ReturnType<typeof createCopyImporter> | null = null;
  const writer = new WriterThread(path, options);
  const selectCall = db.prepare('SELECT * FROM calls WHERE call_sid = ?');
  const selectRepeats = db.prepare('SELECT received_at, source FROM deliveries WHERE call_sid = ? ORDER BY id');
  const readRollups = createRollupReader(db);
  const readRollupGroups = createRollupGroupReader(db);
  const readRollupSeries = createRollupSeriesReader(db);
  const readUncounted = createUncountedReader(db);
  /** Runs a rollup read in one snapshot with what the rollups have not counted yet (all of it: limit -1). */
  const inSnapshot = db.transaction((read: (uncounted: UncountedRows | null) => unknown) => read(uncountedRows(readUncounted(-1))));
  const withUncounted = <T>(read: (uncounted: UncountedRows | null) => T): T => inSnapshot(read) as T;
  const selectAccountsOfNumber = db.prepare('SELECT account_sid FROM numbers WHERE number = ?').pluck();
  const selectNumbers = db.prepare('SELECT account_sid AS account, number FROM numbers ORDER BY number, account_sid');
  const scanColumns = `SELECT created_at, account_sid, to_number, status, duration_seconds, mos, from_country, repeated
    FROM calls WHERE created_at >= ? AND created_at < ?`;
  // In (created_at, id) order, as the index gives them, so sums come out the same on every store.
  const scans = {
    all: db.prepare(`${scanColumns} ORDER BY created_at, id`),
    number: db.prepare(`${scanColumns} AND to_number = ? ORDER BY created_at, id`),
    account: db.prepare(`${scanColumns} AND account_sid = ? ORDER BY created_at, id`),
    both: db.prepare(`${scanColumns} AND to_number = ? AND account_sid = ? ORDER BY created_at, id`),
  };
  /** The rows of the calls in [from, to) that pass the filter. */
  function scanRows(from: number, to: number, filter: CallFilter): Iterable<ScanRow> {
    const { number, account } = filter;
    const statement =
      number !== undefined && account !== undefined ? scans.both : number !== undefined ? scans.number : account !== undefined ? scans.account : scans.all;
    const params = [from, to, ...(number !== undefined ? [number] : []), ...(account !== undefined ? [account] : [])];
    return statement.iterate(...params) as Iterable<ScanRow>;
  }
  const selectRepeatCallers = db.prepare(`SELECT from_number AS "from", to_number AS "to", COUNT(*) AS calls, SUM(repeated) AS repeated,
      MIN(created_at) AS first_call, MAX(created_at) AS last_call
    FROM calls WHERE created_at >= ? AND created_at < ? AND from_e164 = 1 AND (? IS NULL OR to_number = ?) AND (? IS NULL OR account_sid = ?)
    GROUP BY from_number, to_number HAVING SUM(repeated) > 0
    ORDER BY repeated DESC, calls DESC, "from", "to" LIMIT ?`);
  const alertReader = createAlertReader(db);
  let closed = false;
  const write = (command: WriterCommand): Promise<unknown> => {
    if (closed) return Promise.reject(storageUnavailable('the store is closed'));
    return writer.request(command);
  };

  return {
    capabilities: { concurrentBatches: 2, keepsNulInText: true, subtractsRollupUnits: true },
    label: `SQLite file ${path}`,
    schema: { version: schemaVersion(db) ?? 0, applied },

    async writeBatch(items) {
      if (closed) throw storageUnavailable('the store is closed');
      return (await writer.request({ type: 'write', rows: items.map(toWriteRow) })) as WriteOutcome[];
    },

    async listCalls(query) {
      const where = ['created_at >= ?', 'created_at < ?'];
      const params: unknown[] = [query.from, query.to];
      const add = (clause: string, value: unknown): void => {
        where.push(clause);
        params.push(value);
      };
      if (query.filter.number !== undefined) add('to_number = ?', query.filter.number);
      if (query.filter.account !== undefined) add('account_sid = ?', query.filter.account);
      if (query.status !== undefined) add('status = ?', query.status);
      if (query.mosBelow !== undefined) add('mos < ?', query.mosBelow);
      if (query.minDuration !== undefined) add('duration_seconds >= ?', query.minDuration);
      if (query.after !== undefined) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(query.after.createdAt, query.after.createdAt, query.after.id);
      }
      const rows = db
        .prepare(`SELECT * FROM calls WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .all(...params, query.limit + 1) as Array<CallRow & { id: number }>;
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        calls: page.map(toStoredCall),
        next: rows.length > query.limit && last ? { createdAt: last.created_at, id: last.id } : null,
      };
    },

    async getCall(callSid) {
      const row = selectCall.get(callSid) as CallRow | undefined;
      return row ? toStoredCall(row) : null;
    },

    async listDeliveries(callSid) {
      const first = selectCall.get(callSid) as CallRow | undefined;
      if (!first) return [];
      const repeats = selectRepeats.all(callSid) as Array<{ received_at: number; source: string }>;
      return [
        { callSid, receivedAt: new Date(first.received_at), outcome: 'accepted', source: first.source as CallSource },
        ...repeats.map((row): DeliveryRecord => ({
          callSid, receivedAt: new Date(row.received_at), outcome: 'duplicate', source: row.source as CallSource,
        })),
      ];
    },

    async listQuarantine({ includeReplayed, limit }) {
      const rows = db
        .prepare(`SELECT * FROM quarantine ${includeReplayed ? '' : 'WHERE replayed_at IS NULL'} ORDER BY id LIMIT ?`)
        .all(limit) as QuarantineRow[];
      return rows.map(toQuarantineEntry);
    },

    async listAlertStates() {
      return alertReader.listStates();
    },

    async saveAlertEvaluation(states, notifications) {
      await write({ type: 'alerts', states: [...states], notifications: [...notifications] });
    },

    async listPendingNotifications(limit) {
      return alertReader.listPending(limit);
    },

    async recordNotificationAttempt(id, attempt) {
      await write({ type: 'notification-attempt', notificationId: id, attempt });
    },

    async purgeBefore(cutoffs, limit) {
      return (await write({ type: 'purge', cutoffs, limit })) as PurgeCounts;
    },

    async readRollups(units, dimensions) {
      return withUncounted((uncounted) => readRollups(units, dimensions, uncounted));
    },

    async accountsOfNumber(number) {
      return selectAccountsOfNumber.all(number) as string[];
    },

    async listNumbers() {
      return selectNumbers.all() as Array<{ account: string; number: string }>;
    },

    async readRollupGroups(units, prefix, family) {
      return withUncounted((uncounted) => readRollupGroups(units, prefix, family, uncounted));
    },

    async readRollupSeries(level, from, to, dimensions) {
      return withUncounted((uncounted) => readRollupSeries(level, from, to, dimensions, uncounted));
    },

    async scanCalls(from, to, filter) {
      return statsOfRows(scanRows(from, to, filter));
    },

    async scanCallGroups(from, to, filter, by) {
      return groupStatsOfRows(scanRows(from, to, filter), by);
    },

    async listRepeatCallers({ from, to, filter, limit }) {
      const number = filter.number ?? null;
      const account = filter.account ?? null;
      const rows = selectRepeatCallers.all(from, to, number, number, account, account, limit) as Array<{
        from: string; to: string; calls: number; repeated: number; first_call: number; last_call: number;
      }>;
      return rows.map((row): RepeatCaller => ({
        from: row.from, to: row.to, calls: row.calls, repeated: row.repeated,
        firstCall: new Date(row.first_call), lastCall: new Date(row.last_call),
      }));
    },

    async exportCalls(afterId, limit) {
      return copyReader.exportCalls(afterId, limit);
    },

    async exportQuarantine(afterId, limit) {
      return copyReader.exportQuarantine(afterId, limit);
    },

    async importCopies(batch): Promise<CopyOutcome> {
      if (closed) throw storageUnavailable('the store is closed');
      try {
        copyImporter ??= createCopyImporter(db);
        return copyImporter(batch);
      } catch (error) {
        if (isUnavailableError(error)) throw storageUnavailable(`SQLite: ${(error as Error).message}`);
        throw error;
      }
    },

    async health(): Promise<StoreHealth> {
      try {
        return (await writer.request({ type: 'health' })) as StoreHealth;
      } catch (error) {
        return { writable: false, migrationsApplied: false, detail: (error as Error).message };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await writer.stop();
      db.close();
    },
  };
}
