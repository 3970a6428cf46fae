/**
 * The metrics engine over every store (a real SQLite file; PostgreSQL when TEST_DATABASE_URL is set): a hand-computed golden dataset, and random datasets whose
 * every figure from rollups equals the plain scan of the stored calls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { MetricsEngine } from '../../src/metrics/engine.js';
import { createStore } from '../../src/store/index.js';
import type { CallStore, CallWrite } from '../../src/store/call-store.js';
import { plainSummaryIn } from '../helpers/plain-summary.js';
import { BACKENDS, type TestDatabase } from '../helpers/test-databases.js';

function callWrite(fields: Record<string, string>): CallWrite {
  const parsed = parseIncomingCallStatus(fields);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { kind: 'call', event: parsed.event, raw: fields, source: 'webhook', delivery: { method: 'POST', contentType: null, receivedAt: new Date() } };
}

function call(sid: string, timestamp: string, status: string, duration: string, mos: string, to = '+15550000001', account = 'AC1', from = '+15559990000'): CallWrite {
  return callWrite({ CallSid: sid, AccountSid: account, From: from, To: to, Timestamp: timestamp, CallStatus: status, CallDuration: duration, AudioInMos: mos });
}

/** Callers of the random datasets, with their countries worked out by hand (null: no country). */
const CALLERS: Record<string, string | null> = {
  '+14155550100': 'US', '+14165550123': 'CA', '+442071838750': 'GB', '+441481712345': 'GG', '+15559990000': null, anonymous: null,
  'sip:alice@example.com': null,
};

/** The callers of each country (key '' for none), for plain scans per country. */
function callersOf(country: string | null): string[] {
  return Object.keys(CALLERS).filter((caller) => CALLERS[caller] === country);
}

