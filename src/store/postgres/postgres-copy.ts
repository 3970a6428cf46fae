/**
 * @module
 * Copying between stores, PostgreSQL side: reading stored calls (with their repeats) and quarantine
 * entries page by page in storage order, and importing records copied from another store in one
 * transaction. Calls go through the same `ON CONFLICT (call_sid) DO NOTHING RETURNING` insert as live
 * callbacks, so only calls not yet here are stored, get their repeats, and are listed for the rollups to
 * count; repeat callers are marked from the calls the target holds, as for live writes. A batch of history
 * holds thousands of callers: it locks the days around its calls rather than each caller
 * (postgres-repeat-callers.ts). A copy transaction (beginCopy) stores many pages; the store counts them
 * into the rollups once it has committed (postgres-rollup-catch-up.ts), so each rollup row is written once
 * per catch-up chunk rather than once per page.
 */
import type pg from 'pg';
import type { CopiedCall, CopiedQuarantine, CopyOutcome, CopyPage, CopyTransaction } from '../call-store.js';
import { callPage, deliveriesByCall, lastIdOf, quarantinePage, type ExportedCallRow } from '../copy-rows.js';
import type { DeliveryRow, QuarantineRow } from '../stored-rows.js';
import { columnArrays, type ArrayElement } from './postgres-arrays.js';
import { inTransaction, isUnavailableError } from './postgres-connection.js';
import { BEGIN_COPY, callColumns, insertCallsMarkingRepeats, lockCopiedDays } from './postgres-repeat-callers.js';
import { pgText } from './postgres-text.js';
import { INSERT_REPEATS, insertNumbers, newNumbers, type NumberPair } from './postgres-writer.js';

/** Inserts the entries not already here (same time, method, URL and raw fields); returns how many. */
const INSERT_QUARANTINE_COPIES = `INSERT INTO quarantine (received_at, method, content_type, url, problems, raw, replayed_at)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
    AS q(received_at, method, content_type, url, problems, raw, replayed_at)
  WHERE NOT EXISTS (SELECT 1 FROM quarantine x
    WHERE x.received_at = q.received_at AND x.method = q.method AND x.url = q.url AND x.raw = q.raw)`;

