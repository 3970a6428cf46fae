/**
 * @module
 * The SQLite writer thread. better-sqlite3 is synchronous, so a commit (with its fsync) would stop the
 * event loop; here it runs beside it, and the next batch fills while this one commits. Messages:
 * `write` (a batch, answered with outcomes after the commit; batches already waiting share one commit,
 * write-coalescing.ts), `alerts` and `notification-attempt` (alert state), `purge` (retention), `health`
 * (takes the write lock), `close`. Between them, the rollups count the calls written
 * (sqlite-rollup-catch-up.ts), in slices that take turns with the batches.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { isUnavailableError, LATEST_SCHEMA_VERSION, openDatabase, schemaVersion, type SqliteOptions } from './sqlite-database.js';
import type { AlertStateRecord, NewAlertNotification, NotificationAttempt, RetentionCutoffs, WriteOutcome } from '../call-store.js';
import { createAlertWriter } from './sqlite-alerts.js';
import { createPurger } from './sqlite-retention.js';
import { CATCH_UP_CHUNK, catchUpAll, createRollupCatchUp } from './sqlite-rollup-catch-up.js';
import { createBatchWriter } from './sqlite-writer.js';
import { writeCoalesced } from './write-coalescing.js';
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

/** How long written calls wait before the rollups count them (readers add them meanwhile). */
const CATCH_UP_DELAY_MS = 100;
/**
 * The most calls one slice of a catch-up counts while the backlog is small: slices take turns with the
 * batches waiting to be written, so counting never holds a batch (and its answers) back for long. A large
 * backlog (an import) is counted in chunks of CATCH_UP_CHUNK.
 */
const CATCH_UP_SLICE = 100;
/** Calls written and not yet counted by this thread (an estimate: other processes may count them too). */
let uncounted = 0;
let nextSlice: { cancel(): void } | null = null;

function countSlice(): void {
  nextSlice = null;
  const limit = uncounted > CATCH_UP_CHUNK ? CATCH_UP_CHUNK : CATCH_UP_SLICE;
  let counted: number;
  try {
    counted = catchUp(limit);
  } catch {
    scheduleCatchUp(CATCH_UP_DELAY_MS); // another process holds the lock: try again later
    return;
  }
  uncounted = counted < limit ? 0 : Math.max(0, uncounted - counted);
  if (counted === limit) scheduleCatchUp(0);
}

/** Schedules the next slice: at once (after the messages already waiting) or after `delayMs`. */
function scheduleCatchUp(delayMs: number): void {
  if (nextSlice) return;
  if (delayMs === 0) {
    const immediate = setImmediate(countSlice);
    nextSlice = { cancel: () => clearImmediate(immediate) };
  } else {
    const timer = setTimeout(countSlice, delayMs);
    nextSlice = { cancel: () => clearTimeout(timer) };
  }
}

/** Writes a batch; counts what it accepted toward the next catch-up. */
function writeAndCount(rows: readonly WriteRow[]): WriteOutcome[] {
  const outcomes = writeBatch(rows);
  for (const outcome of outcomes) if (outcome === 'accepted') uncounted += 1;
  return outcomes;
}

function handle(request: Exclude<WriterRequest, { type: 'write' }>): unknown {
  switch (request.type) {
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
      nextSlice?.cancel(); // nothing may run on the closed connection, or keep the thread alive
      nextSlice = null;
      try {
        catchUpAll(catchUp);
      } catch {
        // counted by the next process that opens the file
      }
      db.close();
      return null;
  }
}

function failure(id: number, error: unknown): WriterResponse {
  const err = error as Error & { code?: string };
  return { id, ok: false, message: err.code ? `${err.code}: ${err.message}` : err.message, unavailable: isUnavailableError(error) };
}

/** Answers one command that is not a write. */
function answer(request: Exclude<WriterRequest, { type: 'write' }>): void {
  let response: WriterResponse;
  try {
    response = { id: request.id, ok: true, result: handle(request) };
  } catch (error) {
    response = failure(request.id, error);
  }
  port.postMessage(response);
  if (request.type === 'close') port.close();
}

/**
 * Writes a batch together with the batches already waiting behind it (one commit), answers each, then
 * answers the first other command found waiting, in the order they came.
 */
function answerWrites(first: WriterRequest & { type: 'write' }): void {
  const writes = [first];
  let next: WriterRequest | undefined;
  for (let waiting = receiveMessageOnPort(port); waiting !== undefined; waiting = receiveMessageOnPort(port)) {
    const request = waiting.message as WriterRequest;
    if (request.type !== 'write') {
      next = request;
      break;
    }
    writes.push(request);
  }
  const results = writeCoalesced(writes.map((request) => request.rows), writeAndCount, isUnavailableError);
  results.forEach((result, i) => {
    const { id } = writes[i]!;
    port.postMessage(result.ok ? { id, ok: true, result: result.outcomes } : failure(id, result.error));
  });
  if (uncounted > 0) scheduleCatchUp(uncounted > CATCH_UP_CHUNK ? 0 : CATCH_UP_DELAY_MS);
  if (next) dispatch(next);
}

function dispatch(request: WriterRequest): void {
  if (request.type === 'write') answerWrites(request);
  else answer(request);
}

port.on('message', dispatch);
