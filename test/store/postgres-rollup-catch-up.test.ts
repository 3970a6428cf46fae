/**
 * PostgreSQL counts calls into the rollups behind the inserts (migration 5): a batch lists its calls in
 * `uncounted_calls` (and the counted calls it made repeated in `uncounted_marks`), and a catch-up, one
 * instance at a time, counts them. These tests check that figures are exact at every moment (before the
 * catch-up, after it, while another instance holds the catch-up), that two instances counting at once
 * count nothing twice, and that the stored rows, read with plain SQL, hold the hand-worked values and
 * histogram text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { callWrite } from '../helpers/call-writes.js';
import { postgresBackend, postgresClient, type TestDatabase } from '../helpers/test-databases.js';

const MARCH = { level: 'month', start: Date.UTC(2024, 2, 1) } as const;
const MARCH_1 = { level: 'day', start: Date.UTC(2024, 2, 1) } as const;

function fields(sid: string, at: string, mos: string, to = '+15550000001', from = '+14155550100'): Record<string, string> {
  return { CallSid: sid, AccountSid: 'AC1', From: from, To: to, Timestamp: at, CallStatus: 'completed', CallDuration: '30', AudioInMos: mos };
}

/** The store with its catch-up run only when asked (countRollups), before purges and on close. */
function open(db: TestDatabase): Promise<PostgresStore> {
  return openPostgresStore(db.database, { rollupCatchUpDelayMs: null });
}

async function withDatabase(work: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await postgresBackend.fresh();
  try {
    await work(db);
  } finally {
    await db.drop();
  }
}

/** What is listed as uncounted, read with plain SQL. */
async function listed(db: TestDatabase): Promise<{ calls: number; marks: number }> {
  return { calls: await db.count('uncounted_calls'), marks: await db.count('uncounted_marks') };
}

/** The stored '*' month row of March 2024, read with plain SQL. */
async function storedMonth(db: TestDatabase) {
  const rows = await db.scan(`SELECT calls, repeated, mos_count, mos_sum, mos_hist, duration_hist FROM rollups
    WHERE level = 'month' AND dim = '*' AND bucket = ?`, MARCH.start);
  return rows[0];
}

/** A plain scan of March 2024's calls. */
async function scanMonth(db: TestDatabase) {
  const rows = await db.scan<{ calls: number; repeated: number; mos_count: number }>(`SELECT COUNT(*)::int AS calls,
      COUNT(*) FILTER (WHERE repeated)::int AS repeated, COUNT(mos)::int AS mos_count FROM calls WHERE created_at >= ? AND created_at < ?`,
  MARCH.start, Date.UTC(2024, 3, 1));
  return rows[0]!;
}

async function monthStats(store: PostgresStore) {
  const stats = await store.readRollups([MARCH], ['*']);
  return { calls: stats.calls, repeated: stats.repeated, mosCount: stats.mosCount, mosSum: stats.mosSum, mos: [...stats.mosHistogram] };
}

