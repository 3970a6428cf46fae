/**
 * @module
 * Retention in PostgreSQL, as in SQLite (sqlite-retention.ts): one bounded purge of what is older than the
 * cutoffs, in one transaction. Calls go with their repeat deliveries (oldest first, at most `limit`);
 * quarantine entries and finished notifications likewise; rollup buckets (with their status and country
 * splits, which share the table here) go only once they end at or before their cutoff, at most `limit`
 * rollup rows in all. The store counts the uncounted calls into the rollups first
 * (postgres-rollup-catch-up.ts); a call deleted before it was counted is dropped from the list by the
 * next catch-up.
 */
import type pg from 'pg';
import { levelStart, ROLLUP_LEVELS } from '../../metrics/range-cover.js';
import type { PurgeCounts, RetentionCutoffs } from '../call-store.js';
import { inTransaction } from './postgres-connection.js';

const DELETE_CALLS = `DELETE FROM calls WHERE id IN (
  SELECT id FROM calls WHERE created_at < $1 ORDER BY created_at, id LIMIT $2) RETURNING call_sid`;
const DELETE_DELIVERIES = 'DELETE FROM deliveries WHERE call_sid = ANY($1::text[])';
const DELETE_QUARANTINE = `DELETE FROM quarantine WHERE id IN (
  SELECT id FROM quarantine WHERE received_at < $1 ORDER BY received_at LIMIT $2)`;
const DELETE_NOTIFICATIONS = `DELETE FROM alert_notifications WHERE id IN (
  SELECT id FROM alert_notifications WHERE created_at < $1 AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) ORDER BY id LIMIT $2)`;
// A bucket that starts before the start of the cutoff's own bucket ends at or before the cutoff.
const DELETE_ROLLUPS = `WITH gone AS (
    DELETE FROM rollups WHERE (level, dim, bucket) IN (
      SELECT level, dim, bucket FROM rollups WHERE level = $1 AND bucket < $2 LIMIT $3)
    RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;

/** Deletes, in one transaction, at most about `limit` rows of each kind older than the cutoffs; says how many went. */
export async function purgeBefore(pool: pg.Pool, cutoffs: RetentionCutoffs, limit: number): Promise<PurgeCounts> {
  return inTransaction(pool, async (client) => {
    const counts: PurgeCounts = { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 };
    if (cutoffs.callsBefore !== null) {
      const calls = await client.query<{ call_sid: string }>(DELETE_CALLS, [cutoffs.callsBefore, limit]);
      counts.calls = calls.rowCount ?? 0;
      if (calls.rows.length > 0) {
        const deliveries = await client.query(DELETE_DELIVERIES, [calls.rows.map((row) => row.call_sid)]);
        counts.deliveries = deliveries.rowCount ?? 0;
      }
      counts.quarantine = (await client.query(DELETE_QUARANTINE, [cutoffs.callsBefore, limit])).rowCount ?? 0;
      counts.notifications = (await client.query(DELETE_NOTIFICATIONS, [cutoffs.callsBefore, limit])).rowCount ?? 0;
    }
    if (cutoffs.rollupsBefore !== null) {
      for (const level of ROLLUP_LEVELS) {
        if (counts.rollups >= limit) break;
        const { rows } = await client.query<{ n: number }>(DELETE_ROLLUPS, [level, levelStart(cutoffs.rollupsBefore, level), limit - counts.rollups]);
        counts.rollups += rows[0]!.n;
      }
    }
    return counts;
  });
}
