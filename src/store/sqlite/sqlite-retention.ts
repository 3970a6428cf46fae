/**
 * @module
 * Retention in SQLite: one bounded purge of what is older than the cutoffs, in one transaction on the writer
 * thread. Calls go with their repeat deliveries; rollup buckets (and their splits by status and country) go
 * only once they end at or before their cutoff.
 */
import type Database from 'better-sqlite3';
import { levelStart, ROLLUP_LEVELS } from '../../metrics/range-cover.js';
import type { PurgeCounts, RetentionCutoffs } from '../call-store.js';

/** Prepares the statements once and returns the purge: cutoffs and a row budget in, counts out. */
export function createPurger(db: Database.Database): (cutoffs: RetentionCutoffs, limit: number) => PurgeCounts {
  const oldCalls = db.prepare('SELECT id, call_sid FROM calls WHERE created_at < ? ORDER BY created_at LIMIT ?');
  const deleteCall = db.prepare('DELETE FROM calls WHERE id = ?');
  const deleteDeliveries = db.prepare('DELETE FROM deliveries WHERE call_sid = ?');
  const deleteQuarantine = db.prepare('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE received_at < ? ORDER BY received_at LIMIT ?)');
  const deleteNotifications = db.prepare(`DELETE FROM alert_notifications WHERE id IN (SELECT id FROM alert_notifications
      WHERE created_at < ? AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) ORDER BY id LIMIT ?)`);
  // The rollups and their status/country splits (day and month only): the same keys, the same rule.
  const rollupTables = ['rollups', 'rollup_splits'].map((table) => ({
    old: db.prepare(`SELECT bucket, dim FROM ${table} WHERE level = ? AND bucket < ? LIMIT ?`),
    remove: db.prepare(`DELETE FROM ${table} WHERE level = ? AND bucket = ? AND dim = ?`),
  }));

  const purge = db.transaction((cutoffs: RetentionCutoffs, limit: number): PurgeCounts => {
    const counts: PurgeCounts = { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 };
    if (cutoffs.callsBefore !== null) {
      for (const call of oldCalls.all(cutoffs.callsBefore, limit) as Array<{ id: number; call_sid: string }>) {
        counts.deliveries += deleteDeliveries.run(call.call_sid).changes;
        counts.calls += deleteCall.run(call.id).changes;
      }
      counts.quarantine = deleteQuarantine.run(cutoffs.callsBefore, limit).changes;
      counts.notifications = deleteNotifications.run(cutoffs.callsBefore, limit).changes;
    }
    if (cutoffs.rollupsBefore !== null) {
      for (const table of rollupTables) {
        for (const level of ROLLUP_LEVELS) {
          if (counts.rollups >= limit) break;
          // A bucket that starts before the start of the cutoff's own bucket ends at or before the cutoff.
          const before = levelStart(cutoffs.rollupsBefore, level);
          for (const row of table.old.all(level, before, limit - counts.rollups) as Array<{ bucket: number; dim: string }>) {
            counts.rollups += table.remove.run(level, row.bucket, row.dim).changes;
          }
        }
      }
    }
    return counts;
  });
  return (cutoffs, limit) => purge.immediate(cutoffs, limit);
}
