/**
 * After a server has stopped: how many rows its calls table holds, read straight from the SQLite file.
 */
import Database from 'better-sqlite3';

/** Counts the rows of `calls` in the database at `path` (opened read-only). */
export function countCallRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM calls').pluck().get() as number;
  } finally {
    db.close();
  }
}
