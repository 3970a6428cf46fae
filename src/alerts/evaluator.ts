/**
 * @module
 * The alert evaluator: every `alerts.evaluateEverySeconds`, each rule is read for all calls or for each
 * called number (rules.ts), each alert's state is compared with the persisted one, and the changes decide
 * the notifications: `firing` when an alert starts to fire (but at most once per cooldown; a re-fire inside
 * the cooldown is announced when the cooldown ends if it still fires, and never if it resolved by then),
 * `resolved` when an announced alert stops. States and notifications are saved in one transaction, so a
 * restart neither sends again what was queued nor forgets what was not sent (notify.ts delivers the queue).
 */
import type { AlertRule, AlertsConfig } from '../config/alerts.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { SummaryOptions } from '../metrics/summary.js';
import type { AlertStateRecord, CallStore, NewAlertNotification } from '../store/call-store.js';
import { readRule, type RuleReading, type StatsReader } from './rules.js';

const MINUTE = 60_000;

/** One alert after an evaluation, as the API and the CLI show it. */
export interface AlertView {
  rule: string;
  /** The called number, or null for a rule over all calls (or the sum of its numbers). */
  number: string | null;
  firing: boolean;
  /** The reading could not tell (too few calls...): `firing` is the state kept from before. */
  undetermined: boolean;
  value: number | null;
  calls: number;
  message: string;
  /** When the current state began (null from a dry run). */
  since: number | null;
  evaluatedAt: number;
  notified: 'firing' | 'resolved' | null;
}

/** The body of a notification, as queued (notify.ts shapes it for each target). */
export interface AlertPayload {
  status: 'firing' | 'resolved';
  rule: string;
  metric: AlertRule['metric'];
  number: string | null;
  value: number | null;
  threshold: number | null;
  calls: number;
  windowMinutes: number;
  message: string;
  /** When the alert started to fire (firing), or stopped (resolved). ISO 8601. */
  since: string;
  /** The evaluation that decided it. ISO 8601. */
  at: string;
}

/** Hooks the evaluator calls (the Prometheus exporter). */
export interface EvaluatorObserver {
  onAlertsEvaluated?(firingPerRule: ReadonlyMap<string, number>): void;
}

export interface AlertEvaluatorOptions {
  config: AlertsConfig;
  store: CallStore;
  /** The metrics engine (or anything with its `stats`). */
  reader: StatsReader;
  summaryOptions: SummaryOptions;
  logger?: Logger;
  observer?: EvaluatorObserver;
  /** Called after an evaluation queued notifications (the notifier delivers them). */
  onQueued?: () => void;
}

