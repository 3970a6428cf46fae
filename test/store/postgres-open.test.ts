/**
 * Opening the PostgreSQL store: several instances starting at once on an empty schema (migrations run
 * once, under the advisory lock), and a server that cannot be reached (one sentence, no hang).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { postgresBackend } from '../helpers/test-databases.js';

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('PostgreSQL store: opening', () => {
  it('fails at once, in one sentence naming the server, when nothing listens there', async () => {
    const port = await closedPort();
    await assert.rejects(createStore(`postgres://callpulse:secret@127.0.0.1:${port}/calls`), (error: Error) => {
      assert.equal(error.message, `cannot open PostgreSQL 127.0.0.1:${port}/calls: connect ECONNREFUSED 127.0.0.1:${port}`);
      return true;
    });
  });

  it('refuses a schema name that is not a plain SQL name, before connecting', async () => {
    await assert.rejects(createStore('postgres://127.0.0.1:1/calls?schema=a;drop'), /schema must be a lower-case SQL name/);
  });

  it('six instances opening an empty schema at once: the migrations run exactly once', { skip: postgresBackend.skip }, async () => {
    const db = await postgresBackend.fresh();
    try {
      const stores = await Promise.all(Array.from({ length: 6 }, () => createStore(db.database)));
      try {
        const applied = stores.map((s) => s.schema.applied.length).sort();
        assert.deepEqual(applied, [0, 0, 0, 0, 0, 5]);
        assert.ok(stores.every((s) => s.schema.version === 5));
        assert.deepEqual(await db.scan('SELECT version, name FROM schema_migrations ORDER BY version'), [
          { version: 1, name: 'calls, deliveries and quarantine' },
          { version: 2, name: 'rollups' },
          { version: 3, name: 'alert states and notifications' },
          { version: 4, name: 'MOS sums in millionths, an hour level' },
          { version: 5, name: 'rollups counted behind the inserts, histograms as text' },
        ]);
        for (const store of stores) assert.deepEqual(await store.health(), { writable: true, migrationsApplied: true });
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    } finally {
      await db.drop();
    }
  });
});
