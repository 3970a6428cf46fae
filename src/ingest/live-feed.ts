/**
 * @module
 * The live feed: every newly stored call, as soon as its transaction has committed, handed to whoever
 * listens (the Server-Sent Events route of the dashboard and wallboard): an ingest observer that fans
 * out to any number of listeners; a listener that throws is dropped, never the ingest.
 */
import type { CallStatus } from '../domain/call-event.js';
import type { WriteItem, WriteOutcome } from '../store/call-store.js';
import type { IngestObserver } from './ingest.js';

/** A newly stored call, as the live feed tells it (the call list's fields, without the raw ones). */
export interface LiveCall {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  /** The call's Timestamp, ISO 8601 UTC. */
  timestamp: string;
  status: CallStatus;
  durationSeconds: number | null;
  mos: number | null;
}

export type LiveListener = (call: LiveCall) => void;

/** Fans committed calls out to listeners. */
export class LiveFeed implements IngestObserver {
  private readonly listeners = new Set<LiveListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The number of listeners (open live connections). */
  get size(): number {
    return this.listeners.size;
  }

  /** Publishes a call to every listener. */
  publish(call: LiveCall): void {
    for (const listener of this.listeners) {
      try {
        listener(call);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }

  /** Ingest hook: a new call (not a repeat, not a quarantine entry) goes out once committed. */
  onOutcome(outcome: WriteOutcome | 'rejected', detail: { item?: WriteItem }): void {
    if (outcome !== 'accepted' || detail.item?.kind !== 'call' || this.listeners.size === 0) return;
    const event = detail.item.event;
    this.publish({
      callSid: event.callSid,
      accountSid: event.accountSid,
      from: event.from,
      to: event.to,
      timestamp: event.timestamp.toISOString(),
      status: event.status,
      durationSeconds: event.durationSeconds,
      mos: event.mos,
    });
  }
}
