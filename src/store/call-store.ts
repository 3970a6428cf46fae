/**
 * @module
 * The store interface every backend implements (SQLite, PostgreSQL), with the records it reads and
 * writes and the capability flags where backends differ. Ingest, metrics and the CLI depend on this
 * interface only, never on a backend.
 */
import type { CallStatus, CallStatusEvent } from '../domain/call-event.js';
import type { FieldProblem } from '../domain/errors.js';
import type { RollupLevel, RollupUnit } from '../metrics/range-cover.js';
import type { CallFilter, RollupFamily, RollupStats } from '../metrics/rollups.js';

/** Where a stored call came from: a signed callback, the Calls REST API (reconcile), or a bulk import. */
export type CallSource = 'webhook' | 'api' | 'import';

/** How a callback reached us, kept with every delivery and quarantine entry. */
export interface DeliveryMeta {
  method: string;
  contentType: string | null;
  receivedAt: Date;
}

/** A valid callback to store: the normalised event and every raw field as received. */
export interface CallWrite {
  kind: 'call';
  event: CallStatusEvent;
  raw: Record<string, unknown>;
  source: CallSource;
  delivery: DeliveryMeta;
  /** Set when this call is re-ingested from quarantine: that entry is marked replayed in the same transaction. */
  quarantineId?: number;
  /**
   * The caller's country, worked out from the number as received, when `event.from` no longer is that number
   * (privacy mode sets it before hashing: store/caller-privacy.ts). Absent: the store works it out from `event.from`.
   */
  fromCountry?: string | null;
}

/** A signed callback that failed validation: kept with the reason so nothing is lost. */
export interface QuarantineWrite {
  kind: 'quarantine';
  raw: Record<string, unknown>;
  problems: readonly FieldProblem[];
  url: string;
  delivery: DeliveryMeta;
}

export type WriteItem = CallWrite | QuarantineWrite;

/** What a write did: a new call, a repeat of a stored `CallSid` (logged, not counted), or a quarantine entry. */
export type WriteOutcome = 'accepted' | 'duplicate' | 'quarantined';

/** A stored call, as read back: the callback's normalised fields (its extra fields are in `raw`), and what the store adds. */
export interface StoredCall extends Omit<CallStatusEvent, 'extra'> {
  source: CallSource;
  receivedAt: Date;
  /** Every field as received. */
  raw: Record<string, unknown>;
  /** The caller's country (ISO 3166-1 alpha-2), or null when unknown. */
  fromCountry: string | null;
  /** True once the same caller called the same number again within 24 hours after this call. */
  repeated: boolean;
}

/** Which stored calls to list, newest first (by Timestamp, then by arrival). */
export interface CallListQuery {
  from: number;
  to: number;
  filter: CallFilter;
  status?: CallStatus | undefined;
  /** Only calls with a MOS strictly below this. */
  mosBelow?: number | undefined;
  /** Only calls with a duration of at least this many seconds. */
  minDuration?: number | undefined;
  limit: number;
  /** Continue after this position (from the previous page). */
  after?: CallListPosition | undefined;
}

/** A position in the newest-first order of calls. */
export interface CallListPosition {
  createdAt: number;
  id: number;
}

/** One page of calls, and where the next page starts (null on the last page). */
export interface CallListPage {
  calls: StoredCall[];
  next: CallListPosition | null;
}

/** A quarantined callback. `replayedAt` is set once it was re-ingested. */
export interface QuarantineEntry {
  id: number;
  receivedAt: Date;
  method: string;
  contentType: string | null;
  url: string;
  problems: FieldProblem[];
  raw: Record<string, unknown>;
  replayedAt: Date | null;
}

/** One logged delivery of a callback (accepted or duplicate). */
export interface DeliveryRecord {
  callSid: string;
  receivedAt: Date;
  outcome: 'accepted' | 'duplicate';
  source: CallSource;
}

/** What calls can be grouped by when scanned. */
export type CallGroupKind = 'number' | 'account' | 'status' | 'country';

/** Which callers called the same number again within 24 hours, most repeat calls first. */
export interface RepeatCallerQuery {
  from: number;
  to: number;
  filter: CallFilter;
  limit: number;
}

