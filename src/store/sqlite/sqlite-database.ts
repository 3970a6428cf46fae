/**
 * @module
 * Opening a SQLite database the way every callpulse connection needs it: WAL, `synchronous=FULL`
 * (each commit fsync'd), a busy timeout, and pending migrations applied.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';

/** Options for opening a SQLite store. */
export interface SqliteOptions {
  /** How long a write waits for another process's lock before failing, in ms. */
  busyTimeoutMs?: number;
}

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies pending migrations, each in its own transaction; returns the ones applied (`<version> <name>`). */
function runMigrations(db: Database.Database): string[] {
  const done: string[] = [];
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version)) return; // another process did it
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      done.push(`${migration.version} ${migration.name}`);
    }).immediate();
  }
  return done;
}

/** Opens (creating the file and its folder if needed) and migrates a database; says which migrations it applied. */
export function openMigratedDatabase(path: string, options: SqliteOptions = {}): { db: Database.Database; applied: string[] } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
  // 32 MiB of page cache per connection (the default is 2 MiB): the CallSid index takes random keys, and
  // years of rollups are read bucket by bucket.
  db.pragma('cache_size = -32768');
  return { db, applied: runMigrations(db) };
}

/** Opens (creating the file and its folder if needed) and migrates a database. */
export function openDatabase(path: string, options: SqliteOptions = {}): Database.Database {
  return openMigratedDatabase(path, options).db;
}

/** The applied schema version. */
export function schemaVersion(db: Database.Database): number | null {
  return db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null;
}

/** SQLite result codes that mean "storage cannot take writes now", rather than "this item is bad". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|PERM)/;

/** True when a SQLite error means storage is unavailable (503) rather than a bad item. */
export function isUnavailableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) return true;
  return error instanceof TypeError && /database connection is not open/.test(error.message);
}
