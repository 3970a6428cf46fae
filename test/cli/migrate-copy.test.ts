/**
 * `callpulse migrate` and `callpulse copy` as real child processes: what they print, exit codes, and the
 * databases read back with plain SQL; a SQLite file copied into PostgreSQL (when TEST_DATABASE_URL is
 * set) reports the same figures through `callpulse report` as the file itself.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { call, callWrite, quarantineWrite } from '../helpers/call-writes.js';
import { runCli } from '../helpers/child-server.js';
import { postgresBackend, sqliteBackend, type TestDatabase } from '../helpers/test-databases.js';
import { tempDir } from '../helpers/test-server.js';

describe('callpulse migrate', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('creates the schema of a new SQLite file, then says it is up to date', async () => {
    const path = join(dir, 'm.db');
    const first = await runCli(['migrate', '--db', path]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `SQLite file ${path}: applied 4 migration(s) (1 calls, deliveries and quarantine; 2 rollups; 3 alert states and notifications; 4 rollups counted behind the inserts, with an hour level); schema now at version 4.\n`);
    const second = await runCli(['migrate', '--db', path]);
    assert.equal(second.stdout, `SQLite file ${path}: schema already up to date at version 4.\n`);
  });

  it('--help prints its usage; an unreachable PostgreSQL is one sentence, exit 1', async () => {
    const help = await runCli(['migrate', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: callpulse migrate/);
    const down = await runCli(['migrate', '--db', 'postgres://callpulse:secret@127.0.0.1:1/calls']);
    assert.equal(down.code, 1);
    assert.equal(down.stderr, 'callpulse migrate: cannot open PostgreSQL 127.0.0.1:1/calls: connect ECONNREFUSED 127.0.0.1:1\n');
    assert.doesNotMatch(down.stderr, /secret/);
  });

  it('creates the schema in PostgreSQL, then says it is up to date', { skip: postgresBackend.skip }, async () => {
    const db = await postgresBackend.fresh();
    try {
      const first = await runCli(['migrate', '--db', db.database]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^PostgreSQL [^ ]+ schema cp_test_\w+: applied 5 migration\(s\)/);
      assert.equal(await db.count('schema_migrations'), 5);
      const second = await runCli(['migrate'], { DATABASE_URL: db.database });
      assert.match(second.stdout, /schema already up to date at version 5\.\n$/);
    } finally {
      await db.drop();
    }
  });
});

describe('callpulse copy', () => {
  let source: TestDatabase;
  before(async () => {
    source = await sqliteBackend.fresh();
    const store = await createStore(source.database);
    const calls = Array.from({ length: 25 }, (_, i) =>
      call(`CA-c${i}`, new Date(Date.UTC(2024, 6, 1) + i * 3_600_000).toISOString(), i % 4 === 0 ? 'failed' : 'completed', i % 4 === 0 ? '0' : String(10 + i), i % 3 === 0 ? '' : '4.25', `+1555000000${i % 2}`));
    await store.writeBatch(calls);
    await store.writeBatch([callWrite({ ...(calls[3]!.raw as Record<string, string>) }), quarantineWrite({ CallSid: 'CA-bad' })]);
    await store.close();
  });
  after(() => source.drop());

  it('usage errors exit 2; a missing source file exits 1; --help exits 0', async () => {
    assert.equal((await runCli(['copy', '--from', source.database])).code, 2);
    assert.equal((await runCli(['copy', '--from', source.database, '--to', source.database])).code, 2);
    assert.equal((await runCli(['copy', '--from', source.database, '--to', 'x.db', '--batch', '0'])).code, 2);
    const missing = await runCli(['copy', '--from', '/nonexistent/a.db', '--to', '/nonexistent/b.db']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'callpulse copy: no SQLite database at /nonexistent/a.db\n');
    const help = await runCli(['copy', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: callpulse copy --from SOURCE --to TARGET/);
  });

  for (const backend of [sqliteBackend, postgresBackend]) {
    it(`copies a SQLite file into ${backend.name}, says what was copied, and a second run copies nothing`, { skip: backend.skip }, async () => {
      const target = await backend.fresh();
      try {
        const first = await runCli(['copy', '--from', source.database, '--to', target.database, '--batch', '10']);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /^Copied SQLite file .+ into .+ in [\d.]+ s \(4 batch\(es\)\):\n/);
        assert.match(first.stdout, /calls: +25 copied, 0 already there/);
        assert.match(first.stdout, /repeat deliveries: 1 copied/);
        assert.match(first.stdout, /quarantine: +1 copied, 0 already there/);
        assert.equal(await target.count('calls'), 25);
        assert.equal(await target.count('deliveries'), 1);
        assert.equal(await target.count('quarantine'), 1);

        const second = await runCli(['copy', '--from', source.database, '--to', target.database, '--json']);
        assert.equal(second.code, 0, second.stderr);
        const report = JSON.parse(second.stdout) as Record<string, unknown>;
        assert.deepEqual({ ...report, seconds: 0, from: '', to: '' }, { from: '', to: '', calls: 0, callsPresent: 25, repeats: 0, quarantine: 0, quarantinePresent: 1, batches: 2, seconds: 0 });
        assert.equal(await target.count('calls'), 25);

        // The copy's figures are the file's figures.
        for (const args of [[], ['--by', 'hour', '--tz', 'America/New_York'], ['--by', 'number']]) {
          const range = ['--from', '2024-06-30T00:00:00Z', '--to', '2024-07-03T00:00:00Z', '--format', 'json', ...args];
          const fromSource = await runCli(['report', '--db', source.database, ...range]);
          const fromTarget = await runCli(['report', '--db', target.database, ...range]);
          assert.equal(fromTarget.code, 0, fromTarget.stderr);
          assert.deepEqual(JSON.parse(fromTarget.stdout), JSON.parse(fromSource.stdout));
        }
      } finally {
        await target.drop();
      }
    });
  }
});
