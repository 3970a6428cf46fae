/**
 * @module
 * The databases store tests run on: a temp SQLite file always, and a fresh PostgreSQL schema when
 * TEST_DATABASE_URL is set (.ci/run sets it; elsewhere the PostgreSQL tests skip and say so). Each
 * test database can be read with plain SQL through its own driver, independent of the store code.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { tempDir } from './test-server.js';

/** The PostgreSQL server for tests (a test-only setting, read here rather than through src/config). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;

/** Why the PostgreSQL tests are skipped, or false when they run. */
export const POSTGRES_SKIP: string | false = TEST_DATABASE_URL
  ? false
  : 'TEST_DATABASE_URL is not set: the PostgreSQL store tests are skipped (.ci/run sets it, e.g. postgres://postgres@127.0.0.1:5432/callpulse_test)';

/** One empty database for one test. */
export interface TestDatabase {
  backend: 'sqlite' | 'postgres';
  /** What `--db` and createStore take: a file path or a postgres:// URL (with its own schema). */
  database: string;
  /** A plain read: SQL with `?` placeholders, rows as plain objects (bigint columns as numbers). */
  scan<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** The number of rows of a table. */
  count(table: string): Promise<number>;
  /** Removes the database (file or schema). */
  drop(): Promise<void>;
}

/** A kind of database the tests can make fresh ones of. */
export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A reason to skip this backend's tests, or false. */
  skip: string | false;
  fresh(): Promise<TestDatabase>;
}

function withCount(db: Omit<TestDatabase, 'count'>): TestDatabase {
  return {
    ...db,
    async count(table) {
      return (await db.scan<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n;
    },
  };
}

export const sqliteBackend: TestBackend = {
  name: 'sqlite',
  skip: false,
  async fresh() {
    const { dir, cleanup } = tempDir('callpulse-store-');
    const path = join(dir, 'store.db');
    return withCount({
      backend: 'sqlite',
      database: path,
      async scan<T>(sql: string, ...params: unknown[]) {
        const db = new Database(path, { readonly: true, fileMustExist: true });
        try {
          return db.prepare(sql).all(...params) as T[];
        } finally {
          db.close();
        }
      },
      async drop() {
        cleanup();
      },
    });
  },
};

let schemas = 0;

/** A URL for the same server and database as `url`, with callpulse's `schema` parameter set. */
export function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

const int8AsNumber = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return oid === 20 ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A client on the test server's database with `schema` first on the search path. */
export function postgresClient(schema: string | null): pg.Client {
  return new pg.Client({
    connectionString: TEST_DATABASE_URL!,
    types: int8AsNumber,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
}

export const postgresBackend: TestBackend = {
  name: 'postgres',
  skip: POSTGRES_SKIP,
  async fresh() {
    schemas += 1;
    const schema = `cp_test_${process.pid}_${schemas}_${Math.random().toString(36).slice(2, 8)}`;
    return withCount({
      backend: 'postgres',
      database: withSchema(TEST_DATABASE_URL!, schema),
      async scan<T>(sql: string, ...params: unknown[]) {
        let n = 0;
        const text = sql.replace(/\?/g, () => `$${++n}`);
        const client = postgresClient(schema);
        await client.connect();
        try {
          return (await client.query(text, params)).rows as T[];
        } finally {
          await client.end();
        }
      },
      async drop() {
        const client = postgresClient(null);
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    });
  },
};

/** Every backend: the store contract runs once per entry (PostgreSQL skipped when not configured). */
export const BACKENDS: readonly TestBackend[] = [sqliteBackend, postgresBackend];