/** A caller and a number it called several times, over a range. */
export interface RepeatCaller {
  from: string;
  to: string;
  /** The caller's calls to this number in the range. */
  calls: number;
  /** Of those, the calls followed by another call of the caller to the number within 24 hours. */
  repeated: number;
  firstCall: Date;
  lastCall: Date;
}

/** What the store can say about itself for readiness checks. */
export interface StoreHealth {
  writable: boolean;
  migrationsApplied: boolean;
  detail?: string;
}

/** Where backends differ, as flags callers read (never the backend's name). */
export interface StoreCapabilities {
  /** How many batches ingest may have on their way to `writeBatch` at once. */
  readonly concurrentBatches: number;
  /**
   * Whether text columns keep the character U+0000. PostgreSQL text cannot hold it: there it is stored as
   * U+FFFD in the typed fields (`from`, `to`...), while `raw` always keeps every field exactly.
   */
  readonly keepsNulInText: boolean;
  /**
   * Whether the rollup reads take away the units marked `sign: -1` (metrics/range-cover.ts), all in one
   * snapshot, so the engine may read a range as buckets added and subtracted when that reads less. Absent:
   * they only add, and the engine gives them covers of added buckets.
   */
  readonly subtractsRollupUnits?: boolean;
}

/** What opening the store did to its schema. */
export interface SchemaReport {
  /** The schema version now. */
  version: number;
  /** The migrations this open applied (`<version> <name>`); empty when the schema was already up to date. */
  applied: string[];
}

/** A repeat delivery of a stored call, as copied between stores (`raw` is the stored JSON text, byte for byte). */
export interface CopiedDelivery {
  receivedAt: number;
  source: CallSource;
  method: string | null;
  contentType: string | null;
  rawJson: string;
}

/** A stored call with everything the store keeps about it, as copied between stores. Times are epoch ms. */
export interface CopiedCall {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  fromIsE164: boolean;
  toIsE164: boolean;
  createdAt: number;
  timestampText: string;
  status: CallStatus;
  durationSeconds: number | null;
  mos: number | null;
  source: CallSource;
  receivedAt: number;
  method: string | null;
  contentType: string | null;
  rawJson: string;
  /** The caller's country as the source worked it out. (Whether the call is `repeated` is worked out again in the target.) */
  fromCountry: string | null;
  /** Its repeat deliveries, in order. */
  repeats: CopiedDelivery[];
}

/** A quarantine entry as copied between stores. */
export interface CopiedQuarantine {
  receivedAt: number;
  method: string;
  contentType: string | null;
  url: string;
  problemsJson: string;
  rawJson: string;
  replayedAt: number | null;
}

/** A page of records read for copying, and the storage position after its last record (null when none). */
export interface CopyPage<T> {
  records: T[];
  lastId: number | null;
}

/** What importing one batch of copied records did. */
export interface CopyOutcome {
  /** Calls stored now (their rollups counted). */
  calls: number;
  /** Calls the target already held: skipped with their repeats. */
  callsPresent: number;
  /** Repeat deliveries stored with the new calls. */
  repeats: number;
  quarantine: number;
  /** Quarantine entries the target already held (same time, method, URL and fields). */
  quarantinePresent: number;
}

/**
 * Copying: one open transaction of the target that stores many pages of copied calls (CallStore.beginCopy).
 * Nothing it stores is visible to others, or durable, before `commit` resolves.
 */
export interface CopyTransaction {
  /**
   * Stores a page of copied calls as importCopies would (calls already here skipped with their repeats).
   * Rejects after rolling the whole transaction back; the error's `retryable` is true when the same
   * transaction may simply be run again (it met another writer's locks in a cycle).
   */
  add(calls: readonly CopiedCall[]): Promise<CopyOutcome>;
  /** Counts what was added in the rollups (if not yet) and commits; resolves once durable. */
  commit(): Promise<void>;
  /** Rolls back everything added (nothing when already finished). */
  rollback(): Promise<void>;
}

