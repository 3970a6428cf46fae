/**
 * @module
 * createStore: the only place that picks a storage backend, from the `database` setting: a postgres://
 * URL opens the PostgreSQL store, anything else is a SQLite file path.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../domain/logger.js';
import type { CallStore } from './call-store.js';
import { withCallerPrivacy, type CallerPrivacy } from './caller-privacy.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import type { SqliteOptions } from './sqlite/sqlite-database.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** Options for opening either store; each takes what applies to it. */
export interface StoreOptions extends SqliteOptions {
  /** PostgreSQL: how long a write waits for a connection before failing as unavailable, in ms. */
  connectTimeoutMs?: number;
  /** Where the store reports what callers do not see (lost connections). */
  logger?: Logger;
  /** Refuse to create a new SQLite file: the database must already exist (e.g. the source of a copy). */
  mustExist?: boolean;
  /** Privacy mode: every write item has its callers' numbers hashed before the backend sees it. */
  privacy?: CallerPrivacy | null;
}

/** True when `database` names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** Opens the store `database` names (a SQLite file path, created if missing, or a postgres:// URL) and applies pending migrations. */
export async function createStore(database: string, options: StoreOptions = {}): Promise<CallStore> {
  const store = await openBackend(database, options);
  return options.privacy ? withCallerPrivacy(store, options.privacy) : store;
}

async function openBackend(database: string, options: StoreOptions): Promise<CallStore> {
  if (isPostgresUrl(database)) return openPostgresStore(database, options);
  if (options.mustExist && !existsSync(database)) throw new Error(`no SQLite database at ${database}`);
  return openSqliteStore(database, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
}