/** Page readers over a pool. */
export function createCopyReader(pool: pg.Pool) {
  return {
    async exportCalls(afterId: number, limit: number): Promise<CopyPage<CopiedCall>> {
      const { rows } = await pool.query<ExportedCallRow>('SELECT * FROM calls WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
      const lastId = lastIdOf(rows);
      if (lastId === null) return callPage(rows, new Map());
      const { rows: deliveries } = await pool.query<DeliveryRow>(
        `SELECT call_sid, received_at, source, method, content_type, raw FROM deliveries
          WHERE call_sid IN (SELECT call_sid FROM calls WHERE id > $1 AND id <= $2) ORDER BY id`,
        [afterId, lastId],
      );
      return callPage(rows, deliveriesByCall(deliveries));
    },

    async exportQuarantine(afterId: number, limit: number): Promise<CopyPage<CopiedQuarantine>> {
      const { rows } = await pool.query<QuarantineRow>('SELECT * FROM quarantine WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
      return quarantinePage(rows);
    },
  };
}

const nullableText = (text: string | null): string | null => (text === null ? null : pgText(text));

/**
 * Stores a page of copied calls in the caller's transaction: takes the locks of the days around them,
 * inserts the calls not here yet (repeat callers marked, listed for the rollups) with their repeat
 * deliveries, and the (number, project) pairs not in `knownNumbers` yet (added to it). Returns what it did.
 */
async function storeCallPage(client: pg.PoolClient, calls: readonly CopiedCall[], lockedDays: Set<number>, knownNumbers: Set<string>): Promise<CopyOutcome> {
  const bySid = new Map<string, CopiedCall>();
  const outcome: CopyOutcome = { calls: 0, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0 };
  for (const call of calls) {
    if (bySid.has(pgText(call.callSid))) outcome.callsPresent += 1;
    else bySid.set(pgText(call.callSid), call);
  }
  const sorted = [...bySid].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const columns = callColumns(sorted.map(([sid, c]): ArrayElement[] => [
    sid, pgText(c.accountSid), pgText(c.from), pgText(c.to), c.fromIsE164, c.toIsE164, c.createdAt, pgText(c.timestampText),
    c.status, c.durationSeconds, c.mos, c.source, c.receivedAt, nullableText(c.method), nullableText(c.contentType), c.rawJson, c.fromCountry,
  ]));
  const lock = lockCopiedDays(sorted.filter(([, c]) => c.fromIsE164).map(([, c]) => c.createdAt), lockedDays);
  // Without new days to lock, the insert is sent at once, while the caller reads the next page.
  if (lock !== null) await client.query(lock);
  const inserted = await insertCallsMarkingRepeats(client, columns, sorted.length);
  const newCalls: NumberPair[] = [];
  const repeats: ArrayElement[][] = [];
  for (const [sid, c] of sorted) {
    if (!inserted.has(sid)) {
      outcome.callsPresent += 1;
      continue;
    }
    outcome.calls += 1;
    newCalls.push({ accountSid: pgText(c.accountSid), to: pgText(c.to) });
    for (const r of c.repeats) repeats.push([sid, r.receivedAt, r.source, nullableText(r.method), nullableText(r.contentType), r.rawJson]);
  }
  if (repeats.length > 0) await client.query({ name: 'cp_insert_repeats', text: INSERT_REPEATS, values: columnArrays(repeats, 6) });
  outcome.repeats = repeats.length;
  await insertNumbers(client, newNumbers(newCalls, knownNumbers, knownNumbers));
  return outcome;
}

/** Stores quarantine entries not already here, in the caller's transaction. */
async function storeQuarantine(client: pg.PoolClient, quarantine: readonly CopiedQuarantine[], outcome: CopyOutcome): Promise<void> {
  const seen = new Set<string>();
  const entries: ArrayElement[][] = [];
  for (const q of quarantine) {
    const key = JSON.stringify([q.receivedAt, q.method, q.url, q.rawJson]);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push([q.receivedAt, pgText(q.method), nullableText(q.contentType), pgText(q.url), q.problemsJson, q.rawJson, q.replayedAt]);
  }
  if (entries.length > 0) {
    const result = await client.query(INSERT_QUARANTINE_COPIES, columnArrays(entries, 7));
    outcome.quarantine = result.rowCount ?? 0;
  }
  outcome.quarantinePresent = quarantine.length - outcome.quarantine;
}

/** Imports one batch of copied records in one transaction. */
export async function importCopies(pool: pg.Pool, batch: { calls: readonly CopiedCall[]; quarantine: readonly CopiedQuarantine[] }): Promise<CopyOutcome> {
  return inTransaction(pool, async (client) => {
    const outcome = await storeCallPage(client, batch.calls, new Set(), new Set());
    await storeQuarantine(client, batch.quarantine, outcome);
    return outcome;
  }, BEGIN_COPY);
}

/** SQLSTATEs after which a copy transaction may simply be run again (deadlock, serialization failure). */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Opens a copy transaction on its own connection: pages of calls are stored as importCopies stores
 * them (the store counts them into the rollups after the commit). A failure rolls the whole transaction back; one the copy may simply run again
 * (a deadlock with another writer) is thrown with `retryable` set.
 */
export async function beginCopy(pool: pg.Pool): Promise<CopyTransaction> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => void (broken = error);
  client.on('error', onError);
  let open = true;
  const release = (): void => {
    if (!open) return;
    open = false;
    client.off('error', onError);
    client.release(broken);
  };
  /** Runs a step; on failure rolls back, releases the connection and throws (marked retryable when it is). */
  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    if (!open) throw new Error('the copy transaction is already finished');
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const retryable = code !== undefined && RETRYABLE.has(code);
      if (broken === undefined && (retryable || !isUnavailableError(error))) await client.query('ROLLBACK').catch((e: Error) => void (broken = e));
      else broken = broken ?? (error as Error);
      release();
      if (retryable) (error as { retryable?: boolean }).retryable = true;
      throw error;
    }
  };
  const lockedDays = new Set<number>();
  const knownNumbers = new Set<string>();
  await step(() => client.query(BEGIN_COPY));
  return {
    add: (calls) => step(() => storeCallPage(client, calls, lockedDays, knownNumbers)),
    commit: () => step(async () => {
      await client.query('COMMIT');
      release();
    }),
    async rollback() {
      if (!open) return;
      await client.query('ROLLBACK').catch((e: Error) => void (broken = e));
      release();
    },
  };
}
