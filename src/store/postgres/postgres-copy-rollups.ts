/**
 * @module
 * The rollup deltas of a copy transaction that spans many pages of calls, summed in memory and written
 * as few times as the memory bound allows. A copy of history brings calls roughly in time order: a
 * quarter, day or month row is then complete once the pages have moved past its end, and is written once,
 * as plain inserts of its histogram values (postgres-rollups.ts), instead of once per page with upserts
 * of the same values again and again. Rows are written when their bucket ends before the earliest call of
 * the latest page, all of them when the held histogram values pass `maxValues`, and the rest at commit; a
 * row written and then added to again (calls out of time order, a stored call made repeated) is simply
 * upserted again. Everything is written in the copy's own transaction, so its rollups commit with its calls.
 */
import type pg from 'pg';
import { distinctValues } from '../../metrics/histogram.js';
import { levelEnd } from '../../metrics/range-cover.js';
import { mergeStats, type RollupCall, type RollupKey, type RollupStats } from '../../metrics/rollups.js';
import { newNumbers } from './postgres-writer.js';
import { rollupParameters, upsertRollups } from './postgres-rollups.js';

/** Rollup deltas held for one copy transaction. */
export class CopyRollups {
  private readonly rows = new Map<string, { key: RollupKey; stats: RollupStats }>();
  private values = 0;
  private readonly knownNumbers = new Set<string>();
  private numbers: Array<[number: string, account: string]> = [];

  /** @param maxValues the most histogram values held before everything is written. */
  constructor(private readonly maxValues: number) {}

  /** Adds a page's deltas, and the (number, project) pairs of its new calls. */
  add(deltas: ReadonlyArray<{ key: RollupKey; stats: RollupStats }>, newCalls: readonly RollupCall[]): void {
    for (const delta of deltas) {
      const { level, bucket, dimension } = delta.key;
      const id = `${level} ${bucket} ${dimension}`;
      const held = this.rows.get(id);
      if (held === undefined) {
        this.rows.set(id, delta);
        this.values += distinctValues(delta.stats.mosHistogram) + distinctValues(delta.stats.durationHistogram);
      } else {
        const before = distinctValues(held.stats.mosHistogram) + distinctValues(held.stats.durationHistogram);
        mergeStats(held.stats, delta.stats);
        this.values += distinctValues(held.stats.mosHistogram) + distinctValues(held.stats.durationHistogram) - before;
      }
    }
    this.numbers.push(...newNumbers(newCalls, this.knownNumbers, this.knownNumbers));
  }

  /** The histogram values held now. */
  get heldValues(): number {
    return this.values;
  }

  /**
   * Writes the rows whose buckets end at or before `watermark` (epoch ms; the earliest call of the page
   * just added), or every row when more than `maxValues` histogram values are held.
   */
  async writeCompleted(client: pg.PoolClient, watermark: number): Promise<void> {
    if (this.values > this.maxValues) return this.writeAll(client);
    const done: Array<{ key: RollupKey; stats: RollupStats }> = [];
    for (const [id, row] of this.rows) {
      if (levelEnd(row.key.bucket, row.key.level) > watermark) continue;
      done.push(row);
      this.rows.delete(id);
      this.values -= distinctValues(row.stats.mosHistogram) + distinctValues(row.stats.durationHistogram);
    }
    if (done.length > 0) await upsertRollups(client, rollupParameters(done, []));
  }

  /** Writes every row held, and the new (number, project) pairs. */
  async writeAll(client: pg.PoolClient): Promise<void> {
    const all = [...this.rows.values()];
    this.rows.clear();
    this.values = 0;
    const numbers = this.numbers;
    this.numbers = [];
    await upsertRollups(client, rollupParameters(all, numbers));
  }
}
