/**
 * @module
 * Alert state and the notification queue in SQLite: the writes (one evaluation's states and notifications
 * in one transaction; delivery attempts), run on the writer thread, and the reads, on the reading connection.
 */
import type Database from 'better-sqlite3';
import type { AlertNotificationRecord, AlertStateRecord, NewAlertNotification, NotificationAttempt } from '../call-store.js';

interface StateRow {
  rule: string;
  subject: string;
  firing: number;
  since: number;
  evaluated_at: number;
  value: number | null;
  calls: number;
  message: string;
  notified: 'firing' | 'resolved' | null;
  last_firing_notice_at: number | null;
}

interface NotificationRow {
  id: number;
  rule: string;
  subject: string;
  target: string;
  event: 'firing' | 'resolved';
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  sent_at: number | null;
  failed_at: number | null;
  last_error: string | null;
}

/** The longest error text kept with a notification. */
const MAX_ERROR_LENGTH = 500;

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
      return (selectStates.all() as StateRow[]).map((row) => ({
        rule: row.rule, subject: row.subject, firing: row.firing === 1, since: row.since, evaluatedAt: row.evaluated_at,
        value: row.value, calls: row.calls, message: row.message, notified: row.notified, lastFiringNoticeAt: row.last_firing_notice_at,
      }));
    },
    listPending(limit: number): AlertNotificationRecord[] {
      return (selectPending.all(limit) as NotificationRow[]).map((row) => ({
        id: row.id, rule: row.rule, subject: row.subject, target: row.target, event: row.event, payload: row.payload,
        createdAt: row.created_at, attempts: row.attempts, nextAttemptAt: row.next_attempt_at, sentAt: row.sent_at,
        failedAt: row.failed_at, lastError: row.last_error,
      }));
    },
  };
}
