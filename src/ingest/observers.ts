/**
 * @module
 * Several ingest observers as one (the live feed, the Prometheus exporter...): every hook goes to each
 * observer in turn, and an observer that throws is logged and skipped, never allowed to fail a callback.
 */
import { silentLogger, type Logger } from '../domain/logger.js';
import type { IngestObserver } from './ingest.js';

/** One observer that hands every hook to each of `observers`, in order. */
export function fanOut(observers: readonly IngestObserver[], logger: Logger = silentLogger): IngestObserver {
  const guarded = <A extends unknown[]>(hook: string, call: (observer: IngestObserver, ...args: A) => void) =>
    (...args: A): void => {
      for (const observer of observers) {
        try {
          call(observer, ...args);
        } catch (error) {
          logger.error({ hook, cause: (error as Error).message }, 'an ingest observer failed; the callback is not affected');
        }
      }
    };
  return {
    onOutcome: guarded('onOutcome', (o, outcome: Parameters<NonNullable<IngestObserver['onOutcome']>>[0], detail: Parameters<NonNullable<IngestObserver['onOutcome']>>[1]) => o.onOutcome?.(outcome, detail)),
    onCommit: guarded('onCommit', (o, batchSize: number, durationMs: number) => o.onCommit?.(batchSize, durationMs)),
    onCommitError: guarded('onCommitError', (o, error: unknown, batchSize: number) => o.onCommitError?.(error, batchSize)),
  };
}
