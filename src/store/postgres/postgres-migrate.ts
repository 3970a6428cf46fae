/**
 * @module
 * Applying the PostgreSQL migrations. Several instances may start at once: each takes a transaction-level
 * advisory lock (one per schema) before reading what is applied, so the pending migrations run exactly
 * once, all in one transaction (PostgreSQL DDL is transactional: a failure leaves nothing half done).
 */
import type pg from 'pg';
import type { SchemaReport } from '../call-store.js';
import { MIGRATIONS } from './migrations/index.js';
import { inTransaction, quoteIdentifier } from './postgres-connection.js';

/** The first key of callpulse's advisory locks (the second is the schema's hash). */
const LOCK_SPACE = 0x63_70_6d; // "cpm"

/** Creates the schema if needed and applies pending migrations; resolves with the version and what was applied. */
export async function migrate(pool: pg.Pool, schema: string | null): Promise<SchemaReport> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE, schema ?? '(search_path)']);
    if (schema !== null) {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version, migration.name, Date.now(),
      ]);
      applied.push(`${migration.version} ${migration.name}`);
    }
    const version = Math.max(0, ...done, ...MIGRATIONS.filter((m) => !done.has(m.version)).map((m) => m.version));
    return { version, applied };
  });
}
