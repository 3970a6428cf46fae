/**
 * @module
 * Notification delivery: the queued notifications (saved with the evaluation that decided them) are POSTed
 * as JSON to their target, in callpulse's own form or Slack's incoming-webhook form. A failure (no answer,
 * a 5xx, 408 or 429, a timeout) is retried after a backoff that doubles each time, up to the configured
 * attempts; other 4xx answers are given up at once (sending the same again cannot help). Each attempt is
 * recorded in the store, so a restart carries on where delivery stood. Notifications of one alert and target
 * go out in order: a `resolved` never overtakes its `firing`. Targets' URLs are secrets: only origins are logged.
 */
import { targetOrigin, type AlertsConfig, type AlertTarget, type TargetFormat } from '../config/alerts.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { AlertNotificationRecord, CallStore, NotificationAttempt } from '../store/call-store.js';
import type { AlertPayload } from './evaluator.js';

/** The most notifications read from the queue per delivery pass. */
const PASS_LIMIT = 500;

/** The body sent to a target of `format` for a queued payload. */
export function targetBody(format: TargetFormat, payload: AlertPayload): Record<string, unknown> {
  if (format === 'json') return { source: 'callpulse', ...payload };
  const firing = payload.status === 'firing';
  const title = `${firing ? ':red_circle: FIRING' : ':large_green_circle: RESOLVED'}: ${payload.rule}${payload.number ? ` on ${payload.number}` : ''}`;
  const fields = [
    { title: 'Rule', value: `${payload.rule} (${payload.metric})`, short: true },
    { title: 'Number', value: payload.number ?? 'all calls', short: true },
    { title: firing ? 'Firing since' : 'Resolved at', value: payload.since, short: true },
    { title: 'Calls in the window', value: String(payload.calls), short: true },
  ];
  return { text: `${title}\n${payload.message}`, attachments: [{ color: firing ? '#D55E00' : '#009E73', fallback: `${title}: ${payload.message}`, fields }] };
}

/** Hooks the notifier calls (the Prometheus exporter). */
export interface NotifierObserver {
  onNotificationAttempt?(result: 'sent' | 'retry' | 'failed'): void;
}

export interface NotifierOptions {
  config: AlertsConfig;
  store: CallStore;
  logger?: Logger;
  observer?: NotifierObserver;
}

/** Why one attempt failed, and whether trying again can help. */
interface Failure {
  error: string;
  retry: boolean;
}

/** Delivers the notification queue. */
export class Notifier {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private started = false;
  private stopped = false;
  /** Delivery passes never overlap: each waits for the one before. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(private readonly options: NotifierOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Starts delivering: what is due now (left from before a restart, say), then each notification when due. */
  start(): void {
    this.started = true;
    this.wake();
  }

