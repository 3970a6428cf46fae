/**
 * @module
 * The Prometheus exporter (prom-client, its own registry): callbacks by result and reason, calls by status
 * and called number, MOS and duration histograms (MOS buckets at the quality band edges), ingest latency,
 * commit batch sizes and times, storage errors, alert states and notification deliveries, and the default
 * process metrics. An ingest observer: it counts what ingest tells it. The `number` label is bounded: the
 * busiest numbers (seeded at start) and then the first seen get their own label, up to `topNumbers`;
 * every other number is counted as `other`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MOS_BAND_EDGES, mosToHundredths } from '../domain/mos.js';
import type { IngestObserver, OutcomeDetail } from '../ingest/ingest.js';
import type { WriteOutcome } from '../store/call-store.js';

/** The label value of the numbers beyond the top N. */
export const OTHER_NUMBER = 'other';

/** Why a callback was rejected, as the `reason` label says it, by error code. */
export const REJECTION_REASONS: Record<string, string> = {
  CP_ERR_SIGNATURE_INVALID: 'signature',
  CP_ERR_PROJECT_UNKNOWN: 'signature',
  CP_ERR_PAYLOAD_INVALID: 'schema',
  CP_ERR_BODY_UNPARSEABLE: 'body',
  CP_ERR_BODY_TOO_LARGE: 'size',
  CP_ERR_CONTENT_TYPE: 'type',
  CP_ERR_STORAGE_UNAVAILABLE: 'storage',
  CP_ERR_SHUTTING_DOWN: 'shutdown',
};

/**
 * The MOS histogram's buckets: the upper end of each quality band in hundredths (MOS is exact to 0.01, so
 * `le="3.09"` counts the bad band, below 3.10), the poor-quality threshold's, and 5.
 */
export function mosBuckets(poorQualityBelow: number): number[] {
  const edges = [...Object.values(MOS_BAND_EDGES), poorQualityBelow].map((edge) => (mosToHundredths(edge) - 1) / 100);
  return [...new Set([...edges, 5])].sort((a, b) => a - b);
}

/** The duration histogram's buckets, in seconds (those of the dashboard's distribution, and the short-call edge). */
export function durationBuckets(shortCallSeconds: number): number[] {
  return [...new Set([shortCallSeconds, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600].filter((s) => s > 0))].sort((a, b) => a - b);
}

/** Options of the exporter. */
export interface PrometheusOptions {
  topNumbers: number;
  /** The alert rules' names: each gets its `callpulse_alerts_firing` series at 0 from the start. */
  alertRules?: readonly string[];
  poorQualityBelow: number;
  shortCallSeconds: number;
}

/** Exports callpulse's metrics in the Prometheus text format. */
export class PrometheusExporter implements IngestObserver {
  readonly registry = new Registry();
  private readonly labelled = new Set<string>();
  private readonly callbacks: Counter<'result' | 'reason'>;
  private readonly calls: Counter<'status' | 'number'>;
  private readonly mos: Histogram<'number'>;
  private readonly duration: Histogram<'number'>;
  private readonly ingestLatency: Histogram;
  private readonly batchSize: Histogram;
  private readonly commitDuration: Histogram;
  private readonly storageErrors: Counter;
  private readonly alertsFiring: Gauge<'rule'>;
  private readonly notifications: Counter<'result'>;

