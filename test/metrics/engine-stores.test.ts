/**
 * The metrics engine gives identical figures on SQLite and PostgreSQL: one dataset (MOS scores with any
 * number of decimals, repeats, several projects and numbers, month ends) written to both stores in the
 * same batches, then summaries, time series and breakdowns over many ranges compared exactly, to the
 * last bit. Skipped (and says so) when TEST_DATABASE_URL is not set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetricsEngine, type TimeRange } from '../../src/metrics/engine.js';
import type { CallStore, CallWrite } from '../../src/store/call-store.js';
import { createStore } from '../../src/store/index.js';
import { call } from '../helpers/call-writes.js';
import { postgresBackend, sqliteBackend, type TestDatabase } from '../helpers/test-databases.js';

/** A small deterministic pseudo-random generator (mulberry32), so the dataset is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = Date.UTC(2024, 1, 27); // crosses the end of February (leap year) and March's DST change in New York
const SPAN = 12 * 24 * 3600_000;

function dataset(): CallWrite[][] {
  const next = random(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const batches: CallWrite[][] = [];
  const sent: CallWrite[] = [];
  for (let b = 0; b < 40; b++) {
    const batch: CallWrite[] = [];
    for (let i = 0; i < 30; i++) {
      if (sent.length > 0 && next() < 0.1) {
        batch.push(pick(sent)); // a repeat
        continue;
      }
      const status = pick(['completed', 'completed', 'completed', 'failed', 'busy', 'no-answer', 'canceled']);
      const decimals = pick([1, 2, 2, 3]);
      const mos = next() < 0.15 ? '' : (1 + next() * 4).toFixed(decimals);
      const write = call(`CA-same-${b}-${i}`, new Date(START + Math.floor(next() * SPAN)).toISOString(), status,
        status === 'completed' ? String(Math.floor(next() * 900)) : status === 'failed' ? '0' : '', mos,
        pick(['+15550000001', '+15550000002', '+15550000003']), pick(['AC1', 'AC2']));
      sent.push(write);
      batch.push(write);
    }
    batches.push(batch);
  }
  return batches;
}

describe('metrics engine: identical figures on SQLite and PostgreSQL', { skip: postgresBackend.skip }, () => {
  const dbs: TestDatabase[] = [];
  const stores: CallStore[] = [];
  let engines: MetricsEngine[];
  before(async () => {
    for (const backend of [sqliteBackend, postgresBackend]) {
      const db = await backend.fresh();
      dbs.push(db);
      stores.push(await createStore(db.database));
    }
    for (const batch of dataset()) {
      const [a, b] = await Promise.all(stores.map((store) => store.writeBatch(batch)));
      assert.deepEqual(a, b);
    }
    engines = stores.map((store) => new MetricsEngine(store));
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const db of dbs) await db.drop();
  });

  /** Runs the same query on both engines and requires exactly equal answers. */
  async function same<T>(what: string, query: (engine: MetricsEngine) => Promise<T>): Promise<T> {
    const [sqlite, postgres] = await Promise.all(engines.map(query));
    assert.deepStrictEqual(postgres, sqlite, what);
    return sqlite!;
  }

  it('holds the same calls in both stores', async () => {
    const [a, b] = await Promise.all(dbs.map((db) => db.scan<{ n: number; m: number }>('SELECT COUNT(*) AS n, COUNT(mos) AS m FROM calls')));
    assert.deepEqual(a, b);
    assert.ok(a![0]!.n > 1000);
  });

  it('summaries over whole and ragged ranges, with every filter', async () => {
    const next = random(11);
    const ranges: TimeRange[] = [
      { from: START, to: START + SPAN },
      { from: Date.UTC(2024, 1, 1), to: Date.UTC(2024, 3, 1) },
      { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 2, 2) },
    ];
    for (let i = 0; i < 30; i++) {
      const a = START - 3600_000 + Math.floor(next() * (SPAN + 7200_000));
      const b = START - 3600_000 + Math.floor(next() * (SPAN + 7200_000));
      ranges.push({ from: Math.min(a, b), to: Math.max(a, b) });
    }
    let calls = 0;
    for (const range of ranges) {
      for (const filter of [{}, { number: '+15550000002' }, { account: 'AC2' }, { number: '+15550000001', account: 'AC1' }]) {
        calls += (await same(`summary ${JSON.stringify({ range, filter })}`, (engine) => engine.summary(range, filter))).calls;
      }
    }
    assert.ok(calls > 0);
  });

  it('time series per 15 minutes, hour, day and week in several time zones', async () => {
    const range = { from: START + 37 * 60_000, to: START + SPAN - 11 * 60_000 };
    for (const [interval, tz] of [['1h', 'America/New_York'], ['1d', 'Asia/Kolkata'], ['1w', 'UTC'], ['1d', 'Australia/Lord_Howe']] as const) {
      await same(`timeseries ${interval} ${tz}`, (engine) => engine.timeseries(range, interval, tz));
      await same(`timeseries ${interval} ${tz} AC1`, (engine) => engine.timeseries(range, interval, tz, { account: 'AC1' }));
    }
    await same('timeseries 15m', (engine) => engine.timeseries({ from: START + SPAN / 2, to: START + SPAN / 2 + 86_400_000 }, '15m', 'Europe/Berlin', { number: '+15550000003' }));
  });

  it('breakdowns by number, project and hour of the week', async () => {
    const range = { from: START + 5 * 60_000, to: START + SPAN };
    for (const by of ['number', 'account'] as const) {
      const rows = await same(`breakdown ${by}`, (engine) => engine.breakdown(range, by));
      assert.ok(rows.length >= 2);
      await same(`breakdown ${by} AC2`, (engine) => engine.breakdown(range, by, { account: 'AC2' }));
    }
    await same('breakdown hourOfWeek', (engine) => engine.breakdown({ from: START, to: START + 7 * 86_400_000 }, 'hourOfWeek', {}, 'America/Chicago'));
  });
});
