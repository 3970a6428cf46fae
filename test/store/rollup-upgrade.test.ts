/**
 * Upgrading a database made before migration 4 (the hour level; MOS sums in whole millionths): on SQLite
 * the rollups are counted again from the calls when the store opens; on PostgreSQL the hour rows are summed
 * from the 15-minute rows and their histograms, and the MOS sums rescaled. And PostgreSQL's migration 5:
 * histogram rows encoded as text in their rollup rows. Old databases are built here
 * with the earlier migrations' own SQL and rows written by hand; expected figures are worked out by hand.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { MIGRATIONS as POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { createStore } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { callWrite } from '../helpers/call-writes.js';
import { postgresBackend, postgresClient } from '../helpers/test-databases.js';
import { tempDir } from '../helpers/test-server.js';

const H10 = Date.UTC(2024, 2, 1, 10);

/** Creates `schema` and applies the first `count` PostgreSQL migrations' own SQL to it, as an old release did; it stays on the search path. */
async function applyOldMigrations(client: pg.Client, schema: string, count: number): Promise<void> {
  await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  for (const migration of POSTGRES_MIGRATIONS.slice(0, count)) {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [migration.version, migration.name]);
  }
}
const QUARTER = 15 * 60_000;

describe('upgrading a database made before the hour level', () => {
  it('SQLite: the rollups are counted again from the calls, with the hour level', async () => {
    const { dir, cleanup } = tempDir('callpulse-upgrade-');
    const path = join(dir, 'old.db');
    try {
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      for (const migration of SQLITE_MIGRATIONS.slice(0, 3)) {
        old.exec(migration.sql);
        old.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
      }
      const insert = old.prepare(`INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at,
          timestamp_text, status, duration_seconds, mos, source, received_at, raw, from_country, repeated)
        VALUES (?, 'AC1', '+14155550100', '+15550000001', 1, 1, ?, 'x', ?, ?, ?, 'webhook', 0, '{}', 'US', ?)`);
      insert.run('CA-1', H10 + 5 * 60_000, 'completed', 30, 4.4, 1); // 10:05, followed by CA-2
      insert.run('CA-2', H10 + 50 * 60_000, 'completed', 90, 3.1, 0); // 10:50
      insert.run('CA-3', H10 + 70 * 60_000, 'failed', null, null, 0); // 11:10
      // A stale rollup row the old code left: it must not survive the rebuild.
      old.prepare(`INSERT INTO rollups VALUES ('month', '*', ?, 99, 99, 0, 0, 0, 0, 0, 0, '', '', 0)`).run(Date.UTC(2024, 2, 1));
      old.close();

      const store = await createStore(path);
      try {
        assert.deepEqual(store.schema.applied, ['4 rollups counted behind the inserts, with an hour level']);
        const check = new Database(path, { readonly: true });
        const rows = check.prepare(`SELECT level, bucket, calls, completed, mos_count, mos_sum, repeated FROM rollups WHERE dim = '*' ORDER BY level, bucket`).all();
        const progress = check.prepare('SELECT counted_through FROM rollup_progress').pluck().get();
        check.close();
        assert.equal(progress, 3, 'counted when the store opened');
        const row = (level: string, bucket: number, calls: number, completed: number, mosCount: number, mosSum: number, repeated: number) =>
          ({ level, bucket, calls, completed, mos_count: mosCount, mos_sum: mosSum, repeated });
        assert.deepEqual(rows, [
          row('day', Date.UTC(2024, 2, 1), 3, 2, 2, 7_500_000, 1),
          row('hour', H10, 2, 2, 2, 7_500_000, 1),
          row('hour', H10 + 4 * QUARTER, 1, 0, 0, 0, 0),
          row('month', Date.UTC(2024, 2, 1), 3, 2, 2, 7_500_000, 1),
          row('quarter', H10, 1, 1, 1, 4_400_000, 1),
          row('quarter', H10 + 3 * QUARTER, 1, 1, 1, 3_100_000, 0),
          row('quarter', H10 + 4 * QUARTER, 1, 0, 0, 0, 0),
        ]);
        const hour = await store.readRollups([{ level: 'hour', start: H10 }], ['a:AC1|n:+15550000001']);
        assert.deepEqual([...hour.mosHistogram].sort(), [[310, 1], [440, 1]]);
        assert.deepEqual([...hour.durationHistogram].sort(), [[30, 1], [90, 1]]);
      } finally {
        await store.close();
      }
    } finally {
      cleanup();
    }
  });

  it('PostgreSQL: hour rows are summed from the 15-minute rows, MOS sums rescaled', { skip: postgresBackend.skip }, async () => {
    const db = await postgresBackend.fresh();
    const schema = new URL(db.database).searchParams.get('schema');
    const client = postgresClient(null);
    await client.connect();
    try {
      assert.ok(schema, 'the test database names its schema');
      await applyOldMigrations(client, schema, 3);
      // Two 15-minute rows of one hour (10:00 and 10:45) and one of the next, as the old code stored them.
      const quarter = async (bucket: number, calls: number, mosSum: number, mos: Array<[number, number]>, durations: Array<[number, number]>) => {
        const { rows } = await client.query<{ id: string }>(`INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer,
            canceled, mos_count, mos_sum, repeated) VALUES ('quarter', $1, '*', $2, $2, 0, 0, 0, 0, $3, $4, 1) RETURNING id`,
        [bucket, calls, mos.reduce((n, [, c]) => n + c, 0), mosSum]);
        for (const [kind, histogram] of [[0, mos], [1, durations]] as const) {
          for (const [value, count] of histogram) {
            await client.query('INSERT INTO rollup_histograms VALUES ($1, $2, $3, $4)', [rows[0]!.id, kind, value, count]);
          }
        }
      };
      await quarter(H10, 2, 4.4 + 3.1, [[440, 1], [310, 1]], [[30, 2]]);
      await quarter(H10 + 3 * QUARTER, 1, 4.4, [[440, 1]], [[90, 1]]);
      await quarter(H10 + 4 * QUARTER, 1, 2.5, [[250, 1]], [[30, 1]]);
    } finally {
      await client.end();
    }
    const store = await createStore(db.database);
    try {
      assert.deepEqual(store.schema.applied, ['4 MOS sums in millionths, an hour level', '5 rollups counted behind the inserts, histograms as text']);
      const tenToEleven = await store.readRollups([{ level: 'hour', start: H10 }], ['*']);
      assert.deepEqual([tenToEleven.calls, tenToEleven.mosCount, tenToEleven.mosSum, tenToEleven.repeated], [3, 3, 11_900_000, 2]);
      assert.deepEqual([...tenToEleven.mosHistogram].sort(), [[310, 1], [440, 2]]);
      assert.deepEqual([...tenToEleven.durationHistogram].sort(), [[30, 2], [90, 1]]);
      const eleven = await store.readRollups([{ level: 'hour', start: H10 + 4 * QUARTER }], ['*']);
      assert.deepEqual([eleven.calls, eleven.mosSum, [...eleven.mosHistogram]], [1, 2_500_000, [[250, 1]]]);
      assert.equal((await store.readRollups([{ level: 'quarter', start: H10 }], ['*'])).mosSum, 7_500_000);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe('upgrading a PostgreSQL database made before the rollups were counted behind the inserts (migration 5)', () => {
  it('encodes each row\'s histogram rows as text, drops them, and counts new calls on top', { skip: postgresBackend.skip }, async () => {
    const db = await postgresBackend.fresh();
    const schema = new URL(db.database).searchParams.get('schema');
    const march = Date.UTC(2024, 2, 1);
    const client = postgresClient(null);
    await client.connect();
    try {
      assert.ok(schema, 'the test database names its schema');
      await applyOldMigrations(client, schema, 4);
      // The March row as the old code stored it: counts, and its histograms as one row per value.
      const { rows } = await client.query<{ id: string }>(`INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer,
          canceled, mos_count, mos_sum, repeated) VALUES ('month', $1, '*', 41, 41, 0, 0, 0, 0, 3, 11900000, 1) RETURNING id`, [march]);
      const values: Array<[kind: number, value: number, count: number]> = [
        [0, 310, 1], [0, 440, 2], // MOS in hundredths
        [1, 0, 1], [1, 35, 2], [1, 36, 1], [1, 1296, 37], // durations in seconds
      ];
      for (const [kind, value, count] of values) {
        await client.query('INSERT INTO rollup_histograms VALUES ($1, $2, $3, $4)', [rows[0]!.id, kind, value, count]);
      }
      // A row without histogram values (failed calls only).
      await client.query(`INSERT INTO rollups (level, bucket, dim, calls, completed, failed, busy, no_answer, canceled, mos_count, mos_sum,
          repeated) VALUES ('month', $1, 'a:AC9', 2, 0, 2, 0, 0, 0, 0, 0, 0)`, [march]);
    } finally {
      await client.end();
    }
    const store = await openPostgresStore(db.database, { rollupCatchUpDelayMs: null });
    try {
      assert.deepEqual(store.schema.applied, ['5 rollups counted behind the inserts, histograms as text']);
      // Worked out by hand: gaps from the previous value and counts, in base 36 (440 - 310 = 130 = "3m"; 310 = "8m";
      // 1296 - 36 = 1260 = "z0"; 37 = "11").
      assert.deepEqual(await db.scan('SELECT dim, mos_hist, duration_hist FROM rollups ORDER BY dim'), [
        { dim: '*', mos_hist: '8m:1,3m:2,', duration_hist: '0:1,z:2,1:1,z0:11,' },
        { dim: 'a:AC9', mos_hist: '', duration_hist: '' },
      ]);
      assert.deepEqual(await db.scan(`SELECT to_regclass('rollup_histograms') AS old, (SELECT COUNT(*)::int FROM uncounted_calls) AS uncounted`), [
        { old: null, uncounted: 0 },
      ]);
      const month = await store.readRollups([{ level: 'month', start: march }], ['*']);
      assert.deepEqual([month.calls, month.mosSum, [...month.mosHistogram]], [41, 11_900_000, [[310, 1], [440, 2]]]);
      assert.deepEqual([...month.durationHistogram], [[0, 1], [35, 2], [36, 1], [1296, 37]]);

      await store.writeBatch([callWrite({ CallSid: 'CA-new', AccountSid: 'AC1', From: '+14155550100', To: '+15550000001',
        Timestamp: '2024-03-09T12:00:00Z', CallStatus: 'completed', CallDuration: '30', AudioInMos: '4.40' })]);
      assert.equal(await store.countRollups(), 1);
      // 30 s is "u", then 35 is 5 further: the new value sits between the stored ones.
      assert.deepEqual(await db.scan(`SELECT calls, mos_sum, mos_hist, duration_hist FROM rollups WHERE dim = '*' AND level = 'month'`), [
        { calls: 42, mos_sum: 16_300_000, mos_hist: '8m:1,3m:3,', duration_hist: '0:1,u:1,5:2,1:1,z0:11,' },
      ]);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
