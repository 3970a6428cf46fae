/**
 * @module
 * Jobs that several callpulse instances on one PostgreSQL database must take turns at: evaluating alerts
 * (two instances reading the same states at once would each queue the same notification) and delivering
 * them (each would send it). A job holds a session-level advisory lock, one per job name and schema, on a
 * connection of its own for as long as it runs; another instance's same job waits for it (or, for a job
 * that may simply be skipped, such as counting the rollups, is skipped). A crash ends the session and frees
 * the lock.
 */
import type pg from 'pg';

/** The first key of the job locks (the second is a hash of the schema and the job's name). */
const JOB_LOCK_SPACE = 0x63_70_6a; // "cpj"
const KEY = "hashtext(current_schema() || '/job/' || $2)";

/** Runs `work` holding the lock of `job`, waiting for any other instance that holds it. */
export async function runSerialized<T>(pool: pg.Pool, job: string, work: () => Promise<T>): Promise<T> {
  return (await withJobLock(pool, job, 'wait', () => work())) as T;
}

/**
 * Runs `work` holding the lock of `job`, on the connection that holds it, unless another instance holds it
 * now: then resolves with null at once, without running it.
 */
export async function runIfFree<T>(pool: pg.Pool, job: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T | null> {
  return withJobLock(pool, job, 'try', work);
}

/** Takes the lock of `job` (waiting for it, or trying once), runs `work` on the connection that holds it, and frees it. */
async function withJobLock<T>(pool: pg.Pool, job: string, take: 'wait' | 'try', work: (client: pg.PoolClient) => Promise<T>): Promise<T | null> {
  const client = await pool.connect();
  let broken = false;
  // A connection that dies while the job runs emits 'error' on the client: without a listener the process would crash.
  const onError = (): void => void (broken = true);
  client.on('error', onError);
  try {
    const lock = take === 'wait' ? 'pg_advisory_lock' : 'pg_try_advisory_lock';
    const { rows } = await client.query<{ locked: boolean | string }>(`SELECT ${lock}($1, ${KEY}) AS locked`, [JOB_LOCK_SPACE, job]);
    if (take === 'try' && rows[0]!.locked !== true) return null;
    try {
      return await work(client);
    } finally {
      await client.query(`SELECT pg_advisory_unlock($1, ${KEY})`, [JOB_LOCK_SPACE, job]).catch(() => {
        broken = true; // the connection is closed with the lock, which the server then frees
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
