/**
 * @module
 * `callpulse/store`: callpulse's storage and metrics in-process, for a library user who wants them without
 * running the service. `recordCall(event)` stores a call durably (group commit, as the service), and the
 * metrics are the service's own (the same engine as the API and the dashboard). This entry loads the
 * database driver; the library's main entry never does.
 */
import type { CallbackFields, CallStatusEvent } from '../domain/call-event.js';
import { storageUnavailable } from '../domain/errors.js';
import { GroupCommitter } from '../ingest/group-commit.js';
import { BREAKDOWNS, MetricsEngine, type Breakdown, type BreakdownRow, type TimeseriesPoint } from '../metrics/engine.js';
import { DEFAULT_SUMMARY_OPTIONS, type Summary, type SummaryOptions } from '../metrics/summary.js';
import { INTERVALS, isValidTimeZone, type Interval } from '../metrics/time-zone.js';
import type { CallStore, StoredCall, WriteItem, WriteOutcome } from '../store/call-store.js';
import { createStore } from '../store/index.js';
import type { CallbackContext, CallbackDelivery, CallOutcome, InvalidCallback } from './call-status-handler.js';

export type { CallOutcome, CallbackContext, CallbackDelivery, InvalidCallback } from './call-status-handler.js';
export type { Breakdown, BreakdownRow, TimeseriesPoint } from '../metrics/engine.js';
export type { Summary, SummaryOptions } from '../metrics/summary.js';
export type { Interval } from '../metrics/time-zone.js';
export type { StoredCall } from '../store/call-store.js';

/** Where and how to store calls. */
export interface CallStoreOptions {
  /** The SQLite database file (created with its folder when missing) or a postgres:// URL, as the service's `--db`. */
  database: string;
  /** The most calls committed in one transaction (default 1000). */
  maxBatch?: number | undefined;
  /** The summary's thresholds (defaults: poor quality below MOS 3.6, short calls under 10 s). */
  metrics?: Partial<SummaryOptions> | undefined;
}

/** A time range `[from, to)` over the calls' `Timestamp`, with an optional filter. */
export interface MetricsQuery {
  /** The first instant in the range. */
  from: Date;
  /** The first instant after the range. */
  to: Date;
  /** Only calls to this called number (`To`). */
  number?: string | undefined;
  /** Only calls of this project (`AccountSid`). */
  account?: string | undefined;
}

/** How a call reached you, for the stored delivery record (a handler's {@link CallbackContext} is one); every part is optional. */
export type RecordCallDetails = Partial<Pick<CallbackDelivery, 'method' | 'contentType' | 'receivedAt'>> & {
  /** Every field as received; rebuilt from the event when not given. */
  raw?: CallbackFields | undefined;
};

/** A callback refused with 422, to keep in quarantine (`callpulse quarantine replay` stores it once it validates). */
export type QuarantineInput = Pick<InvalidCallback, 'raw' | 'problems' | 'url'> & Partial<Pick<CallbackDelivery, 'method' | 'contentType' | 'receivedAt'>>;

/** callpulse's storage and metrics, in-process. */
export interface CallpulseStore {
  /**
   * Stores a call durably; resolves once it is committed, with `accepted`, or `duplicate` when its `CallSid`
   * was stored before (the first delivery is the one counted; each repeat is logged). Pass the handler's
   * context as `details` to keep the raw fields and how the call arrived; without it the raw fields are
   * rebuilt from the event. Rejects with a 503 `CP_ERR_STORAGE_UNAVAILABLE` callpulse error when storage
   * could not commit, which a callpulse handler answers as the service does.
   */
  recordCall(event: CallStatusEvent, details?: RecordCallDetails): Promise<CallOutcome>;
  /** Keeps an invalid callback in quarantine, durably (give it to a handler's `onInvalid`). */
  quarantine(invalid: QuarantineInput): Promise<void>;
  /** A stored call by `CallSid`, or null. */
  getCall(callSid: string): Promise<StoredCall | null>;
  /** The service's summary (`GET /api/v1/summary`) of the calls in the range. */
  summary(query: MetricsQuery): Promise<Summary>;
  /** The service's time series (`GET /api/v1/timeseries`): buckets of `interval` (default `1h`) aligned in `timeZone` (default UTC). */
  timeseries(query: MetricsQuery & { interval?: Interval | undefined; timeZone?: string | undefined }): Promise<TimeseriesPoint[]>;
  /** The service's breakdown (`GET /api/v1/breakdown`) by number, account, status, country or hourOfWeek. */
  breakdown(query: MetricsQuery & { by: Breakdown; timeZone?: string | undefined }): Promise<BreakdownRow[]>;
  /** Waits for the calls being written, then closes the database. */
  close(): Promise<void>;
}

function isEvent(value: unknown): value is CallStatusEvent {
  const event = value as CallStatusEvent | null;
  return typeof event === 'object' && event !== null && typeof event.callSid === 'string' && event.timestamp instanceof Date
    && !Number.isNaN(event.timestamp.getTime()) && typeof event.status === 'string';
}

