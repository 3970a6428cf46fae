/**
 * @module
 * The PostgreSQL write path: one transaction per batch, committed before any item is answered. Calls
 * are inserted with `ON CONFLICT (call_sid) DO NOTHING RETURNING call_sid`: the unique constraint decides,
 * across every instance, which delivery stores a call, and only the rows actually inserted are listed for
 * the rollups to count (same transaction; the catch-up counts them just after, postgres-rollup-catch-up.ts).
 * A repeat is logged in `deliveries` with its fields; quarantine entries are kept; repeat callers are
 * marked (postgres-repeat-callers.ts); new (number, project) pairs go into `numbers`. Callers' locks and
 * calls are taken in a fixed order so concurrent batches cannot deadlock (a deadlock or serialization
 * failure would rerun the whole transaction anyway).
 */
import type pg from 'pg';
import { callerCountry } from '../../domain/phone-number.js';
import type { CallWrite, QuarantineWrite, WriteItem, WriteOutcome } from '../call-store.js';
import { columnArrays, pgArray, type ArrayElement } from './postgres-arrays.js';
import { inTransaction } from './postgres-connection.js';
import { beginLockingCallers, callColumns, insertCallsMarkingRepeats } from './postgres-repeat-callers.js';
import { pgText } from './postgres-text.js';

export const INSERT_REPEATS = `INSERT INTO deliveries (call_sid, received_at, source, method, content_type, raw)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`;

const INSERT_QUARANTINE = `INSERT INTO quarantine (received_at, method, content_type, url, problems, raw)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`;

const MARK_REPLAYED = 'UPDATE quarantine SET replayed_at = $1 WHERE id = ANY($2::bigint[])';

const INSERT_NUMBERS = 'INSERT INTO numbers (number, account_sid) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING';

/** The caller's country: the one the item carries (privacy mode works it out before hashing), else from From. */
function fromCountry(item: CallWrite): string | null {
  return item.fromCountry !== undefined ? item.fromCountry : callerCountry(item.event.from);
}

function callRow(item: CallWrite): ArrayElement[] {
  const { event, delivery } = item;
  return [
    pgText(event.callSid), pgText(event.accountSid), pgText(event.from), pgText(event.to), event.fromIsE164, event.toIsE164,
    event.timestamp.getTime(), pgText(event.timestampText), event.status, event.durationSeconds, event.mos, item.source,
    delivery.receivedAt.getTime(), pgText(delivery.method), delivery.contentType === null ? null : pgText(delivery.contentType),
    JSON.stringify(item.raw), fromCountry(item),
  ];
}

function repeatRow(item: CallWrite): ArrayElement[] {
  const { delivery } = item;
  return [
    pgText(item.event.callSid), delivery.receivedAt.getTime(), item.source, pgText(delivery.method),
    delivery.contentType === null ? null : pgText(delivery.contentType), JSON.stringify(item.raw),
  ];
}

function quarantineRow(item: QuarantineWrite): ArrayElement[] {
  const { delivery } = item;
  return [
    delivery.receivedAt.getTime(), pgText(delivery.method), delivery.contentType === null ? null : pgText(delivery.contentType),
    pgText(item.url), JSON.stringify(item.problems), JSON.stringify(item.raw),
  ];
}

/** Returns the batch writer of a pool: items in, outcomes out (in order), after COMMIT. */
export function createBatchWriter(pool: pg.Pool): (items: readonly WriteItem[]) => Promise<WriteOutcome[]> {
  /** Number/project pairs known to be in `numbers` (committed), so most batches skip that insert. */
  const knownNumbers = new Set<string>();

  return async (items) => {
    // The first delivery of each CallSid in the batch may store the call; later ones are repeats.
    const firsts = new Map<string, number>();
    items.forEach((item, i) => {
      if (item.kind === 'call' && !firsts.has(pgText(item.event.callSid))) firsts.set(pgText(item.event.callSid), i);
    });
    const candidates = [...firsts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => items[i] as CallWrite);
    const begin = beginLockingCallers(candidates.filter((c) => c.event.fromIsE164)
      .map((c) => ({ from: pgText(c.event.from), to: pgText(c.event.to), createdAt: c.event.timestamp.getTime() })));
    const pairs = new Set<string>();
    const columns = callColumns(candidates.map(callRow));
    const outcomes = await inTransaction(pool, async (client) => {
      pairs.clear(); // a rerun after a deadlock starts again
      const result: WriteOutcome[] = new Array<WriteOutcome>(items.length);
      const inserted = await insertCallsMarkingRepeats(client, columns, candidates.length);
      const newCalls: NumberPair[] = [];
      const repeats: ArrayElement[][] = [];
      const quarantined: ArrayElement[][] = [];
      const replayed: number[] = [];
      items.forEach((item, i) => {
        if (item.kind === 'quarantine') {
          quarantined.push(quarantineRow(item));
          result[i] = 'quarantined';
          return;
        }
        const sid = pgText(item.event.callSid);
        if (firsts.get(sid) === i && inserted.has(sid)) {
          newCalls.push({ accountSid: pgText(item.event.accountSid), to: pgText(item.event.to) });
          result[i] = 'accepted';
        } else {
          repeats.push(repeatRow(item));
          result[i] = 'duplicate';
        }
        if (item.quarantineId !== undefined) replayed.push(item.quarantineId);
      });
      if (repeats.length > 0) await client.query({ name: 'cp_insert_repeats', text: INSERT_REPEATS, values: columnArrays(repeats, 6) });
      if (quarantined.length > 0) await client.query({ name: 'cp_insert_quarantine', text: INSERT_QUARANTINE, values: columnArrays(quarantined, 6) });
      if (replayed.length > 0) await client.query({ name: 'cp_mark_replayed', text: MARK_REPLAYED, values: [Date.now(), pgArray(replayed.sort((a, b) => a - b))] });
      await insertNumbers(client, newNumbers(newCalls, knownNumbers, pairs));
      return result;
    }, begin);
    for (const pair of pairs) knownNumbers.add(pair); // only once committed
    return outcomes;
  };
}

/** The (project, number) pair of a stored call. */
export interface NumberPair {
  accountSid: string;
  to: string;
}

/** The (number, project) pairs of new calls not known yet to be in `numbers`, in a fixed order; each is added to `added`. */
export function newNumbers(calls: readonly NumberPair[], known: ReadonlySet<string>, added: Set<string>): Array<[number: string, account: string]> {
  const fresh = new Map<string, [string, string]>();
  for (const call of calls) {
    const pair = `${call.accountSid}\n${call.to}`;
    if (!known.has(pair)) fresh.set(pair, [call.to, call.accountSid]);
  }
  const sorted = [...fresh].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [pair] of sorted) added.add(pair);
  return sorted.map(([, row]) => row);
}

/** Adds (number, project) pairs to `numbers` (those already there are left), in the caller's transaction. */
export async function insertNumbers(client: pg.PoolClient, numbers: ReadonlyArray<readonly [number: string, account: string]>): Promise<void> {
  if (numbers.length === 0) return;
  await client.query({
    name: 'cp_insert_numbers', text: INSERT_NUMBERS, values: [pgArray(numbers.map(([number]) => number)), pgArray(numbers.map(([, account]) => account))],
  });
}
