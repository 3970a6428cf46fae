/**
 * @module
 * createStore: the only place that picks a storage backend, from the `database` setting.
 */
import type { CallStore } from './call-store.js';
import type { SqliteOptions } from './sqlite/sqlite-database.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** True when `database` names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** Opens the store `database` names: a SQLite file path (created if missing), or a postgres:// URL. */
export async function createStore(database: string, options: SqliteOptions = {}): Promise<CallStore> {
  if (isPostgresUrl(database)) {
    throw new Error('PostgreSQL storage is not available yet in this version; use a SQLite file path for --db');
  }
  return openSqliteStore(database, options);
}
