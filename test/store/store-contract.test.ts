/**
 * The store contract: the same tests against every store (SQLite always; PostgreSQL when
 * TEST_DATABASE_URL is set, each test on its own fresh schema). Expected values are worked out by hand
 * in the test or read back with plain SQL through the database's own driver, never from the store itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStorageUnavailable } from '../../src/domain/errors.js';
import type { CallStatus } from '../../src/domain/call-event.js';
import type { RollupUnit } from '../../src/metrics/range-cover.js';
import type { RollupStats } from '../../src/metrics/rollups.js';
import type { CallStore, CallWrite, CopyTransaction } from '../../src/store/call-store.js';
import { copyStore } from '../../src/store/copy-store.js';
import { createStore } from '../../src/store/index.js';
import { call, callWrite, quarantineWrite } from '../helpers/call-writes.js';
import { BACKENDS, sqliteBackend, type TestDatabase } from '../helpers/test-databases.js';

/** Opens a store on a fresh database, runs `work`, closes and drops it. */
async function withStore(fresh: () => Promise<TestDatabase>, work: (store: CallStore, db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await fresh();
  const store = await createStore(db.database);
  try {
    await work(store, db);
  } finally {
    await store.close();
    await db.drop();
  }
}

/** A dataset with repeats (their own fields), quarantine (one entry replayed), several months and projects. */
async function writeDataset(store: CallStore): Promise<{ calls: CallWrite[]; repeats: number }> {
  const calls: CallWrite[] = [];
  for (let i = 0; i < 60; i++) {
    const status = ['completed', 'completed', 'failed', 'busy', 'no-answer', 'canceled'][i % 6]!;
    calls.push(call(`CA-copy-${String(i).padStart(3, '0')}`, new Date(Date.UTC(2024, 0, 28) + i * 11 * 3600_000).toISOString(), status,
      status === 'completed' ? String(i * 7) : status === 'failed' ? '0' : '', i % 5 === 0 ? '' : (1 + (i % 16) / 4).toFixed(2), `+1555000000${i % 3}`, `AC${i % 2}`));
  }
  for (let i = 0; i < calls.length; i += 13) await store.writeBatch(calls.slice(i, i + 13));
  const resent = calls.filter((_, i) => i % 7 === 0).map((c) => callWrite({ ...(c.raw as Record<string, string>), Resent: 'yes' }, { source: 'api' }));
  await store.writeBatch(resent);
  await store.writeBatch([quarantineWrite({ CallSid: 'CA-q1' }), quarantineWrite({ CallSid: 'CA-q2', Note: 'x' }, 'https://cp.example.com/b')]);
  const [first] = await store.listQuarantine({ includeReplayed: false, limit: 1 });
  await store.writeBatch([{ ...call('CA-q1', '2024-02-10T10:00:00Z', 'completed', '30', '4.00'), quarantineId: first!.id }]);
  return { calls, repeats: resent.length };
}

/** Everything a database holds, read with plain SQL, in an order that does not depend on storage order. */
async function contents(db: TestDatabase) {
  const calls = await db.scan<Record<string, unknown>>(`SELECT call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at,
    timestamp_text, status, duration_seconds, mos, source, received_at, method, content_type, raw, from_country, repeated FROM calls ORDER BY call_sid`);
  for (const row of calls) for (const flag of ['from_e164', 'to_e164', 'repeated']) row[flag] = Boolean(row[flag]);
  return {
    calls,
    deliveries: await db.scan('SELECT call_sid, received_at, source, method, content_type, raw FROM deliveries ORDER BY call_sid, received_at, raw'),
    quarantine: await db.scan('SELECT received_at, method, content_type, url, problems, raw, replayed_at FROM quarantine ORDER BY id'),
    numbers: await db.scan('SELECT number, account_sid FROM numbers ORDER BY number, account_sid'),
  };
}

/** Stats written out by hand. */
function stats(calls: number, statuses: Partial<Record<CallStatus, number>>, mos: number[], durations: number[], repeated = 0): RollupStats {
  const histogram = (values: number[]) => {
    const map = new Map<number, number>();
    for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
    return map;
  };
  return {
    calls,
    statuses: { completed: 0, failed: 0, busy: 0, 'no-answer': 0, canceled: 0, ...statuses },
    mosCount: mos.length,
    mosSum: mos.reduce((a, b) => a + Math.round(b * 1_000_000), 0),
    mosHistogram: histogram(mos.map((m) => Math.round(m * 100))),
    durationHistogram: histogram(durations),
    repeated,
  };
}

/**
 * Stats (or a map of them) with every histogram as a plain map: stores may return another form of
 * histogram (metrics/histogram.ts), and the counts are what is compared.
 */
function plain<T>(value: T): T {
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [key, plain(item)])) as T;
  const stats = value as RollupStats;
  return { ...stats, mosHistogram: new Map(stats.mosHistogram), durationHistogram: new Map(stats.durationHistogram) } as T;
}

const Q = (start: number): RollupUnit => ({ level: 'quarter', start });
const D = (start: number): RollupUnit => ({ level: 'day', start });
const M = (start: number): RollupUnit => ({ level: 'month', start });

