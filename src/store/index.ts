/**
 * @module
 * createStore: the only place that picks a storage backend, from the `database` setting.
 */
import type { CallStore } from './call-store.js';
import { withCallerPrivacy, type CallerPrivacy } from './caller-privacy.js';
import type { SqliteOptions } from './sqlite/sqlite-database.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** True when `database` names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** How to open a store. */
export interface StoreOptions extends SqliteOptions {
  /** Privacy mode: every write item has its callers' numbers hashed before the backend sees it. */
  privacy?: CallerPrivacy | null;
}

/** Opens the store `database` names: a SQLite file path (created if missing), or a postgres:// URL. */
export async function createStore(database: string, options: StoreOptions = {}): Promise<CallStore> {
  if (isPostgresUrl(database)) {
    throw new Error('PostgreSQL storage is not available yet in this version; use a SQLite file path for --db');
  }
  const store = openSqliteStore(database, options);
  return options.privacy ? withCallerPrivacy(store, options.privacy) : store;
}