  /** Runs a delivery pass soon (an evaluation queued notifications); nothing before start(). */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pass = this.deliverDue().then(
      (nextDue) => this.afterPass(nextDue),
      (error: unknown) => {
        this.logger.error({ cause: (error as Error).message }, 'alert notification delivery failed; trying again in a minute');
        this.afterPass(Date.now() + 60_000);
      },
    );
  }

  private afterPass(nextDue: number | null): void {
    this.pass = null;
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      this.wake();
      return;
    }
    if (nextDue === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, Math.max(0, nextDue - Date.now()));
    this.timer.unref();
  }

  /**
   * Sends every queued notification that is due, in order; resolves with when the next one falls due
   * (null when nothing waits). A pass asked for while another runs starts after it.
   */
  deliverDue(): Promise<number | null> {
    const { store } = this.options;
    // Instances on one database take turns, so a notification one has sent is not sent again by another.
    const run = (): Promise<number | null> => (store.serialized ? store.serialized('alert-delivery', () => this.deliverPass()) : this.deliverPass());
    const next = this.chain.then(run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async deliverPass(): Promise<number | null> {
    const { store, config } = this.options;
    const pending = await store.listPendingNotifications(PASS_LIMIT);
    const held = new Set<string>(); // alerts and targets with an earlier notification still undelivered
    let nextDue: number | null = pending.length === PASS_LIMIT ? Date.now() : null;
    const due = (at: number): void => {
      nextDue = nextDue === null ? at : Math.min(nextDue, at);
    };
    for (const notification of pending) {
      if (this.stopped) break;
      const key = `${notification.rule}\n${notification.subject}\n${notification.target}`;
      if (held.has(key)) continue;
      if (notification.nextAttemptAt > Date.now()) {
        held.add(key);
        due(notification.nextAttemptAt);
        continue;
      }
      const target = config.targets.find((t) => t.name === notification.target);
      const failure = target ? await this.send(target, notification) : { error: `target "${notification.target}" is no longer configured`, retry: false };
      if (failure === 'stopped') break;
      const attempt = this.attemptAfter(notification, failure);
      await store.recordNotificationAttempt(notification.id, attempt);
      this.options.observer?.onNotificationAttempt?.(attempt.outcome);
      this.log(notification, target, attempt);
      // Given up ('failed'): what follows for this alert and target may still go out.
      if (attempt.outcome === 'retry') {
        held.add(key);
        due(attempt.nextAttemptAt);
      }
    }
    return nextDue;
  }

  private attemptAfter(notification: AlertNotificationRecord, failure: Failure | null): NotificationAttempt {
    const at = Date.now();
    if (failure === null) return { outcome: 'sent', at };
    const { attempts, backoffSeconds, maxBackoffSeconds } = this.options.config.delivery;
    const made = notification.attempts + 1;
    if (!failure.retry || made >= attempts) return { outcome: 'failed', at, error: failure.error };
    const wait = Math.min(maxBackoffSeconds, backoffSeconds * 2 ** (made - 1)) * 1000;
    return { outcome: 'retry', at, error: failure.error, nextAttemptAt: at + wait };
  }

  /** One POST; null when the target took it (2xx), the failure otherwise, 'stopped' when shutdown cut it. */
  private async send(target: AlertTarget, notification: AlertNotificationRecord): Promise<Failure | null | 'stopped'> {
    const body = JSON.stringify(targetBody(target.format, JSON.parse(notification.payload) as AlertPayload));
    const timeout = AbortSignal.timeout(this.options.config.delivery.timeoutSeconds * 1000);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'callpulse', ...target.headers },
        body,
        signal: AbortSignal.any([timeout, this.abort.signal]),
        redirect: 'error',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return null;
      const retry = response.status >= 500 || response.status === 408 || response.status === 429;
      return { error: `the target answered HTTP ${response.status}`, retry };
    } catch (error) {
      if (this.abort.signal.aborted) return 'stopped';
      if (timeout.aborted) return { error: `no answer within ${this.options.config.delivery.timeoutSeconds} s`, retry: true };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { error: `the request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, retry: true };
    }
  }

  private log(notification: AlertNotificationRecord, target: AlertTarget | undefined, attempt: NotificationAttempt): void {
    const details = { rule: notification.rule, number: notification.subject || null, event: notification.event, target: notification.target, origin: target ? targetOrigin(target) : null };
    if (attempt.outcome === 'sent') this.logger.info(details, 'alert notification sent');
    else if (attempt.outcome === 'retry') this.logger.warn({ ...details, error: attempt.error, retryAt: new Date(attempt.nextAttemptAt).toISOString() }, 'alert notification not delivered; will retry');
    else this.logger.error({ ...details, error: attempt.error }, 'alert notification given up');
  }

  /**
   * Stops delivering. A POST under way gets `graceMs` to finish; then it is cut, left unrecorded, and sent
   * again after the next start (the target may then see it twice).
   */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pass = this.pass;
    if (!pass) return;
    const cut = setTimeout(() => this.abort.abort(), graceMs);
    await pass;
    clearTimeout(cut);
  }
}
