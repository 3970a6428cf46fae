/**
 * @module
 * Alert state and the notification queue in SQLite: the writes (one evaluation's states and notifications
 * in one transaction; delivery attempts), run on the writer thread, and the reads, on the reading connection.
 */
import type Database from 'better-sqlite3';
import { MAX_ERROR_LENGTH, toAlertNotification, toAlertState, type AlertNotificationRow, type AlertStateRow } from '../alert-rows.js';
import type { AlertNotificationRecord, AlertStateRecord, NewAlertNotification, NotificationAttempt } from '../call-store.js';

/** The writer thread's side: saving evaluations and recording delivery attempts. */
export function createAlertWriter(db: Database.Database) {
  const upsertState = db.prepare(`INSERT INTO alert_states (rule, subject, firing, since, evaluated_at, value, calls, message, notified, last_firing_notice_at)
    VALUES (@rule, @subject, @firing, @since, @evaluatedAt, @value, @calls, @message, @notified, @lastFiringNoticeAt)
    ON CONFLICT (rule, subject) DO UPDATE SET firing = excluded.firing, since = excluded.since, evaluated_at = excluded.evaluated_at,
      value = excluded.value, calls = excluded.calls, message = excluded.message, notified = excluded.notified,
      last_firing_notice_at = excluded.last_firing_notice_at`);
  const insertNotification = db.prepare(`INSERT INTO alert_notifications (rule, subject, target, event, payload, created_at, next_attempt_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const markSent = db.prepare('UPDATE alert_notifications SET attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?');
  const markRetry = db.prepare('UPDATE alert_notifications SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?');
  const markFailed = db.prepare('UPDATE alert_notifications SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?');

  const save = db.transaction((states: readonly AlertStateRecord[], notifications: readonly NewAlertNotification[]) => {
    for (const state of states) upsertState.run({ ...state, firing: state.firing ? 1 : 0 });
    for (const n of notifications) insertNotification.run(n.rule, n.subject, n.target, n.event, n.payload, n.createdAt, n.createdAt);
  });

  return {
    save(states: readonly AlertStateRecord[], notifications: readonly NewAlertNotification[]): void {
      save.immediate(states, notifications);
    },
    recordAttempt(id: number, attempt: NotificationAttempt): void {
      if (attempt.outcome === 'sent') markSent.run(attempt.at, id);
      else if (attempt.outcome === 'retry') markRetry.run(attempt.error.slice(0, MAX_ERROR_LENGTH), attempt.nextAttemptAt, id);
      else markFailed.run(attempt.error.slice(0, MAX_ERROR_LENGTH), attempt.at, id);
    },
  };
}

/** The reading connection's side. */
export function createAlertReader(db: Database.Database) {
  const selectStates = db.prepare('SELECT * FROM alert_states');
  const selectPending = db.prepare('SELECT * FROM alert_notifications WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT ?');
  return {
    listStates(): AlertStateRecord[] {
      return (selectStates.all() as AlertStateRow[]).map(toAlertState);
    },
    listPending(limit: number): AlertNotificationRecord[] {
      return (selectPending.all(limit) as AlertNotificationRow[]).map(toAlertNotification);
    },
  };
}