/** The one storage interface. Every write method commits durably before it resolves. */
export interface CallStore {
  readonly capabilities: StoreCapabilities;
  /** Where the data lives, without credentials (for logs and CLI output). */
  readonly label: string;
  /** What opening the store did to its schema (migrations run on open, under a lock). */
  readonly schema: SchemaReport;
  /**
   * Runs `work` while no other process on the same database runs the job of that name: alert evaluation and
   * delivery, which several instances on one database must take turns at. Stores that one process owns
   * leave it out, and the work runs directly.
   */
  serialized?<T>(job: 'alert-evaluation' | 'alert-delivery', work: () => Promise<T>): Promise<T>;
  /** Writes a batch in one transaction, durably; resolves with each item's outcome, in order. Throws if nothing was committed. */
  writeBatch(items: readonly WriteItem[]): Promise<WriteOutcome[]>;
  getCall(callSid: string): Promise<StoredCall | null>;
  /** A page of stored calls matching the query, newest first. */
  listCalls(query: CallListQuery): Promise<CallListPage>;
  /** Every delivery of a call, in order: the first (accepted) one, then each repeat. */
  listDeliveries(callSid: string): Promise<DeliveryRecord[]>;
  listQuarantine(options: { includeReplayed: boolean; limit: number }): Promise<QuarantineEntry[]>;
  /** Alerts: the persisted state of every alert evaluated so far (alerts/evaluator.ts), in no particular order. */
  listAlertStates(): Promise<AlertStateRecord[]>;
  /**
   * Alerts: saves one evaluation in one transaction: each state replaces the one of its (rule, subject),
   * and the notifications it decided are queued. So a restart finds either both or neither.
   */
  saveAlertEvaluation(states: readonly AlertStateRecord[], notifications: readonly NewAlertNotification[]): Promise<void>;
  /** Alerts: the queued notifications neither sent nor given up, in the order they were queued, at most `limit`. */
  listPendingNotifications(limit: number): Promise<AlertNotificationRecord[]>;
  /** Alerts: records one delivery attempt of queued notification `id` (sent, to retry at a later time, or given up). */
  recordNotificationAttempt(id: number, attempt: NotificationAttempt): Promise<void>;
  /**
   * Retention: deletes, in one transaction, at most about `limit` rows of what is older than the cutoffs
   * (see RetentionCutoffs) and says how many of each went. Callers repeat it until it deletes nothing, so
   * ingest is never held up by one long delete.
   */
  purgeBefore(cutoffs: RetentionCutoffs, limit: number): Promise<PurgeCounts>;
  /** The merged rollup stats of whole buckets, summed over the dimensions given (metrics/rollups.ts dimensionsOf). */
  readRollups(units: readonly RollupUnit[], dimensions: readonly string[]): Promise<RollupStats>;
  /**
   * The merged rollup stats of whole buckets per dimension, over the dimensions of a family named `prefix`
   * and one more part (metrics/rollups.ts): that part, as named -> stats. Dimensions with no rows are absent.
   */
  readRollupGroups(units: readonly RollupUnit[], prefix: string, family: RollupFamily): Promise<Map<string, RollupStats>>;
  /** The base rollup rows of one level whose buckets start in [from, to), summed over the dimensions given, per bucket start. */
  readRollupSeries(level: RollupLevel, from: number, to: number, dimensions: readonly string[]): Promise<Map<number, RollupStats>>;
  /** Every project (AccountSid) that has received calls on a number. */
  accountsOfNumber(number: string): Promise<string[]>;
  /** Every (project, called number) pair that has had calls. */
  listNumbers(): Promise<Array<{ account: string; number: string }>>;
  /** The same stats computed from the stored calls whose Timestamp is in [from, to) (range edges; plain scans). */
  scanCalls(from: number, to: number, filter: CallFilter): Promise<RollupStats>;
  /** Like scanCalls, per group: the called number, the project, the status or the caller's country ('' when unknown). */
  scanCallGroups(from: number, to: number, filter: CallFilter, by: CallGroupKind): Promise<Map<string, RollupStats>>;
  /** The callers with calls in the range that were followed by a repeat call, most such calls first. */
  listRepeatCallers(query: RepeatCallerQuery): Promise<RepeatCaller[]>;
  /** Copying: stored calls after storage position `afterId` (0 for the start), oldest stored first, each with its repeats. */
  exportCalls(afterId: number, limit: number): Promise<CopyPage<CopiedCall>>;
  /** Copying: quarantine entries after storage position `afterId`, in order. */
  exportQuarantine(afterId: number, limit: number): Promise<CopyPage<CopiedQuarantine>>;
  /**
   * Copying: stores records read from another store in one transaction. A call whose CallSid is already
   * here is skipped with its repeats; a new one is stored with its repeats and counted in the rollups; a
   * quarantine entry equal to one already here is skipped. Running it twice stores nothing the second time.
   */
  importCopies(batch: { calls: readonly CopiedCall[]; quarantine: readonly CopiedQuarantine[] }): Promise<CopyOutcome>;
  /**
   * Copying, where the store has it: opens one transaction for many pages of copied calls, so that their
   * rollups are summed over all of them and written once rather than once per page (a copy of history is
   * then several times faster). Same outcome as importCopies page by page; it holds its locks (the days
   * around its calls, the rollup rows it wrote) until it commits.
   */
  beginCopy?(): Promise<CopyTransaction>;
  /**
   * Copying, where the store needs it: brings the query planner's statistics up to date after a copy
   * stored many calls (a bulk load leaves them stale, and reads are planned badly until they are).
   */
  refreshStatistics?(): Promise<void>;
  /** Storage can take writes now, and the schema is the one this code knows. Never throws. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Alerts: the state of one alert (a rule over all calls, or over one called number), as last evaluated. */
export interface AlertStateRecord {
  rule: string;
  /** '' for a rule over all calls, else the called number. */
  subject: string;
  firing: boolean;
  /** When the current state (firing or not) began, epoch ms. */
  since: number;
  /** When it was last evaluated, epoch ms. */
  evaluatedAt: number;
  /** The rule's figure at the last evaluation; null when the window could not tell (too few calls...). */
  value: number | null;
  /** The calls in the window at the last evaluation. */
  calls: number;
  /** The last evaluation in words. */
  message: string;
  /** The last state notified: `firing`, `resolved`, or null when nothing was ever queued. */
  notified: 'firing' | 'resolved' | null;
  /** When the last firing notification was queued (the cooldown counts from it), epoch ms, or null. */
  lastFiringNoticeAt: number | null;
}

/** Alerts: a notification to queue for one target. */
export interface NewAlertNotification {
  rule: string;
  subject: string;
  /** The target's name (alerts.targets); its URL is read from the configuration when sending, never stored. */
  target: string;
  event: 'firing' | 'resolved';
  /** The alert as JSON text; alerts/notify.ts shapes it for the target when sending. */
  payload: string;
  createdAt: number;
}

/** Alerts: a queued notification and its delivery so far. */
export interface AlertNotificationRecord extends NewAlertNotification {
  id: number;
  attempts: number;
  /** Not to be sent before this, epoch ms. */
  nextAttemptAt: number;
  sentAt: number | null;
  /** When it was given up. */
  failedAt: number | null;
  lastError: string | null;
}

/** Alerts: how one delivery attempt went. */
export type NotificationAttempt =
  | { outcome: 'sent'; at: number }
  | { outcome: 'retry'; at: number; error: string; nextAttemptAt: number }
  | { outcome: 'failed'; at: number; error: string };

/** Retention: what is older than these instants (epoch ms) is deleted; null keeps it. */
export interface RetentionCutoffs {
  /**
   * Calls whose Timestamp is before this go, with their repeat deliveries; so do quarantine entries received
   * before it, and alert notifications queued before it that were sent or given up.
   */
  callsBefore: number | null;
  /** Rollup buckets (15-minute, day, month) that end at or before this go. */
  rollupsBefore: number | null;
}

/** Retention: how many rows one purge deleted. */
export interface PurgeCounts {
  calls: number;
  deliveries: number;
  quarantine: number;
  notifications: number;
  rollups: number;
}
