/**
 * @module
 * The rows both stores read from their alert_states and alert_notifications tables, and their one
 * mapping into the store interface's records (SQLite keeps `firing` as 0/1, PostgreSQL as a boolean).
 */
import type { AlertNotificationRecord, AlertStateRecord } from './call-store.js';
import { isSet, type StoredFlag } from './stored-rows.js';

/** The longest error text kept with a notification. */
export const MAX_ERROR_LENGTH = 500;

/** A row of alert_states. */
export interface AlertStateRow {
  rule: string;
  subject: string;
  firing: StoredFlag;
  since: number;
  evaluated_at: number;
  value: number | null;
  calls: number;
  message: string;
  notified: 'firing' | 'resolved' | null;
  last_firing_notice_at: number | null;
}

/** A row of alert_notifications. */
export interface AlertNotificationRow {
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

/** An alert's state as the store interface gives it. */
export function toAlertState(row: AlertStateRow): AlertStateRecord {
  return {
    rule: row.rule, subject: row.subject, firing: isSet(row.firing), since: row.since, evaluatedAt: row.evaluated_at,
    value: row.value, calls: row.calls, message: row.message, notified: row.notified, lastFiringNoticeAt: row.last_firing_notice_at,
  };
}

/** A queued notification as the store interface gives it. */
export function toAlertNotification(row: AlertNotificationRow): AlertNotificationRecord {
  return {
    id: row.id, rule: row.rule, subject: row.subject, target: row.target, event: row.event, payload: row.payload,
    createdAt: row.created_at, attempts: row.attempts, nextAttemptAt: row.next_attempt_at, sentAt: row.sent_at,
    failedAt: row.failed_at, lastError: row.last_error,
  };
}
