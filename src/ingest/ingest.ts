/**
 * @module
 * The ingest pipeline: read (verify + validate) a callback, hand it to group commit, and answer only
 * after the commit. 200 for a new call and for a repeat of a stored CallSid (counted once, logged always);
 * 422 once the invalid callback is safely in quarantine; 503 when storage could not commit.
 */
import { errorBody, isStorageUnavailable, storageUnavailable, type CallpulseError } from '../domain/errors.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { CallStore, DeliveryMeta, WriteItem, WriteOutcome } from '../store/call-store.js';
import type { CallerPrivacy } from '../store/caller-privacy.js';
import { GroupCommitter, type CommitObserver } from './group-commit.js';
import { readCallback, type InboundRequest } from './read-callback.js';
import type { SigningKeys } from './signing-keys.js';

/** An HTTP answer, framework-free. */
export interface IngestAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** What an observer learns of one callback's outcome. */
export interface OutcomeDetail {
  /** The error code of a rejection. */
  code?: string;
  /** What was stored (as stored: with privacy mode, the caller's number is its hash). */
  item?: WriteItem;
  /** From the request's body read to its answer ready, commit included (absent for refusals before ingest). */
  durationMs?: number;
}

/** Hooks to observe ingest outcomes (metrics, live feeds); several are combined by observers.ts fanOut. */
export interface IngestObserver extends CommitObserver {
  onOutcome?(outcome: WriteOutcome | 'rejected', detail: OutcomeDetail): void;
}

export interface IngestOptions {
  maxBatch: number;
  logger?: Logger;
  observer?: IngestObserver;
  /** Privacy mode: callers' numbers hashed before anything is stored or observed. */
  privacy?: CallerPrivacy | null;
}

/** Receives callbacks and commits them in groups. One instance per store. */
export class Ingest {
  private readonly committer: GroupCommitter<WriteItem, WriteOutcome>;
  private readonly logger: Logger;
  private readonly observer: IngestObserver;
  private readonly privacy: CallerPrivacy | null;

  constructor(store: CallStore, private readonly keys: SigningKeys, options: IngestOptions) {
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer ?? {};
    this.privacy = options.privacy ?? null;
    // Stores commit on their own thread or connections: the next batch in flight keeps the writer busy.
    this.committer = new GroupCommitter((items) => store.writeBatch(items), options.maxBatch, this.observer, store.capabilities.concurrentBatches);
  }

  /** Handles one callback request end to end and returns the answer to send. Never throws. */
  async receive(request: InboundRequest): Promise<IngestAnswer> {
    const started = performance.now();
    const result = readCallback(request, this.keys);
    const delivery: DeliveryMeta = { method: request.method, contentType: request.contentType ?? null, receivedAt: new Date() };
    if (!result.ok && !result.quarantine) {
      this.logger.warn({ code: result.error.code, reason: result.error.message }, 'callback rejected');
      this.observer.onOutcome?.('rejected', { code: result.error.code, durationMs: performance.now() - started });
      return { status: result.error.status, body: errorBody(result.error) };
    }
    const received: WriteItem = result.ok
      ? { kind: 'call', event: result.event, raw: result.fields, source: 'webhook', delivery }
      : { kind: 'quarantine', raw: result.quarantine!.fields, problems: result.quarantine!.problems, url: request.url, delivery };
    const item = this.privacy ? this.privacy.protect(received) : received;
    try {
      const outcome = await this.committer.submit(item);
      this.observer.onOutcome?.(outcome, { item, durationMs: performance.now() - started });
      if (!result.ok) {
        this.logger.warn({ code: result.error.code, details: result.error.details }, 'invalid callback quarantined');
        return { status: result.error.status, body: errorBody(result.error) };
      }
      return { status: 200, body: { result: outcome, callSid: result.event.callSid } };
    } catch (error) {
      // The answer says what happened, never why inside: the storage's own message goes to the log only.
      const unavailable = storageUnavailable('the callback was not stored; the sender may retry');
      this.logger.error({ code: unavailable.code, cause: (error as Error).message, storage: isStorageUnavailable(error) }, 'callback not stored');
      this.observer.onOutcome?.('rejected', { code: unavailable.code, durationMs: performance.now() - started });
      return { status: unavailable.status, body: errorBody(unavailable) };
    }
  }

  /** Notes a callback the HTTP layer refused before ingest could read it (too large, server shutting down). */
  refused(error: CallpulseError): void {
    this.observer.onOutcome?.('rejected', { code: error.code });
  }

  /** Resolves once everything submitted so far has been committed or failed. */
  drain(): Promise<void> {
    return this.committer.drain();
  }
}