for (const backend of BACKENDS) {
  describe(`store contract: ${backend.name}`, { skip: backend.skip }, () => {
    const fresh = () => backend.fresh();

    it('opens with its schema applied and healthy; a second open applies nothing', async () => {
      await withStore(fresh, async (store, db) => {
        // Both stores count rollups behind the inserts: SQLite since migration 4, PostgreSQL since migration 5.
        const migrations = ['1 calls, deliveries and quarantine', '2 rollups', '3 alert states and notifications',
          ...(backend.name === 'sqlite' ? ['4 rollups counted behind the inserts, with an hour level']
            : ['4 MOS sums in millionths, an hour level', '5 rollups counted behind the inserts, histograms as text'])];
        assert.equal(store.schema.version, migrations.length);
        assert.deepEqual(store.schema.applied, migrations);
        assert.deepEqual(await store.health(), { writable: true, migrationsApplied: true });
        assert.deepEqual(await db.scan('SELECT version FROM schema_migrations ORDER BY version'), migrations.map((_, i) => ({ version: i + 1 })));
        const again = await createStore(db.database);
        try {
          assert.deepEqual(again.schema, { version: migrations.length, applied: [] });
        } finally {
          await again.close();
        }
      });
    });

    it('answers each item in order: accepted, a repeat in the same batch and in a later one, quarantined', async () => {
      await withStore(fresh, async (store, db) => {
        const a = call('CA-a', '2024-03-10T06:50:00Z', 'completed', '120', '4.40');
        const b = call('CA-b', '2024-03-10T07:10:00Z', 'failed', '0', '');
        const aAgain = callWrite({ ...(a.raw as Record<string, string>), CallDuration: '121', Note: 'resent' });
        const outcomes = await store.writeBatch([a, b, aAgain, quarantineWrite({ CallSid: 'CA-bad' })]);
        assert.deepEqual(outcomes, ['accepted', 'accepted', 'duplicate', 'quarantined']);
        const later = await store.writeBatch([call('CA-b', '2024-03-10T07:10:00Z', 'completed', '3', ''), call('CA-c', '2024-03-10T08:00:00Z', 'busy', '', '')]);
        assert.deepEqual(later, ['duplicate', 'accepted']);

        assert.deepEqual((await db.scan<{ call_sid: string }>('SELECT call_sid FROM calls ORDER BY call_sid')).map((r) => r.call_sid), ['CA-a', 'CA-b', 'CA-c']);
        // The stored call is the first delivery; each repeat is logged with its own fields.
        const stored = await db.scan<{ duration_seconds: number; status: string }>('SELECT duration_seconds, status FROM calls WHERE call_sid = ?', 'CA-a');
        assert.deepEqual(stored, [{ duration_seconds: 120, status: 'completed' }]);
        const repeats = await db.scan<{ call_sid: string; raw: string }>('SELECT call_sid, raw FROM deliveries ORDER BY id');
        assert.deepEqual(repeats.map((r) => r.call_sid), ['CA-a', 'CA-b']);
        assert.deepEqual(JSON.parse(repeats[0]!.raw), { ...(a.raw as Record<string, string>), CallDuration: '121', Note: 'resent' });
        assert.equal(await db.count('quarantine'), 1);
      });
    });

    it('reads a call back with every field; an unknown CallSid is null', async () => {
      await withStore(fresh, async (store) => {
        const fields = { CallSid: 'CA-read', AccountSid: 'AC9', From: 'anonymous', To: '+15557650002', Timestamp: 'Thu, 04 Apr 2024 18:32:15 +0000', CallStatus: 'completed', CallDuration: '42', AudioInMos: '4.213', Extra: 'kept' };
        const receivedAt = new Date(Date.UTC(2024, 3, 4, 18, 33, 0, 123));
        await store.writeBatch([callWrite(fields, { receivedAt, source: 'import' })]);
        assert.deepEqual(await store.getCall('CA-read'), {
          callSid: 'CA-read', accountSid: 'AC9', from: 'anonymous', to: '+15557650002', fromIsE164: false, toIsE164: true,
          timestamp: new Date(Date.UTC(2024, 3, 4, 18, 32, 15)), timestampText: 'Thu, 04 Apr 2024 18:32:15 +0000', status: 'completed',
          durationSeconds: 42, mos: 4.213, source: 'import', receivedAt, raw: fields, fromCountry: null, repeated: false,
        });
        assert.equal(await store.getCall('CA-none'), null);
      });
    });

    it('lists every delivery of a call: the accepted one first, then each repeat in arrival order', async () => {
      await withStore(fresh, async (store) => {
        const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));
        const fields = { CallSid: 'CA-d', AccountSid: 'AC1', From: '+15550000009', To: '+15550000001', Timestamp: '2024-01-01T00:00:00Z', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' };
        await store.writeBatch([callWrite(fields, { receivedAt: at(1) })]);
        await store.writeBatch([callWrite(fields, { receivedAt: at(5), source: 'api' })]);
        await store.writeBatch([callWrite(fields, { receivedAt: at(9), source: 'import' })]);
        assert.deepEqual(await store.listDeliveries('CA-d'), [
          { callSid: 'CA-d', receivedAt: at(1), outcome: 'accepted', source: 'webhook' },
          { callSid: 'CA-d', receivedAt: at(5), outcome: 'duplicate', source: 'api' },
          { callSid: 'CA-d', receivedAt: at(9), outcome: 'duplicate', source: 'import' },
        ]);
        assert.deepEqual(await store.listDeliveries('CA-none'), []);
      });
    });

    it('pages through calls newest first (ties in arrival order, latest first) with filters', async () => {
      await withStore(fresh, async (store) => {
        const sent: Array<{ sid: string; at: number; status: string; mos: number | null; duration: number | null; to: string }> = [];
        const statuses = ['completed', 'failed', 'busy', 'no-answer', 'canceled'];
        for (let i = 0; i < 23; i++) {
          const status = statuses[i % 5]!;
          const entry = {
            sid: `CA-l${String(i).padStart(2, '0')}`, at: Date.UTC(2024, 4, 1, 8) + Math.floor(i / 3) * 60_000, status,
            mos: i % 4 === 0 ? null : 2.5 + (i % 10) / 5, duration: status === 'completed' ? i * 4 : null, to: i % 2 === 0 ? '+1555000010' : '+1555000020',
          };
          sent.push(entry);
          await store.writeBatch([call(entry.sid, new Date(entry.at).toISOString(), status, entry.duration === null ? '' : String(entry.duration), entry.mos === null ? '' : entry.mos.toFixed(2), entry.to)]);
        }
        const newestFirst = (rows: typeof sent) => [...rows].sort((a, b) => b.at - a.at || b.sid.localeCompare(a.sid)).map((r) => r.sid);
        const base = { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 4, 2), filter: {} };
        const seen: string[] = [];
        let after;
        for (let page = 0; page < 10; page++) {
          const result = await store.listCalls({ ...base, limit: 5, after });
          seen.push(...result.calls.map((c) => c.callSid));
          if (result.next === null) break;
          after = result.next;
        }
        assert.deepEqual(seen, newestFirst(sent));
        const only = async (query: Partial<Parameters<CallStore['listCalls']>[0]>) => (await store.listCalls({ ...base, limit: 100, ...query })).calls.map((c) => c.callSid);
        assert.deepEqual(await only({ status: 'failed' }), newestFirst(sent.filter((s) => s.status === 'failed')));
        assert.deepEqual(await only({ mosBelow: 3.6 }), newestFirst(sent.filter((s) => s.mos !== null && s.mos < 3.6)));
        assert.deepEqual(await only({ minDuration: 40, filter: { number: '+1555000010' } }), newestFirst(sent.filter((s) => s.duration !== null && s.duration >= 40 && s.to === '+1555000010')));
        assert.deepEqual(await only({ filter: { account: 'AC-other' } }), []);
        assert.deepEqual(await only({ from: Date.UTC(2024, 4, 1, 8, 2), to: Date.UTC(2024, 4, 1, 8, 4) }), newestFirst(sent.filter((s) => s.at >= Date.UTC(2024, 4, 1, 8, 2) && s.at < Date.UTC(2024, 4, 1, 8, 4))));
      });
    });

    it('keeps rollups per quarter, day and month and per project and number, equal to counts by hand', async () => {
      await withStore(fresh, async (store) => {
        // MOS values exact in binary, so sums in any order are equal. One caller: CA1 is followed by CA3 (same To,
        // another project: a caller's repeat is per number), CA3 by CA4, CA4 by CA5; CA2 and CA5 by nothing.
        await store.writeBatch([
          call('CA1', '2024-01-31T23:50:00Z', 'completed', '30', '4.50'),
          call('CA2', '2024-01-31T23:59:59Z', 'failed', '0', '2.25', '+15550000002'),
          call('CA3', '2024-02-01T00:00:00Z', 'completed', '30', '4.50', '+15550000001', 'AC2'),
        ]);
        await store.writeBatch([
          call('CA4', '2024-02-01T00:14:00Z', 'completed', '7', '', '+15550000001', 'AC2'),
          call('CA5', '2024-02-01T00:15:00Z', 'no-answer', '', '3.75'),
          call('CA1', '2024-01-31T23:50:00Z', 'canceled', '', '1.00'), // a repeat: not counted
        ]);
        const jan31 = Date.UTC(2024, 0, 31);
        const feb1 = Date.UTC(2024, 1, 1);
        const read = async (units: RollupUnit[], dims: string[]) => plain(await store.readRollups(units, dims));
        assert.deepEqual(await read([Q(Date.UTC(2024, 0, 31, 23, 45))], ['*']), stats(2, { completed: 1, failed: 1 }, [4.5, 2.25], [30], 1));
        assert.deepEqual(await read([Q(feb1)], ['*']), stats(2, { completed: 2 }, [4.5], [30, 7], 2));
        assert.deepEqual(await read([Q(feb1 + 15 * 60_000)], ['*']), stats(1, { 'no-answer': 1 }, [3.75], []));
        assert.deepEqual(await read([D(jan31)], ['a:AC1']), stats(2, { completed: 1, failed: 1 }, [4.5, 2.25], [30], 1));
        assert.deepEqual(await read([D(feb1)], ['a:AC2']), stats(2, { completed: 2 }, [4.5], [30, 7], 2));
        assert.deepEqual(await read([M(Date.UTC(2024, 0, 1)), M(feb1)], ['*']), stats(5, { completed: 3, failed: 1, 'no-answer': 1 }, [4.5, 2.25, 4.5, 3.75], [30, 30, 7], 3));
        assert.deepEqual(await read([M(feb1)], ['a:AC1|n:+15550000001', 'a:AC2|n:+15550000001']), stats(3, { completed: 2, 'no-answer': 1 }, [4.5, 3.75], [30, 7], 2));
        // The day and month rows split by status and by caller country ('' for +1555..., which has no region).
        assert.deepEqual(plain((await store.readRollupGroups([D(feb1)], 's:', 'split')).get('completed')), stats(2, { completed: 2 }, [4.5], [30, 7], 2));
        assert.deepEqual(plain(await store.readRollupGroups([M(feb1)], 'a:AC1|c:', 'split')), new Map([['', stats(1, { 'no-answer': 1 }, [3.75], [], 0)]]));
        assert.deepEqual(plain(await store.readRollupGroups([M(Date.UTC(2024, 0, 1)), M(feb1)], 's:', 'split')), new Map([
          ['completed', stats(3, { completed: 3 }, [4.5, 4.5], [30, 30, 7], 3)],
          ['failed', stats(1, { failed: 1 }, [2.25], [], 0)],
          ['no-answer', stats(1, { 'no-answer': 1 }, [3.75], [], 0)],
        ]));
        assert.deepEqual(plain(await store.readRollupGroups([M(feb1)], 'a:AC2|n:', 'base')), new Map([['+15550000001', stats(2, { completed: 2 }, [4.5], [30, 7], 2)]]));
        assert.deepEqual(plain(await store.readRollupGroups([D(jan31), M(feb1)], 'a:AC1|n:', 'base')), new Map([
          ['+15550000001', stats(2, { completed: 1, 'no-answer': 1 }, [4.5, 3.75], [30], 1)], ['+15550000002', stats(1, { failed: 1 }, [2.25], [], 0)],
        ]));
        assert.deepEqual(plain(await store.readRollupGroups([M(feb1)], 'a:AC2|c:', 'split')), new Map([['', stats(2, { completed: 2 }, [4.5], [30, 7], 2)]]));
        // A level's buckets over a range, per bucket start, summed over the dimensions given.
        assert.deepEqual(plain(await store.readRollupSeries('quarter', Date.UTC(2024, 0, 31, 23), feb1 + 30 * 60_000, ['*'])), new Map([
          [Date.UTC(2024, 0, 31, 23, 45), stats(2, { completed: 1, failed: 1 }, [4.5, 2.25], [30], 1)],
          [feb1, stats(2, { completed: 2 }, [4.5], [30, 7], 2)],
          [feb1 + 15 * 60_000, stats(1, { 'no-answer': 1 }, [3.75], [], 0)],
        ]));
        assert.deepEqual(plain(await store.readRollupSeries('day', jan31, feb1 + 86_400_000, ['a:AC1|n:+15550000001', 'a:AC2|n:+15550000001'])), new Map([
          [jan31, stats(1, { completed: 1 }, [4.5], [30], 1)],
          [feb1, stats(3, { completed: 2, 'no-answer': 1 }, [4.5, 3.75], [30, 7], 2)],
        ]));
        assert.deepEqual(plain(await store.readRollupSeries('day', feb1, feb1, ['*'])), new Map());
        assert.deepEqual(await read([M(Date.UTC(2024, 0, 1))], ['a:AC1|n:+15550000002']), stats(1, { failed: 1 }, [2.25], []));
        assert.deepEqual(await read([M(Date.UTC(2023, 0, 1))], ['*']), stats(0, {}, [], []));
        assert.deepEqual(await read([], ['*']), stats(0, {}, [], []));
      });
    });

    it('scans the calls of a range and filter into the same stats, counted by hand', async () => {
      await withStore(fresh, async (store) => {
        await store.writeBatch([
          call('CA1', '2024-05-01T10:00:00Z', 'completed', '61', '4.25'),
          call('CA2', '2024-05-01T10:05:00Z', 'busy', '', '', '+15550000002'),
          call('CA3', '2024-05-01T10:09:59.999Z', 'completed', '5', '3.50', '+15550000001', 'AC2'),
          call('CA4', '2024-05-01T10:10:00Z', 'completed', '9', '4.00'),
        ]);
        const from = Date.UTC(2024, 4, 1, 10);
        const to = Date.UTC(2024, 4, 1, 10, 10);
        // One caller: CA1 is followed by CA3 and CA3 by CA4 (same To); CA2 and CA4 by nothing.
        assert.deepEqual(await store.scanCalls(from, to, {}), stats(3, { completed: 2, busy: 1 }, [4.25, 3.5], [61, 5], 2));
        assert.deepEqual(await store.scanCalls(from, to, { number: '+15550000001' }), stats(2, { completed: 2 }, [4.25, 3.5], [61, 5], 2));
        assert.deepEqual(await store.scanCalls(from, to, { account: 'AC2' }), stats(1, { completed: 1 }, [3.5], [5], 1));
        assert.deepEqual(await store.scanCalls(from, to, { number: '+15550000002', account: 'AC1' }), stats(1, { busy: 1 }, [], [], 0));
        assert.deepEqual(await store.scanCallGroups(from, to, { account: 'AC1' }, 'status'), new Map([
          ['completed', stats(1, { completed: 1 }, [4.25], [61], 1)], ['busy', stats(1, { busy: 1 }, [], [], 0)],
        ]));
        assert.deepEqual(await store.scanCallGroups(from, to, {}, 'number'), new Map([
          ['+15550000001', stats(2, { completed: 2 }, [4.25, 3.5], [61, 5], 2)], ['+15550000002', stats(1, { busy: 1 }, [], [], 0)],
        ]));
        assert.deepEqual(await store.scanCallGroups(from, to, {}, 'country'), new Map([['', stats(3, { completed: 2, busy: 1 }, [4.25, 3.5], [61, 5], 2)]]));
      });
    });

    it('marks repeat callers (same E.164 caller, same number, within 24 h inclusive) whatever the order of arrival', async () => {
      await withStore(fresh, async (store) => {
        const from = (f: string, sid: string, at: string, to = '+15550000001') =>
          callWrite({ CallSid: sid, AccountSid: 'AC1', From: f, To: to, Timestamp: at, CallStatus: 'completed', CallDuration: '5', AudioInMos: '' });
        const writes = [
          from('+14155550100', 'CA-r1', '2024-03-01T00:00:00Z'),
          from('+14155550100', 'CA-r2', '2024-03-01T10:00:00Z'), // 10 h after r1: r1 is repeated
          from('+14155550100', 'CA-r3', '2024-03-02T10:00:00Z'), // exactly 24 h after r2: r2 is repeated
          from('+14155550100', 'CA-r4', '2024-03-03T11:00:00Z'), // 25 h after r3: r3 is not
          from('+14155550100', 'CA-r5', '2024-03-03T11:00:00Z'), // same instant as r4, larger CallSid: r4 is repeated
          from('+14155550100', 'CA-o1', '2024-03-01T05:00:00Z', '+15550000002'), // another number: no repeat
          from('anonymous', 'CA-a1', '2024-03-01T00:01:00Z'), // not E.164: never a repeat caller
          from('anonymous', 'CA-a2', '2024-03-01T00:02:00Z'),
        ];
        for (const write of [...writes].reverse()) assert.deepEqual(await store.writeBatch([write]), ['accepted']);
        const repeated = [];
        for (const write of writes) if ((await store.getCall(write.event.callSid))!.repeated) repeated.push(write.event.callSid);
        assert.deepEqual(repeated, ['CA-r1', 'CA-r2', 'CA-r4']);
        assert.equal((await store.readRollups([M(Date.UTC(2024, 2, 1))], ['*'])).repeated, 3);
        assert.equal((await store.readRollupGroups([D(Date.UTC(2024, 2, 1))], 'c:', 'split')).get('US')!.repeated, 2);
        assert.deepEqual(await store.listRepeatCallers({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1), filter: {}, limit: 10 }), [{
          from: '+14155550100', to: '+15550000001', calls: 5, repeated: 3, firstCall: new Date(Date.UTC(2024, 2, 1)), lastCall: new Date(Date.UTC(2024, 2, 3, 11)),
        }]);
        assert.deepEqual(await store.listRepeatCallers({ from: Date.UTC(2024, 2, 2), to: Date.UTC(2024, 3, 1), filter: { number: '+15550000001' }, limit: 10 }), [{
          from: '+14155550100', to: '+15550000001', calls: 3, repeated: 1, firstCall: new Date(Date.UTC(2024, 2, 2, 10)), lastCall: new Date(Date.UTC(2024, 2, 3, 11)),
        }]);
        const countries = await store.scanCallGroups(Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1), {}, 'country');
        assert.deepEqual([...countries].map(([country, s]) => [country, s.calls, s.repeated]).sort(), [['', 2, 0], ['US', 6, 3]]);
      });
    });

    it('lists the numbers with calls and the projects of a number', async () => {
      await withStore(fresh, async (store) => {
        await store.writeBatch([call('CA1', '2024-05-01T10:00:00Z', 'failed', '0', '', '+15550000002', 'AC2'), call('CA2', '2024-05-01T10:00:00Z', 'failed', '0', '', '+15550000001', 'AC2')]);
        await store.writeBatch([call('CA3', '2024-05-01T10:00:00Z', 'failed', '0', '', '+15550000002', 'AC1'), call('CA4', '2024-05-01T10:00:00Z', 'failed', '0', '', '+15550000002', 'AC1')]);
        assert.deepEqual(await store.listNumbers(), [
          { account: 'AC2', number: '+15550000001' }, { account: 'AC1', number: '+15550000002' }, { account: 'AC2', number: '+15550000002' },
        ]);
        assert.deepEqual(await store.accountsOfNumber('+15550000002'), ['AC1', 'AC2']);
        assert.deepEqual(await store.accountsOfNumber('+19999999999'), []);
      });
    });

    it('keeps quarantined callbacks; a replay stores the call and marks its entry in the same transaction', async () => {
      await withStore(fresh, async (store, db) => {
        const receivedAt = new Date(Date.UTC(2024, 5, 1, 12));
        await store.writeBatch([quarantineWrite({ CallSid: 'CA-q1', CallStatus: 'ringing' }, 'https://x.example/hook?a=1', receivedAt), quarantineWrite({ CallSid: 'CA-q2' })]);
        const entries = await store.listQuarantine({ includeReplayed: false, limit: 10 });
        assert.equal(entries.length, 2);
        assert.deepEqual({ ...entries[0]!, id: 0 }, {
          id: 0, receivedAt, method: 'POST', contentType: 'application/json', url: 'https://x.example/hook?a=1',
          problems: [{ field: 'CallStatus', message: 'is required' }], raw: { CallSid: 'CA-q1', CallStatus: 'ringing' }, replayedAt: null,
        });
        const replay = call('CA-q1', '2024-06-01T11:59:00Z', 'completed', '10', '');
        assert.deepEqual(await store.writeBatch([{ ...replay, quarantineId: entries[0]!.id }]), ['accepted']);
        assert.deepEqual((await store.listQuarantine({ includeReplayed: false, limit: 10 })).map((e) => e.raw.CallSid), ['CA-q2']);
        const all = await store.listQuarantine({ includeReplayed: true, limit: 10 });
        assert.ok(all[0]!.replayedAt instanceof Date);
        assert.equal(await db.count('calls'), 1);
        assert.equal((await store.listQuarantine({ includeReplayed: true, limit: 1 })).length, 1);
      });
    });

    it('stores a callback with a NUL character: its raw fields exactly, the typed field as the store can hold it', async () => {
      await withStore(fresh, async (store) => {
        const fields = { CallSid: 'CA-nul', AccountSid: 'AC1', From: 'sip:a\u0000b@example.com', To: '+15550000001', Timestamp: '2024-05-01T10:00:00Z', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' };
        assert.deepEqual(await store.writeBatch([callWrite(fields)]), ['accepted']);
        const stored = await store.getCall('CA-nul');
        assert.deepEqual(stored!.raw, fields);
        assert.equal(stored!.from, store.capabilities.keepsNulInText ? 'sip:a\u0000b@example.com' : 'sip:a\uFFFDb@example.com');
      });
    });

    it('two stores on one database writing the same CallSids at once store and count each call once', async () => {
      const db = await fresh();
      const [one, two] = [await createStore(db.database), await createStore(db.database)];
      try {
        const calls: CallWrite[] = [];
        for (let i = 0; i < 240; i++) {
          calls.push(call(`CA-x${i}`, new Date(Date.UTC(2024, 6, 1) + i * 97_000).toISOString(), i % 3 === 0 ? 'failed' : 'completed', i % 3 === 0 ? '0' : String(i), i % 4 === 0 ? '' : '4.50', `+1555000000${i % 4}`, `AC${i % 2}`));
        }
        // Each store gets every call, in batches of different sizes and orders, all at once.
        const batches = (list: CallWrite[], size: number) => Array.from({ length: Math.ceil(list.length / size) }, (_, k) => list.slice(k * size, k * size + size));
        const results = await Promise.all([
          ...batches(calls, 17).map((b) => one.writeBatch(b).then((o) => o.map((x, i) => [b[i]!.event.callSid, x] as const))),
          ...batches([...calls].reverse(), 29).map((b) => two.writeBatch(b).then((o) => o.map((x, i) => [b[i]!.event.callSid, x] as const))),
        ]);
        const accepted = new Map<string, number>();
        for (const [sid, outcome] of results.flat()) if (outcome === 'accepted') accepted.set(sid, (accepted.get(sid) ?? 0) + 1);
        assert.equal(accepted.size, 240);
        assert.ok([...accepted.values()].every((n) => n === 1), 'each CallSid accepted exactly once');
        assert.equal(await db.count('calls'), 240);
        assert.equal(await db.count('deliveries'), 240);
        assert.deepEqual(await db.scan('SELECT call_sid FROM calls WHERE repeated = ? ORDER BY call_sid', one.capabilities.keepsNulInText ? 0 : false),
          ['CA-x236', 'CA-x237', 'CA-x238', 'CA-x239'].map((sid) => ({ call_sid: sid })));
        const completed = calls.filter((c) => c.event.status === 'completed');
        // One caller, four numbers, a call every 97 s: every call but the last to each number is followed by a repeat.
        const expected = stats(240, { completed: completed.length, failed: 240 - completed.length }, calls.flatMap((c) => (c.event.mos === null ? [] : [c.event.mos])), completed.map((c) => c.event.durationSeconds!), 236);
        assert.deepEqual(plain(await one.readRollups([M(Date.UTC(2024, 6, 1))], ['*'])), expected);
        assert.deepEqual(plain(await two.readRollups([M(Date.UTC(2024, 6, 1))], ['a:AC0', 'a:AC1'])), expected);
      } finally {
        await one.close();
        await two.close();
        await db.drop();
      }
    });

    it('copy: a SQLite database copied in holds the same records and rollups; copying again stores nothing; and back out', async () => {
      const sourceDb = await sqliteBackend.fresh();
      const targetDb = await fresh();
      const backDb = await sqliteBackend.fresh();
      const [source, target, back] = [await createStore(sourceDb.database), await createStore(targetDb.database), await createStore(backDb.database)];
      try {
        const { calls, repeats } = await writeDataset(source);
        const first = await copyStore(source, target, { batchSize: 7 });
        assert.deepEqual({ ...first, seconds: 0 }, { calls: 61, callsPresent: 0, repeats, quarantine: 2, quarantinePresent: 0, batches: 10, seconds: 0 });
        const again = await copyStore(source, target, { batchSize: 25 });
        assert.deepEqual({ ...again, seconds: 0 }, { calls: 0, callsPresent: 61, repeats: 0, quarantine: 0, quarantinePresent: 2, batches: 4, seconds: 0 });
        const expected = await contents(sourceDb);
        assert.equal(expected.calls.length, 61);
        assert.deepEqual(await contents(targetDb), expected);

        // Rollups in the target: the calls by hand (MOS values exact in binary) and the source's, for every unit.
        const completed = calls.filter((c) => c.event.status === 'completed');
        const all = stats(61, {
          completed: completed.length + 1, failed: calls.filter((c) => c.event.status === 'failed').length, busy: 10, 'no-answer': 10, canceled: 10,
        }, [...calls.flatMap((c) => (c.event.mos === null ? [] : [c.event.mos])), 4], [...completed.map((c) => c.event.durationSeconds!), 30], 2);
        // One caller; its calls to a number are 33 h apart, but CA-q1 (10 Feb 10:00, To ...1) follows CA-copy-028 (9 Feb 20:00) and precedes CA-copy-031 (11 Feb 05:00).
        assert.deepEqual((await targetDb.scan<{ call_sid: string; repeated: unknown }>('SELECT call_sid, repeated FROM calls ORDER BY call_sid')).filter((r) => Boolean(r.repeated)).map((r) => r.call_sid), ['CA-copy-028', 'CA-q1']);
        const months = [M(Date.UTC(2024, 0, 1)), M(Date.UTC(2024, 1, 1)), M(Date.UTC(2024, 2, 1))];
        assert.deepEqual(plain(await target.readRollups(months, ['*'])), all);
        assert.deepEqual(plain(await target.readRollups(months, ['a:AC0', 'a:AC1'])), all);
        for (const unit of [...months, D(Date.UTC(2024, 1, 3)), Q(Date.UTC(2024, 1, 3, 11))]) {
          for (const dims of [['*'], ['a:AC1'], ['a:AC0|n:+15550000002', 'a:AC1|n:+15550000002']]) {
            assert.deepEqual(plain(await target.readRollups([unit], dims)), plain(await source.readRollups([unit], dims)), `${unit.level} ${unit.start} ${dims.join(',')}`);
          }
        }
        assert.deepEqual(await target.listNumbers(), await source.listNumbers());

        // Out again, into a fresh SQLite file: the same records.
        const out = await copyStore(target, back, { batchSize: 1000 });
        assert.equal(out.calls, 61);
        assert.deepEqual(await contents(backDb), expected);
      } finally {
        for (const store of [source, target, back]) await store.close();
        for (const db of [sourceDb, targetDb, backDb]) await db.drop();
      }
    });

    it('copy: batches of many small pages, calls stored out of time order, hold the same marks and rollups as the source', async () => {
      const sourceDb = await sqliteBackend.fresh();
      const targetDb = await fresh();
      const [source, target] = [await createStore(sourceDb.database), await createStore(targetDb.database)];
      try {
        // Three callers to two numbers over four days, stored newest first, in batches of 9: a caller's calls
        // 5 h apart (repeats) land in other pages than the calls that follow them; MOS in quarters (exact sums).
        const writes: CallWrite[] = [];
        for (let i = 0; i < 80; i++) {
          const status = ['completed', 'completed', 'failed', 'busy'][i % 4]!;
          writes.push(callWrite({ CallSid: `CA-page-${String(i).padStart(3, '0')}`, AccountSid: `AC${i % 2}`, From: `+1555999000${i % 3}`,
            To: `+1555000000${i % 2}`, Timestamp: new Date(Date.UTC(2024, 2, 30) + i * 5 * 3_600_000 / 3).toISOString(), CallStatus: status,
            CallDuration: status === 'completed' ? String(i * 3) : '0', AudioInMos: i % 5 === 0 ? '' : (1 + (i % 16) / 4).toFixed(2) }));
        }
        const newestFirst = [...writes].reverse();
        for (let i = 0; i < newestFirst.length; i += 9) await source.writeBatch(newestFirst.slice(i, i + 9));
        const first = await copyStore(source, target, { batchSize: 50, pageSize: 4 });
        assert.deepEqual({ ...first, seconds: 0 }, { calls: 80, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0, batches: 2, seconds: 0 });
        const again = await copyStore(source, target, { batchSize: 1000, pageSize: 7 });
        assert.deepEqual({ ...again, seconds: 0 }, { calls: 0, callsPresent: 80, repeats: 0, quarantine: 0, quarantinePresent: 0, batches: 1, seconds: 0 });
        assert.deepEqual(await contents(targetDb), await contents(sourceDb));
        const marked = await targetDb.scan<{ call_sid: string; repeated: unknown }>('SELECT call_sid, repeated FROM calls ORDER BY call_sid');
        // Each caller calls each number every 10 h (i and i + 6): every call but the last of its (From, To) pair is followed within 24 h.
        assert.equal(marked.filter((r) => Boolean(r.repeated)).length, 80 - 6);
        const units = [M(Date.UTC(2024, 2, 1)), M(Date.UTC(2024, 3, 1)), ...[30, 31].map((d) => D(Date.UTC(2024, 2, d))),
          ...[1, 2, 3, 4].map((d) => D(Date.UTC(2024, 3, d))), Q(Date.UTC(2024, 2, 30, 5)), Q(Date.UTC(2024, 3, 2, 1, 15))];
        for (const unit of units) {
          for (const dims of [['*'], ['a:AC1'], ['a:AC0|n:+15550000000'], ['a:AC1|n:+15550000001']]) {
            assert.deepEqual(plain(await target.readRollups([unit], dims)), plain(await source.readRollups([unit], dims)), `${unit.level} ${unit.start} ${dims.join(',')}`);
          }
          if (unit.level === 'quarter') continue;
          for (const [prefix, family] of [['s:', 'split'], ['c:', 'split'], ['a:AC0|n:', 'base']] as const) {
            assert.deepEqual(plain(await target.readRollupGroups([unit], prefix, family)), plain(await source.readRollupGroups([unit], prefix, family)), `${unit.level} ${unit.start} ${prefix}`);
          }
        }
        assert.deepEqual(await target.listNumbers(), await source.listNumbers());
        if (target.refreshStatistics) {
          // The copy left the planner's statistics of the tables it filled up to date.
          const analyzed = await targetDb.scan<{ relname: string }>(`SELECT relname FROM pg_stat_user_tables
            WHERE schemaname = current_schema() AND last_analyze IS NOT NULL AND relname IN ('calls', 'numbers', 'rollups') ORDER BY relname`);
          assert.deepEqual(analyzed.map((r) => r.relname), ['calls', 'numbers', 'rollups']);
        }
      } finally {
        for (const store of [source, target]) await store.close();
        for (const db of [sourceDb, targetDb]) await db.drop();
      }
    });

    it('copy transaction (where the store has one): nothing of a rolled-back one stays; a committed one is visible only once committed', async () => {
      const sourceDb = await sqliteBackend.fresh();
      const targetDb = await fresh();
      const [source, target] = [await createStore(sourceDb.database), await createStore(targetDb.database)];
      const transactions: CopyTransaction[] = [];
      try {
        if (!target.beginCopy) return; // importCopies alone: one transaction per call, covered above
        const writes = Array.from({ length: 12 }, (_, i) => call(`CA-tx-${i}`, new Date(Date.UTC(2024, 4, 1) + i * 600_000).toISOString(), 'completed', String(10 + i), '4.00'));
        await source.writeBatch(writes);
        const { records } = await source.exportCalls(0, 100);
        const dropped = await target.beginCopy();
        transactions.push(dropped);
        assert.deepEqual(await dropped.add(records.slice(0, 5)), { calls: 5, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0 });
        await dropped.rollback();
        assert.equal(await targetDb.count('calls'), 0);
        assert.equal(await targetDb.count('rollups'), 0);

        const kept = await target.beginCopy();
        transactions.push(kept);
        await kept.add(records.slice(0, 5));
        await kept.add(records.slice(3));
        assert.equal(await targetDb.count('calls'), 0); // not committed yet
        await kept.commit();
        assert.equal(await targetDb.count('calls'), 12);
        const all = stats(12, { completed: 12 }, writes.map(() => 4), writes.map((_, i) => 10 + i), 11);
        assert.deepEqual(plain(await target.readRollups([D(Date.UTC(2024, 4, 1))], ['*'])), all);
        assert.deepEqual(plain(await target.readRollups([M(Date.UTC(2024, 4, 1))], ['a:AC1'])), all);
      } finally {
        for (const transaction of transactions) await transaction.rollback(); // nothing once finished
        for (const store of [source, target]) await store.close();
        for (const db of [sourceDb, targetDb]) await db.drop();
      }
    });

    it('copy transaction (where the store has one): a callback of the same caller arriving meanwhile waits for it, and marks its call', async () => {
      const sourceDb = await sqliteBackend.fresh();
      const targetDb = await fresh();
      const [source, target, live] = [await createStore(sourceDb.database), await createStore(targetDb.database), await createStore(targetDb.database)];
      let copying: CopyTransaction | undefined;
      try {
        if (!target.beginCopy) return;
        await source.writeBatch([call('CA-hist-1', '2024-06-01T10:00:00Z', 'completed', '30', '4.00')]);
        const { records } = await source.exportCalls(0, 10);
        copying = await target.beginCopy();
        await copying.add(records);
        // The same caller calls the same number 2 h later, through another instance, before the copy commits.
        let answered = false;
        const writing = live.writeBatch([call('CA-live-1', '2024-06-01T12:00:00Z', 'completed', '20', '4.00')]).then((outcomes) => {
          answered = true;
          return outcomes;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(answered, false, 'the callback waits for the copy of its caller\'s days');
        await copying.commit();
        assert.deepEqual(await writing, ['accepted']);
        assert.deepEqual(await targetDb.scan('SELECT call_sid FROM calls WHERE repeated = ? ORDER BY call_sid', target.capabilities.keepsNulInText ? 1 : true), [{ call_sid: 'CA-hist-1' }]);
        const day = await target.readRollups([D(Date.UTC(2024, 5, 1))], ['*']);
        assert.deepEqual([day.calls, day.repeated], [2, 1]);
      } finally {
        await copying?.rollback(); // after a failed assertion: the store cannot close with its transaction open
        for (const store of [source, target, live]) await store.close();
        for (const db of [sourceDb, targetDb]) await db.drop();
      }
    });

    it("uses a write item's caller country when it carries one, else works it out from From", async () => {
      await withStore(fresh, async (store, db) => {
        const fields = { AccountSid: 'AC1', From: '+14155550100', To: '+15550000001', CallStatus: 'completed', CallDuration: '10', AudioInMos: '' };
        const carried = callWrite({ ...fields, CallSid: 'CA-fc-1', Timestamp: '2024-05-01T10:00:00Z' });
        const worked = callWrite({ ...fields, CallSid: 'CA-fc-2', Timestamp: '2024-05-01T10:01:00Z' });
        const none = callWrite({ ...fields, CallSid: 'CA-fc-3', Timestamp: '2024-05-01T10:02:00Z' });
        await store.writeBatch([{ ...carried, fromCountry: 'FR' }, worked, { ...none, fromCountry: null }]);
        assert.deepEqual(await db.scan('SELECT call_sid, from_country FROM calls ORDER BY call_sid'), [
          { call_sid: 'CA-fc-1', from_country: 'FR' }, { call_sid: 'CA-fc-2', from_country: 'US' }, { call_sid: 'CA-fc-3', from_country: null },
        ]);
        // The day's country splits count them the same way: FR 1, US 1, unknown 1.
        const byCountry = await store.readRollupGroups([D(Date.UTC(2024, 4, 1))], 'c:', 'split');
        assert.deepEqual(new Map([...byCountry].map(([country, stats]) => [country, stats.calls])), new Map([['FR', 1], ['US', 1], ['', 1]]));
      });
    });

    it('alert states: saved, replaced per rule and subject, read back as saved', async () => {
      await withStore(fresh, async (store, db) => {
        assert.deepEqual(await store.listAlertStates(), []);
        const all = { rule: 'success-rate', subject: '', firing: true, since: 1_000, evaluatedAt: 2_000, value: 0.8125, calls: 48, message: 'success rate 81.3% < 90%', notified: 'firing' as const, lastFiringNoticeAt: 2_000 };
        const one = { rule: 'success-rate', subject: '+15550001111', firing: false, since: 500, evaluatedAt: 2_000, value: null, calls: 3, message: 'too few calls', notified: null, lastFiringNoticeAt: null };
        await store.saveAlertEvaluation([all, one], []);
        const byKey = (states: Awaited<ReturnType<CallStore['listAlertStates']>>) => [...states].sort((a, b) => (a.subject < b.subject ? -1 : 1));
        assert.deepEqual(byKey(await store.listAlertStates()), [all, one]);
        // The next evaluation resolves the first: its row is replaced, the other stays as it was.
        const resolved = { ...all, firing: false, since: 62_000, evaluatedAt: 62_000, value: 0.975, calls: 40, message: 'success rate 97.5%', notified: 'resolved' as const };
        await store.saveAlertEvaluation([resolved], []);
        assert.deepEqual(byKey(await store.listAlertStates()), [resolved, one]);
        assert.equal(await db.count('alert_states'), 2);
        assert.equal(await db.count('alert_notifications'), 0);
      });
    });

    it('an evaluation is saved in one transaction: a notification that cannot be stored leaves its states unsaved too', async () => {
      await withStore(fresh, async (store, db) => {
        const state = { rule: 'r', subject: '', firing: false, since: 1, evaluatedAt: 1, value: 1, calls: 1, message: 'ok', notified: null, lastFiringNoticeAt: null };
        await store.saveAlertEvaluation([state], []);
        const firing = { ...state, firing: true, since: 2, evaluatedAt: 2, value: 0.5, message: 'firing', notified: 'firing' as const, lastFiringNoticeAt: 2 };
        // created_at is NOT NULL in both schemas: NaN cannot be stored as a time.
        const broken = { rule: 'r', subject: '', target: 'ops', event: 'firing' as const, payload: '{}', createdAt: Number.NaN };
        await assert.rejects(store.saveAlertEvaluation([firing], [broken]));
        assert.deepEqual(await store.listAlertStates(), [state]);
        assert.equal(await db.count('alert_notifications'), 0);
      });
    });

    it('notifications: queued in order, listed while pending (at most limit), every attempt recorded', async () => {
      await withStore(fresh, async (store, db) => {
        const n1 = { rule: 'r1', subject: '', target: 'ops', event: 'firing' as const, payload: '{"n":1}', createdAt: 1_000 };
        const n2 = { rule: 'r1', subject: '+15550001111', target: 'slack', event: 'firing' as const, payload: '{"n":2}', createdAt: 1_000 };
        const n3 = { rule: 'r2', subject: '', target: 'ops', event: 'resolved' as const, payload: '{"n":3}', createdAt: 3_000 };
        await store.saveAlertEvaluation([], [n1, n2]);
        await store.saveAlertEvaluation([], [n3]);
        const fresh3 = { attempts: 0, sentAt: null, failedAt: null, lastError: null };
        const pending = await store.listPendingNotifications(10);
        assert.deepEqual(pending.map(({ id: _, ...rest }) => rest), [
          { ...n1, ...fresh3, nextAttemptAt: 1_000 }, { ...n2, ...fresh3, nextAttemptAt: 1_000 }, { ...n3, ...fresh3, nextAttemptAt: 3_000 },
        ]);
        const [id1, id2, id3] = pending.map((n) => n.id) as [number, number, number];
        assert.ok(id1 < id2 && id2 < id3, 'ids follow the queue');
        assert.deepEqual((await store.listPendingNotifications(2)).map((n) => n.id), [id1, id2]);

        // n1: a retry (its error cut to 500 characters), then sent; n2: given up.
        await store.recordNotificationAttempt(id1, { outcome: 'retry', at: 1_100, error: 'x'.repeat(600), nextAttemptAt: 6_100 });
        const retried = (await store.listPendingNotifications(1))[0]!;
        assert.deepEqual([retried.id, retried.attempts, retried.nextAttemptAt, retried.lastError], [id1, 1, 6_100, 'x'.repeat(500)]);
        await store.recordNotificationAttempt(id1, { outcome: 'sent', at: 6_200 });
        await store.recordNotificationAttempt(id2, { outcome: 'failed', at: 1_200, error: 'HTTP 404 Not Found' });
        assert.deepEqual((await store.listPendingNotifications(10)).map((n) => n.id), [id3]);
        assert.deepEqual(await db.scan('SELECT id, attempts, next_attempt_at, sent_at, failed_at, last_error FROM alert_notifications ORDER BY id'), [
          { id: id1, attempts: 2, next_attempt_at: 6_100, sent_at: 6_200, failed_at: null, last_error: null },
          { id: id2, attempts: 1, next_attempt_at: 1_000, sent_at: null, failed_at: 1_200, last_error: 'HTTP 404 Not Found' },
          { id: id3, attempts: 0, next_attempt_at: 3_000, sent_at: null, failed_at: null, last_error: null },
        ]);
      });
    });

    it('purges what is older than the cutoffs, bounded per call, and says how much went', async () => {
      await withStore(fresh, async (store, db) => {
        const JAN = '2024-01-10T10:00:00Z';
        const FEB_1 = Date.UTC(2024, 1, 1);
        const old = call('CA-old', JAN, 'completed', '60', '4.00');
        await store.writeBatch([old, call('CA-new', '2024-03-05T10:00:00Z', 'failed', '0', '')]);
        await store.writeBatch([callWrite(old.raw as Record<string, string>)]); // a repeat delivery of the old call
        await store.writeBatch([
          quarantineWrite({ CallSid: 'CA-q-old' }, undefined, new Date(Date.UTC(2024, 0, 5))),
          quarantineWrite({ CallSid: 'CA-q-new' }, undefined, new Date(Date.UTC(2024, 2, 5))),
        ]);
        await store.saveAlertEvaluation([], [
          { rule: 'r', subject: '', target: 'ops', event: 'firing', payload: '{"n":"old-sent"}', createdAt: Date.UTC(2024, 0, 11) },
          { rule: 'r', subject: '', target: 'ops', event: 'resolved', payload: '{"n":"old-pending"}', createdAt: Date.UTC(2024, 0, 12) },
        ]);
        const [sent] = await store.listPendingNotifications(1);
        await store.recordNotificationAttempt(sent!.id, { outcome: 'sent', at: Date.UTC(2024, 0, 11) });

        // Calls, quarantine and notifications only: the rollups stay.
        assert.deepEqual(await store.purgeBefore({ callsBefore: FEB_1, rollupsBefore: null }, 1000), { calls: 1, deliveries: 1, quarantine: 1, notifications: 1, rollups: 0 });
        assert.deepEqual(await db.scan('SELECT call_sid FROM calls'), [{ call_sid: 'CA-new' }]);
        assert.equal(await db.count('deliveries'), 0);
        assert.deepEqual((await db.scan<{ raw: string }>('SELECT raw FROM quarantine')).map((r) => JSON.parse(r.raw).CallSid), ['CA-q-new']);
        assert.deepEqual((await db.scan<{ payload: string }>('SELECT payload FROM alert_notifications')).map((r) => JSON.parse(r.payload).n), ['old-pending']);
        assert.equal((await store.readRollups([M(Date.UTC(2024, 0, 1))], ['*'])).calls, 1, "January's rollups still count the deleted call");

        // The rollups of January's call, by hand: 3 dimensions ('*', 'a:AC1', 'a:AC1|n:+15550000001') at 4 levels,
        // plus a status and a country split of each at the day and month levels: 12 + 12 = 24 rows; at most 5 a run.
        const first = await store.purgeBefore({ callsBefore: null, rollupsBefore: FEB_1 }, 5);
        assert.deepEqual(first, { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 5 });
        assert.equal((await store.purgeBefore({ callsBefore: null, rollupsBefore: FEB_1 }, 1000)).rollups, 19);
        assert.deepEqual(await store.purgeBefore({ callsBefore: FEB_1, rollupsBefore: FEB_1 }, 1000), { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 });
        assert.equal((await store.readRollups([M(Date.UTC(2024, 0, 1))], ['*'])).calls, 0);
        assert.equal((await store.readRollups([M(Date.UTC(2024, 2, 1))], ['*'])).calls, 1, "March's rollups stay");
      });
    });

    it('rejects writes with the storage-unavailable error once closed', async () => {
      const db = await fresh();
      const store = await createStore(db.database);
      await store.close();
      await assert.rejects(store.writeBatch([call('CA-late', '2024-05-01T10:00:00Z', 'failed', '0', '')]), (error) => isStorageUnavailable(error));
      await db.drop();
    });
  });
}