/** Evaluates the alert rules, once or on a timer. */
export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly options: AlertEvaluatorOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** The subjects of a rule: '' (all calls) overall; per number, the rule's numbers or every number with calls. */
  private async subjects(rule: AlertRule): Promise<string[]> {
    if (rule.per === 'overall') return [''];
    if (rule.numbers.length > 0) return [...rule.numbers];
    const numbers = new Set((await this.options.store.listNumbers()).map((pair) => pair.number));
    return [...numbers].sort();
  }

  /** Reads every rule for every subject at `now`, changing nothing (`callpulse alerts check`). */
  async read(now = Date.now()): Promise<Array<{ rule: AlertRule; subject: string; reading: RuleReading }>> {
    const readings: Array<{ rule: AlertRule; subject: string; reading: RuleReading }> = [];
    const context = { reader: this.options.reader, summaryOptions: this.options.summaryOptions, timeZone: this.options.config.timeZone };
    for (const rule of this.options.config.rules) {
      for (const subject of await this.subjects(rule)) readings.push({ rule, subject, reading: await readRule(rule, subject, now, context) });
    }
    return readings;
  }

  /**
   * Evaluates every rule at `now`, saves the states and queues the notifications they call for. Evaluations
   * never overlap, here or (on a store shared by several instances) in another instance: one asked for while
   * another runs starts after it.
   */
  evaluate(now = Date.now()): Promise<AlertView[]> {
    const { store } = this.options;
    // Instances on one database take turns, so the second sees what the first saved and queues nothing twice.
    const run = (): Promise<AlertView[]> => (store.serialized ? store.serialized('alert-evaluation', () => this.evaluateNow(now)) : this.evaluateNow(now));
    const next = this.running.then(run);
    this.running = next.catch(() => undefined);
    return next;
  }

  private async evaluateNow(now: number): Promise<AlertView[]> {
    const { store, config } = this.options;
    const previous = new Map((await store.listAlertStates()).map((state) => [`${state.rule}\n${state.subject}`, state]));
    const states: AlertStateRecord[] = [];
    const notifications: NewAlertNotification[] = [];
    const views: AlertView[] = [];
    const firingPerRule = new Map(config.rules.map((rule) => [rule.name, 0]));
    for (const { rule, subject, reading } of await this.read(now)) {
      const prev = previous.get(`${rule.name}\n${subject}`);
      const state = nextState(rule, subject, reading, prev, now);
      const event = notificationFor(rule, state, reading, prev, now);
      if (event) {
        state.notified = event === 'firing' ? 'firing' : 'resolved';
        if (event === 'firing') state.lastFiringNoticeAt = now;
        const payload: AlertPayload = {
          status: event, rule: rule.name, metric: rule.metric, number: subject === '' ? null : subject, value: reading.value,
          threshold: rule.threshold, calls: reading.calls, windowMinutes: rule.windowMinutes, message: reading.message,
          since: new Date(state.since).toISOString(), at: new Date(now).toISOString(),
        };
        for (const target of rule.targets) {
          notifications.push({ rule: rule.name, subject, target, event, payload: JSON.stringify(payload), createdAt: now });
        }
        this.logger.info({ rule: rule.name, number: payload.number, event, targets: rule.targets }, `alert ${event}: ${reading.message}`);
      }
      if (state.firing) firingPerRule.set(rule.name, (firingPerRule.get(rule.name) ?? 0) + 1);
      states.push(state);
      views.push(viewOf(state, reading.firing === null));
    }
    await store.saveAlertEvaluation(states, notifications);
    this.options.observer?.onAlertsEvaluated?.(firingPerRule);
    if (notifications.length > 0) this.options.onQueued?.();
    return views;
  }

  /** Evaluates every `evaluateEverySeconds` from now on (the first after one interval). */
  start(): void {
    if (this.options.config.rules.length === 0 || this.timer || this.stopped) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.evaluate().then(
        () => this.schedule(),
        (error: unknown) => {
          this.logger.error({ cause: (error as Error).message }, 'alert evaluation failed; trying again at the next interval');
          this.schedule();
        },
      );
    }, this.options.config.evaluateEverySeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer for good; resolves once an evaluation under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

/** The state after a reading: a reading that cannot tell keeps the previous state. */
function nextState(rule: AlertRule, subject: string, reading: RuleReading, prev: AlertStateRecord | undefined, now: number): AlertStateRecord {
  const firing = reading.firing ?? prev?.firing ?? false;
  return {
    rule: rule.name,
    subject,
    firing,
    since: prev && prev.firing === firing ? prev.since : now,
    evaluatedAt: now,
    value: reading.value,
    calls: reading.calls,
    message: reading.message,
    notified: prev?.notified ?? null,
    lastFiringNoticeAt: prev?.lastFiringNoticeAt ?? null,
  };
}

/**
 * The notification a state calls for, if any: firing when the reading fires and firing was not announced yet
 * (unless inside the cooldown), resolved when firing had been announced and the reading no longer fires.
 */
function notificationFor(rule: AlertRule, state: AlertStateRecord, reading: RuleReading, prev: AlertStateRecord | undefined, now: number): 'firing' | 'resolved' | null {
  if (reading.firing === true && state.notified !== 'firing') {
    const last = prev?.lastFiringNoticeAt ?? null;
    return last === null || now - last >= rule.cooldownMinutes * MINUTE ? 'firing' : null;
  }
  if (!state.firing && state.notified === 'firing') return 'resolved';
  return null;
}

function viewOf(state: AlertStateRecord, undetermined: boolean): AlertView {
  return {
    rule: state.rule, number: state.subject === '' ? null : state.subject, firing: state.firing, undetermined, value: state.value,
    calls: state.calls, message: state.message, since: state.since, evaluatedAt: state.evaluatedAt, notified: state.notified,
  };
}
