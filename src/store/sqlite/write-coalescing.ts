/**
 * @module
 * Several write batches waiting for the SQLite writer thread, committed as one transaction: each commit
 * costs an fsync and a WAL header whatever its size, and while the writer thread was busy (a commit, a
 * rollup catch-up slice) the batches that arrived can share the next one. Each batch still gets its own
 * outcomes, only after that commit. If the shared transaction fails, nothing of it was committed, and
 * each batch is written again on its own, so one bad batch cannot cost the others their answers.
 */
import type { WriteOutcome } from '../call-store.js';
import type { WriteRow } from './write-rows.js';

/** What happened to one batch: its outcomes, or the error its write ended with. */
export type BatchResult = { ok: true; outcomes: WriteOutcome[] } | { ok: false; error: unknown };

/**
 * Writes `batches` with `writeRows` (one transaction per call, throwing when nothing was committed): all of
 * them in one transaction, or, if that fails, each in its own (unless `isFatal` says the failure would be
 * the same for every batch, such as storage being unavailable). Returns one result per batch, in order.
 */
export function writeCoalesced(
  batches: ReadonlyArray<readonly WriteRow[]>,
  writeRows: (rows: readonly WriteRow[]) => WriteOutcome[],
  isFatal: (error: unknown) => boolean,
): BatchResult[] {
  if (batches.length === 1) return [writeOne(batches[0]!, writeRows)];
  let outcomes: WriteOutcome[];
  try {
    outcomes = writeRows(batches.flat());
  } catch (error) {
    if (isFatal(error)) return batches.map(() => ({ ok: false, error }));
    return batches.map((rows) => writeOne(rows, writeRows));
  }
  let at = 0;
  return batches.map((rows) => {
    const own = outcomes.slice(at, at + rows.length);
    at += rows.length;
    return { ok: true, outcomes: own };
  });
}

function writeOne(rows: readonly WriteRow[], writeRows: (rows: readonly WriteRow[]) => WriteOutcome[]): BatchResult {
  try {
    return { ok: true, outcomes: writeRows(rows) };
  } catch (error) {
    return { ok: false, error };
  }
}
