/**
 * @module
 * Copying everything one store holds into another (e.g. a SQLite file into PostgreSQL), through the
 * store interface: calls page by page in storage order (each with its repeat deliveries), then the
 * quarantine. Each page is one transaction in the target; a call already there is skipped, so running the
 * copy again, or after an interruption, stores nothing twice and the target's rollups stay exact. The next
 * page is read while the target stores the current one (the two databases work at the same time).
 */
import type { CallStore, CopyOutcome } from './call-store.js';

/** What a copy did, summed over its batches. */
export interface CopyReport extends CopyOutcome {
  batches: number;
  seconds: number;
}

export interface CopyOptions {
  /** Calls (or quarantine entries) per transaction. */
  batchSize?: number;
  /** Called after each committed batch with the totals so far. */
  onBatch?: (report: CopyReport) => void;
}

function add(report: CopyReport, outcome: CopyOutcome): void {
  report.calls += outcome.calls;
  report.callsPresent += outcome.callsPresent;
  report.repeats += outcome.repeats;
  report.quarantine += outcome.quarantine;
  report.quarantinePresent += outcome.quarantinePresent;
  report.batches += 1;
}

/** Copies every call, repeat delivery and quarantine entry of `source` into `target`. */
export async function copyStore(source: CallStore, target: CallStore, options: CopyOptions = {}): Promise<CopyReport> {
  const batchSize = options.batchSize ?? 1000;
  const started = performance.now();
  const report: CopyReport = { calls: 0, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0, batches: 0, seconds: 0 };
  for (let page = await source.exportCalls(0, batchSize); page.lastId !== null; ) {
    const storing = target.importCopies({ calls: page.records, quarantine: [] });
    // The next page is read while the target stores this one; a failure of either is thrown once the batch is settled.
    const next = source.exportCalls(page.lastId, batchSize);
    next.catch(() => undefined);
    add(report, await storing);
    options.onBatch?.({ ...report, seconds: (performance.now() - started) / 1000 });
    page = await next;
  }
  for (let after = 0; ; ) {
    const page = await source.exportQuarantine(after, batchSize);
    if (page.lastId === null) break;
    add(report, await target.importCopies({ calls: [], quarantine: page.records }));
    after = page.lastId;
    options.onBatch?.({ ...report, seconds: (performance.now() - started) / 1000 });
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
