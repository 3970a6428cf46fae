/**
 * @module
 * Retention: deletes calls (with their repeat deliveries), quarantine entries and delivered notifications
 * older than `retention.callsDays`, and rollups older than `retention.rollupsDays`, in small transactions so
 * ingest never waits long; once at start and then every `retention.runEveryMinutes`. Depends on the store
 * interface only.
 */
import type { RetentionConfig } from '../config/data-policy.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { CallStore, PurgeCounts, RetentionCutoffs } from '../store/call-store.js';

const DAY = 24 * 60 * 60_000;

/** The rows one purge transaction deletes at most. */
export const PURGE_CHUNK = 5000;

/** The cutoffs of a retention policy at `now`: what is older goes (null: kept forever). */
export function retentionCutoffs(config: RetentionConfig, now: number): RetentionCutoffs {
  return {
    callsBefore: config.callsDays === 0 ? null : now - config.callsDays * DAY,
    rollupsBefore: config.rollupsDays === 0 ? null : now - config.rollupsDays * DAY,
  };
}

/** True when the policy deletes anything at all. */
export function retentionEnabled(config: RetentionConfig): boolean {
  return config.callsDays !== 0 || config.rollupsDays !== 0;
}

/** Applies the policy once at `now`, chunk by chunk until nothing is left to delete; `shouldStop` ends it between chunks. */
export async function applyRetention(store: CallStore, config: RetentionConfig, now = Date.now(), shouldStop: () => boolean = () => false): Promise<PurgeCounts> {
  const cutoffs = retentionCutoffs(config, now);
  const total: PurgeCounts = { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 };
  if (!retentionEnabled(config)) return total;
  for (;;) {
    const counts = await store.purgeBefore(cutoffs, PURGE_CHUNK);
    let deleted = 0;
    for (const key of Object.keys(total) as Array<keyof PurgeCounts>) {
      total[key] += counts[key];
      deleted += counts[key];
    }
    if (deleted === 0 || shouldStop()) return total;
  }
}

/** Runs the policy at start and then on a timer, inside the server. */
export class RetentionRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly store: CallStore, private readonly config: RetentionConfig, logger?: Logger) {
    this.logger = logger ?? silentLogger;
  }

  /** Schedules the first run right away and the next ones every `runEveryMinutes`. */
  start(): void {
    if (retentionEnabled(this.config)) this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = applyRetention(this.store, this.config, Date.now(), () => this.stopped).then(
        (counts) => {
          const deleted = Object.values(counts).reduce((sum, n) => sum + n, 0);
          if (deleted > 0) this.logger.info({ ...counts }, 'retention: old data deleted');
          this.schedule(this.config.runEveryMinutes * 60_000);
        },
        (error: unknown) => {
          this.logger.error({ cause: (error as Error).message }, 'retention failed; trying again at the next run');
          this.schedule(this.config.runEveryMinutes * 60_000);
        },
      );
    }, delay);
    this.timer.unref();
  }

  /** Stops after the transaction under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
