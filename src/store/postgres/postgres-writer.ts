/**
 * @module
 * The PostgreSQL write path: one transaction per batch, committed before any item is answered. Calls
 * are inserted with `ON CONFLICT (call_sid) DO NOTHING RETURNING call_sid`: the unique constraint decides,
 * across every instance, which delivery stores a call, and only the rows actually inserted are counted in
 * the rollups (same transaction). A repeat is logged in `deliveries` with its fields; quarantine entries
 * are kept; repeat callers are marked (postgres-repeat-callers.ts). Callers' locks, calls and rollup rows
 * are taken in a fixed order so concurrent batches cannot deadlock (a deadlock or serialization failure
 * would rerun the whole transaction anyway).
 */
import type pg from 'pg';
import { callerCountry } from '../../domain/phone-number.js';
import { rollupDeltas, type RollupCall } from '../../metrics/rollups.js';
import type { CallWrite, QuarantineWrite, WriteItem, WriteOutcome } from '../call-store.js';
import { inTransaction } from './postgres-connection.js';
import { lockCallers, markRepeatCallers } from './postgres-repeat-callers.js';
import { applyRollupDeltas } from './postgres-rollups.js';
import { pgText } from './postgres-text.js';

export const INSERT_CALLS = `INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at,
    timestamp_text, status, duration_seconds, mos, source, received_at, method, content_type, raw, from_country)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::bigint[],
    $8::text[], $9::text[], $10::bigint[], $11::float8[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::text[])
  ON CONFLICT (call_sid) DO NOTHING
  RETURNING call_sid`;

export const INSERT_REPEATS = `INSERT INTO deliveries (call_sid, received_at, source, method, content_type, raw)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`;

const INSERT_QUARANTINE = `INSERT INTO quarantine (received_at, method, content_type, url, problems, raw)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`;

const MARK_REPLAYED = 'UPDATE quarantine SET replayed_at = $1 WHERE id = ANY($2::bigint[])';

const INSERT_NUMBERS = `INSERT INTO numbers (number, account_sid)
  SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`;

/** Columns as parallel arrays, for one `unnest` insert. */
export function columns(rows: readonly unknown[][], width: number): unknown[][] {
  const result: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((value, i) => result[i]!.push(value));
  return result;
}

function callRow(item: CallWrite): unknown[] {
  const { event, delivery } = item;
  return [
    pgText(event.callSid), pgText(event.accountSid), pgText(event.from), pgText(event.to), event.fromIsE164, event.toIsE164,
    event.timestamp.getTime(), pgText(event.timestampText), event.status, event.durationSeconds, event.mos, item.source,
    delivery.receivedAt.getTime(), pgText(delivery.method), delivery.contentType === null ? null : pgText(delivery.contentType),
    JSON.stringify(item.raw), callerCountry(event.from),
  ];
}

function repeatRow(item: CallWrite): unknown[] {
  const { delivery } = item;
  return [
    pgText(item.event.callSid), delivery.receivedAt.getTime(), item.source, pgText(delivery.method),
    delivery.contentType === null ? null : pgText(delivery.contentType), JSON.stringify(item.raw),
  ];
}

function quarantineRow(item: QuarantineWrite): unknown[] {
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
    const pairs = new Set<string>();
    const outcomes = await inTransaction(pool, async (client) => {
      pairs.clear(); // a rerun after a deadlock starts again
      const result: WriteOutcome[] = new Array<WriteOutcome>(items.length);
      // The first delivery of each CallSid in the batch may store the call; later ones are repeats.
      const firsts = new Map<string, number>();
      items.forEach((item, i) => {
        if (item.kind === 'call' && !firsts.has(pgText(item.event.callSid))) firsts.set(pgText(item.event.callSid), i);
      });
      const candidates = [...firsts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => items[i] as CallWrite);
      await lockCallers(client, candidates.filter((c) => c.event.fromIsE164).map((c) => [pgText(c.event.from), pgText(c.event.to)] as const));
      const inserted = new Set<string>();
      if (candidates.length > 0) {
        const { rows } = await client.query<{ call_sid: string }>({ name: 'cp_insert_calls', text: INSERT_CALLS, values: columns(candidates.map(callRow), 17) });
        for (const row of rows) inserted.add(row.call_sid);
      }
      const { repeatedNew, newlyRepeated } = await markRepeatCallers(client, candidates.filter((c) => inserted.has(pgText(c.event.callSid))).map((c) => ({
        callSid: pgText(c.event.callSid), from: pgText(c.event.from), to: pgText(c.event.to), fromIsE164: c.event.fromIsE164, createdAt: c.event.timestamp.getTime(),
      })));
      const newCalls: RollupCall[] = [];
      const repeats: unknown[][] = [];
      const quarantined: unknown[][] = [];
      const replayed: number[] = [];
      items.forEach((item, i) => {
        if (item.kind === 'quarantine') {
          quarantined.push(quarantineRow(item));
          result[i] = 'quarantined';
          return;
        }
        const sid = pgText(item.event.callSid);
        if (firsts.get(sid) === i && inserted.has(sid)) {
          const { event } = item;
          newCalls.push({
            createdAt: event.timestamp.getTime(), accountSid: pgText(event.accountSid), to: pgText(event.to), status: event.status,
            durationSeconds: event.durationSeconds, mos: event.mos, fromCountry: callerCountry(event.from), repeated: repeatedNew.has(sid),
          });
          result[i] = 'accepted';
        } else {
          repeats.push(repeatRow(item));
          result[i] = 'duplicate';
        }
        if (item.quarantineId !== undefined) replayed.push(item.quarantineId);
      });
      if (repeats.length > 0) await client.query({ name: 'cp_insert_repeats', text: INSERT_REPEATS, values: columns(repeats, 6) });
      if (quarantined.length > 0) await client.query({ name: 'cp_insert_quarantine', text: INSERT_QUARANTINE, values: columns(quarantined, 6) });
      if (replayed.length > 0) await client.query({ name: 'cp_mark_replayed', text: MARK_REPLAYED, values: [Date.now(), replayed.sort((a, b) => a - b)] });
      await applyRollupDeltas(client, rollupDeltas(newCalls, newlyRepeated));
      await insertNumbers(client, newCalls, knownNumbers, pairs);
      return result;
    });
    for (const pair of pairs) knownNumbers.add(pair); // only once committed
    return outcomes;
  };
}

/** Adds the (number, project) pairs of new calls not known yet to `numbers`, in a fixed order. */
export async function insertNumbers(client: pg.PoolClient, calls: readonly RollupCall[], known: ReadonlySet<string>, added: Set<string>): Promise<void> {
  const fresh = new Map<string, [string, string]>();
  for (const call of calls) {
    const pair = `${call.accountSid}\n${call.to}`;
    if (!known.has(pair)) fresh.set(pair, [call.to, call.accountSid]);
  }
  if (fresh.size === 0) return;
  const sorted = [...fresh].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await client.query({ name: 'cp_insert_numbers', text: INSERT_NUMBERS, values: columns(sorted.map(([, row]) => row), 2) });
  for (const [pair] of sorted) added.add(pair);
}
