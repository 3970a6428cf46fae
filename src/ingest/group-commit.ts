/**
 * @module
 * Group commit: callbacks that arrive together are written in one transaction, and each is answered
 * only after that transaction has committed. A batch closes when the event loop has read what has
 * arrived (setImmediate) or when it reaches `maxBatch`. Up to `maxInFlight` batches may be on their way
 * to the store at once (a store with a writer thread commits them in order, and never waits for the next).
 */
import { isStorageUnavailable } from '../domain/errors.js';

/** Writes a batch durably and returns one result per item, in order; throws when nothing was committed. */
export type BatchWriter<Item, Result> = (items: readonly Item[]) => Promise<Result[]>;

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/** Observations of each commit, for metrics and logs. */
export interface CommitObserver {
  onCommit?(batchSize: number, durationMs: number): void;
  onCommitError?(error: unknown, batchSize: number): void;
}

/** Batches submitted items into transactions; `submit` resolves after the item's batch committed. */
export class GroupCommitter<Item, Result> {
  private queue: Array<Pending<Item, Result>> = [];
  private scheduled = false;
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: BatchWriter<Item, Result>,
    private readonly maxBatch: number,
    private readonly observer: CommitObserver = {},
    private readonly maxInFlight = 1,
  ) {}

  /** Queues one item; resolves with its result once committed, rejects if its write failed. */
  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Number of items waiting or being written. */
  get inFlight(): number {
    return this.queue.length + this.active;
  }

  /** Resolves when every submitted item has been written (or failed). */
  async drain(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.active >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.active < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.active += 1;
      void this.commit(batch).finally(() => {
        this.active -= 1;
        this.schedule();
        if (this.active === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async commit(batch: Array<Pending<Item, Result>>): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.write(batch.map((pending) => pending.item));
      this.observer.onCommit?.(batch.length, performance.now() - started);
      batch.forEach((pending, i) => pending.resolve(results[i]!));
    } catch (error) {
      this.observer.onCommitError?.(error, batch.length);
      if (batch.length === 1 || isStorageUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // One bad item must not cost the others their acknowledgement: write each alone.
      for (const pending of batch) await this.commit([pending]);
    }
  }
}