/** The raw fields of an event, rebuilt when the caller has not kept them. */
function rawOf(event: CallStatusEvent): Record<string, unknown> {
  return {
    CallSid: event.callSid,
    AccountSid: event.accountSid,
    From: event.from,
    To: event.to,
    Timestamp: event.timestampText,
    CallStatus: event.status,
    CallDuration: event.durationSeconds === null ? '' : String(event.durationSeconds),
    AudioInMos: event.mos === null ? '' : String(event.mos),
    ...event.extra,
  };
}

function rangeOf(query: MetricsQuery): { from: number; to: number } {
  const from = query.from instanceof Date ? query.from.getTime() : Number.NaN;
  const to = query.to instanceof Date ? query.to.getTime() : Number.NaN;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new TypeError('callpulse: from and to must be valid Dates');
  if (from >= to) throw new TypeError('callpulse: from must be before to');
  return { from, to };
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(value)) throw new TypeError(`callpulse: ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function zoneOf(timeZone: string | undefined): string {
  const zone = timeZone ?? 'UTC';
  if (!isValidTimeZone(zone)) throw new TypeError(`callpulse: timeZone must be an IANA time zone name like America/New_York, got ${JSON.stringify(zone)}`);
  return zone;
}

/**
 * Opens (creating when missing) a callpulse database and returns its sink and metrics.
 *
 * @example
 * ```ts
 * import { createCallStore } from 'callpulse/store';
 * import { createWebHandler } from 'callpulse';
 *
 * const calls = await createCallStore({ database: './data/calls.db' });
 * const handler = createWebHandler({
 *   keys: process.env.SIGNALWIRE_SIGNING_KEY!,
 *   onCall: (event, context) => calls.recordCall(event, context),
 *   onInvalid: (invalid) => calls.quarantine(invalid),
 * });
 * const today = await calls.summary({ from: new Date(Date.now() - 86_400_000), to: new Date() });
 * ```
 */
export async function createCallStore(options: CallStoreOptions): Promise<CallpulseStore> {
  if (options === null || typeof options !== 'object' || typeof options.database !== 'string' || options.database.trim() === '') {
    throw new TypeError('callpulse: createCallStore needs { database }: the path of a SQLite file or a postgres:// URL');
  }
  const maxBatch = options.maxBatch ?? 1000;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new TypeError(`callpulse: maxBatch must be a whole number, 1 or more, got ${JSON.stringify(maxBatch)}`);
  const store: CallStore = await createStore(options.database);
  const engine = new MetricsEngine(store, { ...DEFAULT_SUMMARY_OPTIONS, ...options.metrics });
  const committer = new GroupCommitter<WriteItem, WriteOutcome>((items) => store.writeBatch(items), maxBatch, {}, store.capabilities.concurrentBatches);
  let closed = false;

  async function write(item: WriteItem): Promise<WriteOutcome> {
    if (closed) throw storageUnavailable('the call store is closed');
    try {
      return await committer.submit(item);
    } catch (error) {
      throw Object.assign(storageUnavailable('the call was not stored; the sender may retry'), { cause: error });
    }
  }
  const delivery = (details: Partial<CallbackDelivery> | undefined): { method: string; contentType: string | null; receivedAt: Date } => ({
    method: details?.method ?? 'POST',
    contentType: details?.contentType ?? null,
    receivedAt: details?.receivedAt ?? new Date(),
  });

  return {
    async recordCall(event, details) {
      if (!isEvent(event)) throw new TypeError('callpulse: recordCall needs a CallStatusEvent (from parseIncomingCallStatus or a handler\'s onCall)');
      const outcome = await write({ kind: 'call', event, raw: details?.raw ?? rawOf(event), source: 'webhook', delivery: delivery(details) });
      return outcome === 'duplicate' ? 'duplicate' : 'accepted';
    },
    async quarantine(invalid) {
      if (invalid === null || typeof invalid !== 'object' || typeof invalid.raw !== 'object' || !Array.isArray(invalid.problems)) {
        throw new TypeError('callpulse: quarantine needs { raw, problems, url } (a handler\'s onInvalid argument)');
      }
      await write({ kind: 'quarantine', raw: invalid.raw, problems: invalid.problems, url: String(invalid.url ?? ''), delivery: delivery(invalid) });
    },
    getCall: (callSid) => store.getCall(callSid),
    summary: async (query) => engine.summary(rangeOf(query), { number: query.number, account: query.account }),
    timeseries: async (query) => engine.timeseries(rangeOf(query), oneOf('interval', query.interval ?? '1h', INTERVALS), zoneOf(query.timeZone), { number: query.number, account: query.account }),
    breakdown: async (query) => engine.breakdown(rangeOf(query), oneOf('by', query.by, BREAKDOWNS), { number: query.number, account: query.account }, zoneOf(query.timeZone)),
    async close() {
      if (closed) return;
      closed = true;
      await committer.drain();
      await store.close();
    },
  };
}
