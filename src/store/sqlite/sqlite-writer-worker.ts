/**
 * @module
 * The SQLite writer thread. better-sqlite3 is synchronous, so a commit (with its fsync) would stop the
 * event loop; here it runs beside it, and the next batch fills while this one commits. Messages:
 * `write` (a batch, answered with outcomes after the commit), `alerts` and `notification-attempt` (alert
 * state), `purge` (retention), `health` (takes the write lock), `close`. Between them, the rollups count
 * the calls written (sqlite-rollup-catch-up.ts): shortly after a write, or at once after a large one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUnavailableError, LATEST_SCHEMA_VERSION, openDatabase, schemaVersion, type SqliteOptions } from './sqlite-database.js';
import type { AlertStateRecord, NewAlertNotification, NotificationAttempt, RetentionCutoffs } from '../call-store.js';
import { createAlertWriter } from './sqlite-alerts.js';
import { createPurger } from './sqlite-retention.js';
import { catchUpAll, createRollupCatchUp } from './sqlite-rollup-catch-up.js';
import { createBatchWriter } from './sqlite-writer.js';
import type { WriteRow } from './write-rows.js';

/** What the writer is asked to do. */
export type WriterCommand =
  | { type: 'write'; rows: WriteRow[] }
  | { type: 'alerts'; states: AlertStateRecord[]; notifications: NewAlertNotification[] }
  | { type: 'notification-attempt'; notificationId: number; attempt: NotificationAttempt }
  | { type: 'purge'; cutoffs: RetentionCutoffs; limit: number }
  | { type: 'health' }
  | { type: 'close' };

/** A command with the id its answer carries. */
export type WriterRequest = WriterCommand & { id: number };

/** The writer's answer: a result, or an error with whether it means "storage unavailable". */
export type WriterResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string; unavailable: boolean };

const { path, options } = workerData as { path: string; options: SqliteOptions };
const port = parentPort!;
const db = openDatabase(path, options);
const writeBatch = createBatchWriter(db);
const alerts = createAlertWriter(db);
const purge = createPurger(db);
const catchUp = createRollupCatchUp(db);

/** How long written calls may wait to be counted in the rollups (readers add them meanwhile). */
const CATCH_UP_DELAY_MS = 100;
/** Calls written since the last catch-up beyond which the next one runs at once. */
const CATCH_UP_AT_ONCE = 5_000;
let writtenSinceCatchUp = 0;
let catchUpTimer: NodeJS.Timeout | null = null;

/** Counts what is uncounted now; a failure (another process holding the lock) leaves it for the next try. */
function runCatchUp(): void {
  if (catchUpTimer) clearTimeout(catchUpTimer);
  catchUpTimer = null;
  try {
    catchUpAll(catchUp);
    writtenSinceCatchUp = 0;
  } catch {
    catchUpTimer = setTimeout(runCatchUp, CATCH_UP_DELAY_MS);
  }
}

function scheduleCatchUp(): void {
  if (writtenSinceCatchUp >= CATCH_UP_AT_ONCE) runCatchUp();
  else catchUpTimer ??= setTimeout(runCatchUp, CATCH_UP_DELAY_MS);
}

function handle(request: WriterRequest): unknown {
  switch (request.type) {
    case 'write': {
      const outcomes = writeBatch(request.rows);
      writtenSinceCatchUp += outcomes.length;
      return outcomes;
    }
    case 'alerts':
      return alerts.save(request.states, request.notifications);
    case 'notification-attempt':
      return alerts.recordAttempt(request.notificationId, request.attempt);
    case 'purge':
      catchUpAll(catchUp); // calls about to go must be counted first
      return purge(request.cutoffs, request.limit);
    case 'health':
      db.transaction(() => undefined).immediate(); // takes the write lock
      return { writable: true, migrationsApplied: schemaVersion(db) === LATEST_SCHEMA_VERSION };
    case 'close':
      if (catchUpTimer) runCatchUp();
      db.close();
      return null;
  }
}

port.on('message', (request: WriterRequest) => {
  let response: WriterResponse;
  try {
    response = { id: request.id, ok: true, result: handle(request) };
  } catch (error) {
    const err = error as Error & { code?: string };
    response = { id: request.id, ok: false, message: err.code ? `${err.code}: ${err.message}` : err.message, unavailable: isUnavailableError(error) };
  }
  port.postMessage(response);
  if (request.type === 'close') port.close();
  else if (request.type === 'write' && writtenSinceCatchUp > 0) scheduleCatchUp();
});