  constructor(private readonly options: PrometheusOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.callbacks = new Counter({
      name: 'callpulse_callbacks_total', help: 'Callbacks answered, by result (accepted, duplicate, rejected) and, for rejections, reason.',
      labelNames: ['result', 'reason'], registers,
    });
    this.calls = new Counter({
      name: 'callpulse_calls_total', help: `Calls stored, by final status and called number (beyond the top ${options.topNumbers} numbers: "${OTHER_NUMBER}").`,
      labelNames: ['status', 'number'], registers,
    });
    this.mos = new Histogram({
      name: 'callpulse_call_mos', help: 'Audio MOS of stored calls with a score; buckets end at the quality band edges (le="3.09": bad, below 3.10).',
      labelNames: ['number'], buckets: mosBuckets(options.poorQualityBelow), registers,
    });
    this.duration = new Histogram({
      name: 'callpulse_call_duration_seconds', help: 'Duration of stored completed calls.',
      labelNames: ['number'], buckets: durationBuckets(options.shortCallSeconds), registers,
    });
    this.ingestLatency = new Histogram({
      name: 'callpulse_ingest_duration_seconds', help: 'From a callback read to its answer ready, commit included.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers,
    });
    this.batchSize = new Histogram({
      name: 'callpulse_commit_batch_size', help: 'Callbacks written per committed transaction (group commit).',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000], registers,
    });
    this.commitDuration = new Histogram({
      name: 'callpulse_commit_duration_seconds', help: 'Time to commit one batch, fsync included.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
    });
    this.storageErrors = new Counter({ name: 'callpulse_storage_errors_total', help: 'Batches storage failed to commit.', registers });
    this.alertsFiring = new Gauge({ name: 'callpulse_alerts_firing', help: 'Alerts firing now, per rule (one per number for per-number rules).', labelNames: ['rule'], registers });
    this.notifications = new Counter({
      name: 'callpulse_alert_notifications_total', help: 'Alert notification delivery attempts, by result (sent, retry, failed).',
      labelNames: ['result'], registers,
    });
    // Every series exists from the start, at 0, so rates and alerts on them never see "no data".
    for (const result of ['accepted', 'duplicate']) this.callbacks.inc({ result }, 0);
    for (const reason of new Set(Object.values(REJECTION_REASONS))) this.callbacks.inc({ result: 'rejected', reason }, 0);
    for (const result of ['sent', 'retry', 'failed']) this.notifications.inc({ result }, 0);
    for (const rule of options.alertRules ?? []) this.alertsFiring.set({ rule }, 0);
  }

  /** Gives the busiest numbers (busiest first) their own label before traffic starts. */
  seedNumbers(numbers: readonly string[]): void {
    for (const number of numbers) this.numberLabel(number);
  }

  /** The `number` label of a called number: its own among the top N, else `other`. */
  numberLabel(number: string): string {
    if (this.labelled.has(number)) return number;
    if (this.labelled.size < this.options.topNumbers) {
      this.labelled.add(number);
      return number;
    }
    return OTHER_NUMBER;
  }

  onOutcome(outcome: WriteOutcome | 'rejected', detail: OutcomeDetail): void {
    if (detail.durationMs !== undefined) this.ingestLatency.observe(detail.durationMs / 1000);
    if (outcome === 'accepted' || outcome === 'duplicate') this.callbacks.inc({ result: outcome });
    else if (outcome === 'quarantined') this.callbacks.inc({ result: 'rejected', reason: 'schema' });
    else this.callbacks.inc({ result: 'rejected', reason: REJECTION_REASONS[detail.code ?? ''] ?? 'other' });
    if (outcome !== 'accepted' || detail.item?.kind !== 'call') return;
    const event = detail.item.event;
    const number = this.numberLabel(event.to);
    this.calls.inc({ status: event.status, number });
    if (event.mos !== null) this.mos.observe({ number }, mosToHundredths(event.mos) / 100);
    if (event.status === 'completed' && event.durationSeconds !== null) this.duration.observe({ number }, event.durationSeconds);
  }

  onCommit(batchSize: number, durationMs: number): void {
    this.batchSize.observe(batchSize);
    this.commitDuration.observe(durationMs / 1000);
  }

  onCommitError(): void {
    this.storageErrors.inc();
  }

  /** Alert hook: how many alerts of each rule fire after an evaluation (every configured rule, 0 included). */
  onAlertsEvaluated(firingPerRule: ReadonlyMap<string, number>): void {
    for (const [rule, firing] of firingPerRule) this.alertsFiring.set({ rule }, firing);
  }

  /** Alert hook: one notification delivery attempt. */
  onNotificationAttempt(result: 'sent' | 'retry' | 'failed'): void {
    this.notifications.inc({ result });
  }

  /** The text exposition. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of the text exposition. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
