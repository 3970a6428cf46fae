/**
 * @module
 * Reads a SQLite database file directly (a plain scan, independent of the store code), for assertions.
 */
import Database from 'better-sqlite3';

/** Runs one read-only query against a database file and returns all rows. */
export function scan<T = Record<string, unknown>>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The number of rows of a table. */
export function countRows(dbPath: string, table: string): number {
  return scan<{ n: number }>(dbPath, `SELECT COUNT(*) AS n FROM ${table}`)[0]!.n;
}
