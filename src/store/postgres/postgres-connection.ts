/**
 * @module
 * Connecting to PostgreSQL: the `postgres://` URL (with callpulse's own `schema` and `pool_max`
 * parameters), the pg Pool every query goes through (bigint read as numbers, search_path set at
 * connection time, idle-client errors absorbed so an outage never crashes the process), transactions
 * retried on deadlock, and which errors mean "storage unavailable".
 */
import pg from 'pg';

/** Options for opening a PostgreSQL store. */
export interface PostgresOptions {
  /** How long to wait for a connection before a write fails as unavailable, in ms (default 5000). */
  connectTimeoutMs?: number;
}

/** A parsed `postgres://` URL. */
export interface PostgresTarget {
  /** The URL pg connects with (callpulse's own parameters removed). */
  connectionString: string;
  /** The schema callpulse's tables live in (created when missing), or null for the server's search_path. */
  schema: string | null;
  /** The most connections this process opens. */
  poolMax: number;
  /** host:port/database [schema], without credentials. */
  label: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DEFAULT_POOL_MAX = 10;

/** Parses a postgres:// URL; throws a one-sentence error on a bad `schema` or `pool_max`. */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the PostgreSQL URL is not a valid URL; expected postgres://user:password@host:5432/database');
  }
  const schema = parsed.searchParams.get('schema');
  const poolText = parsed.searchParams.get('pool_max');
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pool_max');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new Error(`the PostgreSQL URL's schema must be a lower-case SQL name (letters, digits, _), got "${schema}"`);
  }
  const poolMax = poolText === null ? DEFAULT_POOL_MAX : Number(poolText);
  if (!Number.isInteger(poolMax) || poolMax < 1 || poolMax > 1000) {
    throw new Error(`the PostgreSQL URL's pool_max must be a whole number from 1 to 1000, got "${poolText}"`);
  }
  const database = decodeURIComponent(parsed.pathname.slice(1)) || '(default database)';
  const host = parsed.host || 'localhost';
  return {
    connectionString: parsed.toString(),
    schema,
    poolMax,
    label: `PostgreSQL ${host}/${database}${schema ? ` schema ${schema}` : ''}`,
  };
}

/** Quotes an SQL identifier already checked against SCHEMA_NAME. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** bigint columns (epoch ms, counts) fit in a double exactly: read them as numbers, not strings. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Opens the pool. Idle clients that lose their server emit errors: they are dropped and logged by `onIdleError`. */
export function createPool(target: PostgresTarget, options: PostgresOptions, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: target.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    // A query the server never answers (a dead network path) fails instead of holding its batch forever.
    query_timeout: 30_000,
    keepAlive: true,
    application_name: 'callpulse',
    types,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  pool.on('error', onIdleError);
  return pool;
}

/** SQLSTATE classes that mean the server cannot take this transaction now, whatever it holds. */
const UNAVAILABLE_CLASSES = new Set(['08', '25', '28', '3D', '40', '53', '55', '57', '58', 'XX']);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end|Connection refused|the database system is/i;

/** True when an error means storage is unavailable (503, retry later) rather than a bad item. */
export function isUnavailableError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND...
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/** SQLSTATEs after which the same transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/**
 * Runs `work` in one transaction on one pooled connection and commits; resolves only after COMMIT
 * succeeded. `begin` is the statement that starts it (BEGIN, possibly with the locks the work needs). A deadlock or serialization failure reruns the whole transaction (nothing was answered yet).
 * A connection that failed is destroyed, not returned to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A connection that dies between queries emits 'error' on the client: without a listener the process would crash.
    const onError = (error: Error): void => void (broken = error);
    client.on('error', onError);
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = broken ?? (await rollback(client, error as Error));
      const code = (error as { code?: string }).code;
      if (code !== undefined && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/** Rolls back after `error`; returns the error when the connection itself is unusable (so it is destroyed). */
async function rollback(client: pg.PoolClient, error: Error): Promise<Error | undefined> {
  if (isUnavailableError(error) && !RETRYABLE.has((error as { code?: string }).code ?? '')) return error;
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (rollbackError) {
    return rollbackError as Error;
  }
}