describe('PostgreSQL rollups counted behind the inserts', { skip: postgresBackend.skip }, () => {
  it('are exact right after a write and after the catch-up; the stored row holds the encoded histograms', async () => {
    await withDatabase(async (db) => {
      const store = await open(db);
      try {
        // 4.40 is 440 hundredths, "c8" in base 36; 3.10 is 310, "8m"; the gap from 310 to 440 is 130, "3m".
        await store.writeBatch([callWrite(fields('CA-1', '2024-03-01T00:00:00Z', '4.40'))]);
        assert.deepEqual(await listed(db), { calls: 1, marks: 0 });
        assert.equal(await storedMonth(db), undefined, 'nothing counted yet');
        assert.deepEqual(await monthStats(store), { calls: 1, repeated: 0, mosCount: 1, mosSum: 4_400_000, mos: [[440, 1]] });

        assert.equal(await store.countRollups(), 1);
        assert.deepEqual(await listed(db), { calls: 0, marks: 0 });
        assert.deepEqual(await storedMonth(db), { calls: 1, repeated: 0, mos_count: 1, mos_sum: 4_400_000, mos_hist: 'c8:1,', duration_hist: 'u:1,' });
        assert.deepEqual(await monthStats(store), { calls: 1, repeated: 0, mosCount: 1, mosSum: 4_400_000, mos: [[440, 1]] });

        // Another number, same caller: not a repeat. Counted, then merged into the stored text.
        await store.writeBatch([callWrite(fields('CA-2', '2024-03-02T00:00:00Z', '3.10', '+15550000002'))]);
        assert.deepEqual(await monthStats(store), { calls: 2, repeated: 0, mosCount: 2, mosSum: 7_500_000, mos: [[310, 1], [440, 1]] });
        const byNumber = await store.readRollupGroups([MARCH], 'a:AC1|n:', 'base');
        assert.deepEqual([...byNumber].map(([number, s]) => [number, s.calls]).sort(), [['+15550000001', 1], ['+15550000002', 1]]);
        const series = await store.readRollupSeries('day', Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 3), ['*']);
        assert.deepEqual([...series].map(([bucket, s]) => [new Date(bucket).toISOString(), s.calls]).sort(), [
          ['2024-03-01T00:00:00.000Z', 1], ['2024-03-02T00:00:00.000Z', 1],
        ]);
        assert.equal(await store.countRollups(), 1);
        assert.deepEqual(await storedMonth(db), { calls: 2, repeated: 0, mos_count: 2, mos_sum: 7_500_000, mos_hist: '8m:1,3m:1,', duration_hist: 'u:2,' });
        assert.deepEqual(await monthStats(store), { calls: 2, repeated: 0, mosCount: 2, mosSum: 7_500_000, mos: [[310, 1], [440, 1]] });
      } finally {
        await store.close();
      }
    });
  });

  it('a counted call made repeated later is listed as a mark, and counted once', async () => {
    await withDatabase(async (db) => {
      const store = await open(db);
      try {
        await store.writeBatch([callWrite(fields('CA-1', '2024-03-01T00:00:00Z', '4.40'))]);
        await store.countRollups();
        // CA-2, ten hours later from the same caller to the same number, makes the counted CA-1 a repeated call.
        await store.writeBatch([callWrite(fields('CA-2', '2024-03-01T10:00:00Z', '3.10'))]);
        assert.deepEqual(await listed(db), { calls: 1, marks: 1 });
        assert.equal((await storedMonth(db))!.repeated, 0);
        assert.deepEqual((await monthStats(store)).repeated, 1);
        assert.equal((await store.readRollupGroups([MARCH_1], 'c:', 'split')).get('US')!.repeated, 1);
        assert.equal(await store.countRollups(), 2, 'one call and one mark');
        assert.deepEqual(await listed(db), { calls: 0, marks: 0 });
        assert.equal((await storedMonth(db))!.repeated, 1);
        assert.deepEqual(await scanMonth(db), { calls: 2, repeated: 1, mos_count: 2 });
        assert.equal((await monthStats(store)).repeated, 1);

        // CA-4 makes CA-3 a repeated call while CA-3 is still uncounted: its flag says so, its mark adds nothing more.
        await store.writeBatch([callWrite(fields('CA-3', '2024-03-05T00:00:00Z', '', '+15550000001', '+14155550199'))]);
        await store.writeBatch([callWrite(fields('CA-4', '2024-03-05T01:00:00Z', '', '+15550000001', '+14155550199'))]);
        assert.deepEqual(await listed(db), { calls: 2, marks: 1 });
        assert.equal((await monthStats(store)).repeated, 2);
        await store.countRollups();
        assert.deepEqual(await listed(db), { calls: 0, marks: 0 });
        assert.equal((await storedMonth(db))!.repeated, 2);
        assert.deepEqual(await scanMonth(db), { calls: 4, repeated: 2, mos_count: 2 });
      } finally {
        await store.close();
      }
    });
  });

  it('skips while another instance holds the catch-up; reads stay exact; closing counts what is left', async () => {
    await withDatabase(async (db) => {
      const schema = new URL(db.database).searchParams.get('schema')!;
      const holder = postgresClient(schema);
      await holder.connect();
      const store = await open(db);
      try {
        await holder.query(`SELECT pg_advisory_lock(${0x63_70_6a}, hashtext(current_schema() || '/job/rollup-catch-up'))`);
        await store.writeBatch([callWrite(fields('CA-1', '2024-03-01T00:00:00Z', '4.40'))]);
        assert.equal(await store.countRollups(), null, 'another instance is counting');
        assert.deepEqual(await listed(db), { calls: 1, marks: 0 });
        assert.equal((await monthStats(store)).calls, 1);
        await holder.query(`SELECT pg_advisory_unlock(${0x63_70_6a}, hashtext(current_schema() || '/job/rollup-catch-up'))`);
      } finally {
        await store.close();
        await holder.end();
      }
      assert.deepEqual(await listed(db), { calls: 0, marks: 0 });
      assert.deepEqual(await storedMonth(db), { calls: 1, repeated: 0, mos_count: 1, mos_sum: 4_400_000, mos_hist: 'c8:1,', duration_hist: 'u:1,' });
    });
  });

  it('two instances writing and counting at once count every call and mark exactly once', async () => {
    await withDatabase(async (db) => {
      const stores = [await open(db), await open(db)];
      try {
        // 40 callers, 5 calls each two hours apart (4 repeated each), written in batches spread over both instances.
        const writes = Array.from({ length: 200 }, (_, i) => {
          const caller = i % 40;
          const n = Math.floor(i / 40);
          const at = new Date(Date.UTC(2024, 2, 1 + (caller % 20), 2 * n, caller)).toISOString();
          return fields(`CA-${i}`, at, (3 + (i % 150) / 100).toFixed(2), `+1555000${String(caller % 7).padStart(4, '0')}`, `+1415555${String(caller).padStart(4, '0')}`);
        });
        const writer = async (k: number) => {
          for (let b = k; b < 40; b += 2) {
            await stores[k]!.writeBatch(writes.slice(b * 5, b * 5 + 5).map((f) => callWrite(f)));
            await stores[1 - k]!.countRollups();
          }
        };
        const counter = async (store: PostgresStore) => {
          for (let i = 0; i < 20; i++) await store.countRollups();
        };
        await Promise.all([writer(0), writer(1), counter(stores[0]!), counter(stores[1]!)]);
        for (const store of stores) await store.countRollups();
        assert.deepEqual(await listed(db), { calls: 0, marks: 0 });
        const scan = await scanMonth(db);
        assert.deepEqual(scan, { calls: 200, repeated: 160, mos_count: 200 });
        const stored = await storedMonth(db);
        assert.deepEqual([stored!.calls, stored!.repeated, stored!.mos_count], [200, 160, 200]);
        const mosSum = writes.reduce((sum, f) => sum + Math.round(Number(f.AudioInMos) * 1_000_000), 0);
        assert.equal(stored!.mos_sum, mosSum);
        for (const store of stores) {
          const stats = await monthStats(store);
          assert.deepEqual([stats.calls, stats.repeated, stats.mosSum], [200, 160, mosSum]);
          assert.equal(stats.mos.reduce((n, [, c]) => n + c, 0), 200);
        }
      } finally {
        for (const store of stores) await store.close();
      }
    });
  });
});

