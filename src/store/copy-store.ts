/**
 * @module
 * Copying everything one store holds into another (e.g. a SQLite file into PostgreSQL), through the
 * store interface: calls page by page in storage order (each with its repeat deliveries), then the
 * quarantine. Each batch of calls is one transaction in the target; a call already there is skipped, so
 * running the copy again, or after an interruption, stores nothing twice and the target's rollups stay
 * exact. A target with copy transactions (CallStore.beginCopy) gets each batch as pages of `pageSize`
 * calls in one transaction and counts them in its rollups once for the batch: the larger the batch, the
 * fewer times its rollup rows are written. Other targets get each batch in one importCopies call. Once
 * something was copied, the target refreshes its planner statistics (where it keeps any).
 */
import type { CallStore, CopyOutcome, CopyTransaction } from './call-store.js';

/** What a copy did, summed over its batches. */
export interface CopyReport extends CopyOutcome {
  batches: number;
  seconds: number;
}

export interface CopyOptions {
  /** Calls (or quarantine entries) per transaction. */
  batchSize?: number;
  /** Calls read and sent at once inside a copy transaction (default: the batch size, at most 10,000). */
  pageSize?: number;
  /** Called after each committed batch with the totals so far. */
  onBatch?: (report: CopyReport) => void;
}

/** How many times a batch that met another writer's locks in a cycle is run again before the copy fails. */
const RETRIES = 3;

function emptyOutcome(): CopyOutcome {
  return { calls: 0, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0 };
}

function sum(total: CopyOutcome, outcome: CopyOutcome): void {
  total.calls += outcome.calls;
  total.callsPresent += outcome.callsPresent;
  total.repeats += outcome.repeats;
  total.quarantine += outcome.quarantine;
  total.quarantinePresent += outcome.quarantinePresent;
}

/**
 * Stores the calls after `after`, up to `batchSize` of them, in one copy transaction of `target`, read
 * page by page; returns what it stored and the storage position after them (null when there were none).
 */
async function copyBatch(source: CallStore, begin: () => Promise<CopyTransaction>, after: number, batchSize: number, pageSize: number): Promise<{ outcome: CopyOutcome; lastId: number | null }> {
  const transaction = await begin();
  const outcome = emptyOutcome();
  let lastId: number | null = null;
  try {
    let taken = 0;
    for (let page = await source.exportCalls(after, Math.min(pageSize, batchSize)); page.lastId !== null; ) {
      const adding = transaction.add(page.records);
      adding.catch(() => undefined); // awaited below
      taken += page.records.length;
      lastId = page.lastId;
      // The next page is read while the target stores this one.
      const next = taken < batchSize ? source.exportCalls(lastId, Math.min(pageSize, batchSize - taken)) : null;
      next?.catch(() => undefined);
      sum(outcome, await adding);
      if (next === null) break;
      page = await next;
    }
    await transaction.commit();
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
  return { outcome, lastId };
}

/** Copies every call, repeat delivery and quarantine entry of `source` into `target`. */
export async function copyStore(source: CallStore, target: CallStore, options: CopyOptions = {}): Promise<CopyReport> {
  const batchSize = options.batchSize ?? 1000;
  const pageSize = options.pageSize ?? Math.min(batchSize, 10_000);
  const started = performance.now();
  const report: CopyReport = { ...emptyOutcome(), batches: 0, seconds: 0 };
  const committed = (outcome: CopyOutcome): void => {
    sum(report, outcome);
    report.batches += 1;
    options.onBatch?.({ ...report, seconds: (performance.now() - started) / 1000 });
  };
  if (target.beginCopy) {
    const begin = target.beginCopy.bind(target);
    for (let after = 0, attempt = 1; ; ) {
      let batch;
      try {
        batch = await copyBatch(source, begin, after, batchSize, pageSize);
      } catch (error) {
        if ((error as { retryable?: boolean }).retryable === true && attempt <= RETRIES) {
          attempt += 1;
          continue;
        }
        throw error;
      }
      if (batch.lastId === null) break;
      committed(batch.outcome);
      after = batch.lastId;
      attempt = 1;
    }
  } else {
    for (let after = 0; ; ) {
      const page = await source.exportCalls(after, batchSize);
      if (page.lastId === null) break;
      committed(await target.importCopies({ calls: page.records, quarantine: [] }));
      after = page.lastId;
    }
  }
  for (let after = 0; ; ) {
    const page = await source.exportQuarantine(after, batchSize);
    if (page.lastId === null) break;
    committed(await target.importCopies({ calls: [], quarantine: page.records }));
    after = page.lastId;
  }
  if (report.calls + report.quarantine > 0) await target.refreshStatistics?.();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
