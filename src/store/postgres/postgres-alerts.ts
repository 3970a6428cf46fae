/**
 * @module
 * Alert state and the notification queue in PostgreSQL, as in SQLite (sqlite-alerts.ts): one evaluation's
 * states and notifications saved in one transaction, delivery attempts recorded one by one, the states and
 * the pending notifications read back.
 */
import type pg from 'pg';
import { MAX_ERROR_LENGTH, toAlertNotification, toAlertState, type AlertNotificationRow, type AlertStateRow } from '../alert-rows.js';
import type { AlertNotificationRecord, AlertStateRecord, NewAlertNotification, NotificationAttempt } from '../call-store.js';
import { columnArrays, type ArrayElement } from './postgres-arrays.js';
import { inTransaction } from './postgres-connection.js';
import { pgText } from './postgres-text.js';

const UPSERT_STATES = `INSERT INTO alert_states (rule, subject, firing, since, evaluated_at, value, calls, message, notified, last_firing_notice_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::bigint[], $5::bigint[], $6::double precision[], $7::bigint[],
    $8::text[], $9::text[], $10::bigint[])
  ON CONFLICT (rule, subject) DO UPDATE SET firing = excluded.firing, since = excluded.since, evaluated_at = excluded.evaluated_at,
    value = excluded.value, calls = excluded.calls, message = excluded.message, notified = excluded.notified,
    last_firing_notice_at = excluded.last_firing_notice_at`;

// WITH ORDINALITY keeps the queue in the order the evaluation gave: ids are handed out in that order.
const INSERT_NOTIFICATIONS = `INSERT INTO alert_notifications (rule, subject, target, event, payload, created_at, next_attempt_at)
  SELECT rule, subject, target, event, payload, created_at, created_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
    WITH ORDINALITY AS n (rule, subject, target, event, payload, created_at, position)
  ORDER BY position`;

const MARK_SENT = 'UPDATE alert_notifications SET attempts = attempts + 1, sent_at = $1, last_error = NULL WHERE id = $2';
const MARK_RETRY = 'UPDATE alert_notifications SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3';
const MARK_FAILED = 'UPDATE alert_notifications SET attempts = attempts + 1, last_error = $1, failed_at = $2 WHERE id = $3';

/**
 * The states as rows, one per (rule, subject) (the last one wins, as SQLite's row-by-row upsert would
 * give; one statement may not update a row twice), sorted by key so concurrent saves lock in one order.
 */
function stateRows(states: readonly AlertStateRecord[]): ArrayElement[][] {
  const byKey = new Map<string, AlertStateRecord>();
  for (const state of states) byKey.set(`${pgText(state.rule)}\n${pgText(state.subject)}`, state);
  return [...byKey]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => [
      pgText(s.rule), pgText(s.subject), s.firing, s.since, s.evaluatedAt, s.value, s.calls, pgText(s.message), s.notified, s.lastFiringNoticeAt,
    ]);
}

/** Saves one evaluation: its states and the notifications it decided, in one transaction. */
export async function saveAlertEvaluation(pool: pg.Pool, states: readonly AlertStateRecord[], notifications: readonly NewAlertNotification[]): Promise<void> {
  if (states.length === 0 && notifications.length === 0) return;
  const stateColumns = columnArrays(stateRows(states), 10);
  const notificationColumns = columnArrays(
    notifications.map((n) => [pgText(n.rule), pgText(n.subject), pgText(n.target), n.event, pgText(n.payload), n.createdAt]),
    6,
  );
  await inTransaction(pool, async (client) => {
    if (states.length > 0) await client.query({ name: 'cp_upsert_alert_states', text: UPSERT_STATES, values: stateColumns });
    if (notifications.length > 0) await client.query({ name: 'cp_insert_notifications', text: INSERT_NOTIFICATIONS, values: notificationColumns });
  });
}

/** Records one delivery attempt of notification `id`. */
export async function recordNotificationAttempt(pool: pg.Pool, id: number, attempt: NotificationAttempt): Promise<void> {
  if (attempt.outcome === 'sent') await pool.query(MARK_SENT, [attempt.at, id]);
  else if (attempt.outcome === 'retry') await pool.query(MARK_RETRY, [pgText(attempt.error.slice(0, MAX_ERROR_LENGTH)), attempt.nextAttemptAt, id]);
  else await pool.query(MARK_FAILED, [pgText(attempt.error.slice(0, MAX_ERROR_LENGTH)), attempt.at, id]);
}

/** Every alert's persisted state. */
export async function listAlertStates(pool: pg.Pool): Promise<AlertStateRecord[]> {
  const { rows } = await pool.query<AlertStateRow>('SELECT * FROM alert_states');
  return rows.map(toAlertState);
}

/** The notifications neither sent nor given up, in the order they were queued, at most `limit`. */
export async function listPendingNotifications(pool: pg.Pool, limit: number): Promise<AlertNotificationRecord[]> {
  const { rows } = await pool.query<AlertNotificationRow>(
    'SELECT * FROM alert_notifications WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT $1',
    [limit],
  );
  return rows.map(toAlertNotification);
}
