/**
 * @module
 * Jobs that several callpulse instances on one PostgreSQL database must take turns at: evaluating alerts
 * (two instances reading the same states at once would each queue the same notification) and delivering
 * them (each would send it). A job holds a session-level advisory lock, one per job name and schema, on a
 * connection of its own for as long as it runs; another instance's same job waits for it. A crash ends the
 * session and frees the lock.
 */
import type pg from 'pg';

/** The first key of the job locks (the second is a hash of the schema and the job's name). */
const JOB_LOCK_SPACE = 0x63_70_6a; // "cpj"
const KEY = "hashtext(current_schema() || '/job/' || $2)";

/** Runs `work` holding the lock of `job`, waiting for any other instance that holds it. */
export async function runSerialized<T>(pool: pg.Pool, job: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`SELECT pg_advisory_lock($1, ${KEY})`, [JOB_LOCK_SPACE, job]);
    try {
      return await work();
    } finally {
      await client.query(`SELECT pg_advisory_unlock($1, ${KEY})`, [JOB_LOCK_SPACE, job]).catch(() => {
        broken = true; // the connection is closed with the lock, which the server then frees
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}