/** Rounds every number to 9 decimals so float sums in another order compare equal. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))) as T;
}

for (const backend of BACKENDS) {
  describe(`metrics engine on ${backend.name}: golden dataset`, { skip: backend.skip }, () => {
    let db: TestDatabase;
    let store: CallStore;
    before(async () => {
      db = await backend.fresh();
      store = await createStore(db.database);
      await store.writeBatch([
        call('CA1', '2024-03-10T06:50:00Z', 'completed', '120', '4.40'),
        call('CA2', '2024-03-10T07:10:00Z', 'completed', '5', '3.50'),
        call('CA3', '2024-03-10T07:20:00Z', 'failed', '0', ''),
        call('CA4', '2024-03-10T08:00:00Z', 'busy', '', '0'),
        call('CA5', 'Sun, 10 Mar 2024 03:30:00 -0500', 'no-answer', '', ''), // 08:30Z
        call('CA6', '2024-03-10T09:00:00Z', 'canceled', '', '3.00'),
        call('CA7', '2024-03-10T09:40:00Z', 'completed', '60', '4.10', '+15550000002'),
        call('CA8', '2024-03-11T00:00:00Z', 'completed', '300', '3.90', '+15550000002', 'AC2'),
      ]);
      await store.writeBatch([call('CA2', '2024-03-10T07:10:00Z', 'failed', '0', '1.00')]); // a repeat: ignored
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    it('summarises the whole day exactly as worked out by hand', async () => {
      const engine = new MetricsEngine(store);
      const summary = await engine.summary({ from: Date.UTC(2024, 2, 10), to: Date.UTC(2024, 2, 11) });
      // 7 calls on 10 Mar (CA8 is on the 11th): 3 completed (CA1, CA2, CA7).
      assert.equal(summary.calls, 7);
      assert.equal(summary.completed, 3);
      assert.equal(summary.unsuccessful, 4);
      assert.equal(summary.successRate, 3 / 7);
      assert.deepEqual(summary.statuses, { completed: 3, failed: 1, busy: 1, 'no-answer': 1, canceled: 1 });
      // Scored: 4.40, 3.50, 3.00, 4.10 (CA3 empty, CA4 "0", CA5 empty). Sorted 3.00 3.50 4.10 4.40.
      assert.equal(summary.mos.scored, 4);
      assert.equal(summary.mos.mean, (4.4 + 3.5 + 3.0 + 4.1) / 4);
      assert.equal(summary.mos.p10, 3.0); // rank ceil(0.4) = 1
      assert.equal(summary.mos.p50, 3.5); // rank 2
      assert.equal(summary.mos.p90, 4.4); // rank ceil(3.6) = 4
      assert.deepEqual(summary.mos.bands, { excellent: 0.25, good: 0.25, fair: 0, poor: 0.25, bad: 0.25 });
      assert.equal(summary.mos.poorRate, 0.5); // 3.50 and 3.00 are below 3.60
      // Completed durations: 120, 5, 60 -> total 185, sorted 5 60 120.
      assert.deepEqual(summary.duration, { totalSeconds: 185, mean: 185 / 3, p50: 60, p90: 120, short: 1 });
      // One caller: CA1..CA5 are each followed by a call to +15550000001 within 24 h, CA7 by CA8 to +15550000002; CA6 is the last.
      assert.deepEqual(summary.repeatCallers, { repeated: 6, rate: 6 / 7 });
    });

    it('ranges with partial 15-minute edges, and filters by number and account', async () => {
      const engine = new MetricsEngine(store);
      // 07:05 to 09:41: CA2 07:10, CA3 07:20, CA4 08:00, CA5 08:30, CA6 09:00, CA7 09:40.
      const middle = await engine.summary({ from: Date.UTC(2024, 2, 10, 7, 5), to: Date.UTC(2024, 2, 10, 9, 41) });
      assert.equal(middle.calls, 6);
      assert.equal(middle.completed, 2);
      const secondNumber = await engine.summary({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) }, { number: '+15550000002' });
      assert.equal(secondNumber.calls, 2);
      assert.equal(secondNumber.duration.totalSeconds, 360);
      const secondAccount = await engine.summary({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) }, { account: 'AC2' });
      assert.equal(secondAccount.calls, 1);
      const both = await engine.summary({ from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) }, { account: 'AC1', number: '+15550000002' });
      assert.equal(both.calls, 1);
      const empty = await engine.summary({ from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 2) });
      assert.equal(empty.calls, 0);
      assert.equal(empty.successRate, null);
      assert.equal(empty.mos.p50, null);
    });
  });

  describe(`metrics engine on ${backend.name}: rollups equal a plain scan of the calls`, { skip: backend.skip }, () => {

    it('for random datasets, ranges and filters', async () => {
      const start = Date.UTC(2024, 0, 30);
      const span = 70 * 24 * 3600_000; // crosses month ends
      const dataset = fc.array(
        fc.record({
          at: fc.integer({ min: 0, max: span - 1 }),
          status: fc.constantFrom('completed', 'completed', 'failed', 'busy', 'no-answer', 'canceled'),
          duration: fc.nat({ max: 4000 }),
          mos: fc.option(fc.integer({ min: 100, max: 500 }), { nil: null }),
          to: fc.constantFrom('+15550000001', '+15550000002', '+15550000003'),
          account: fc.constantFrom('AC1', 'AC2'),
          from: fc.constantFrom(...Object.keys(CALLERS)),
          // Clustered times make repeat calls (same caller and number within 24 h) common.
          cluster: fc.boolean(),
        }),
        { minLength: 1, maxLength: 300 },
      );
      const query = fc.record({
        a: fc.integer({ min: -86_400_000, max: span + 86_400_000 }),
        b: fc.integer({ min: -86_400_000, max: span + 86_400_000 }),
        number: fc.option(fc.constantFrom('+15550000001', '+15550000002'), { nil: undefined }),
        account: fc.option(fc.constantFrom('AC1', 'AC2'), { nil: undefined }),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(dataset, fc.array(query, { minLength: 1, maxLength: 5 }), async (calls, queries) => {
          run += 1;
          const db = await backend.fresh();
          const store = await createStore(db.database);
          try {
            const writes = calls.map((c, i) =>
              call(
                `CA-${run}-${i}`, new Date(start + (c.cluster ? c.at % (3 * 86_400_000) : c.at)).toISOString(), c.status,
                c.status === 'completed' ? String(c.duration) : '', c.mos === null ? '' : (c.mos / 100).toFixed(2), c.to, c.account, c.from,
              ),
            );
            for (let i = 0; i < writes.length; i += 37) await store.writeBatch(writes.slice(i, i + 37));
            const engine = new MetricsEngine(store);
            for (const q of queries) {
              const [from, to] = q.a <= q.b ? [start + q.a, start + q.b] : [start + q.b, start + q.a];
              const filter = { number: q.number, account: q.account };
              const plainFilter = { ...(q.number ? { number: q.number } : {}), ...(q.account ? { account: q.account } : {}) };
              const fromRollups = await engine.summary({ from, to }, filter);
              assert.deepEqual(rounded(fromRollups), rounded(await plainSummaryIn(db, from, to, plainFilter)));
              for (const row of await engine.breakdown({ from, to }, 'status', filter)) {
                const { group, ...summary } = row;
                assert.deepEqual(rounded(summary), rounded(await plainSummaryIn(db, from, to, { ...plainFilter, status: group.status! })), `status ${group.status}`);
              }
              const countries = await engine.breakdown({ from, to }, 'country', filter);
              for (const row of countries) {
                const { group, ...summary } = row;
                assert.deepEqual(rounded(summary), rounded(await plainSummaryIn(db, from, to, { ...plainFilter, callers: callersOf(group.country!) })), `country ${group.country}`);
              }
              assert.equal(countries.reduce((sum, row) => sum + row.calls, 0), fromRollups.calls);
              const numbers = await engine.breakdown({ from, to }, 'number', filter);
              for (const row of numbers) {
                const { group, ...summary } = row;
                assert.deepEqual(rounded(summary), rounded(await plainSummaryIn(db, from, to, { ...plainFilter, number: group.number! })), `number ${group.number}`);
              }
              assert.equal(numbers.reduce((sum, row) => sum + row.calls, 0), fromRollups.calls);
              // A time series: each point equals the plain scan of its bucket, clipped to the range. Daily
              // buckets in New York cut UTC days and 15-minute rollups alike; at most 30 days of them here.
              const seriesTo = Math.min(to, from + 30 * 86_400_000);
              const points = await engine.timeseries({ from, to: seriesTo }, '1d', 'America/New_York', filter);
              for (const [i, point] of points.entries()) {
                const start = i === 0 ? from : Date.parse(point.start);
                const end = i === points.length - 1 ? seriesTo : Date.parse(points[i + 1]!.start);
                const plain = await plainSummaryIn(db, start, end, plainFilter);
                assert.deepEqual(
                  rounded([point.calls, point.completed, point.successRate, point.mosMean, point.mosP10, point.durationMean]),
                  rounded([plain.calls, plain.completed, plain.successRate, plain.mos.mean, plain.mos.p10, plain.duration.mean]),
                  `point ${point.start}`,
                );
              }
            }
          } finally {
            await store.close();
            await db.drop();
          }
        }),
        { numRuns: 25 },
      );
    });
  });
}
