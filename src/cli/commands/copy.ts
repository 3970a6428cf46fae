/**
 * @module
 * `callpulse copy --from SOURCE --to TARGET`: copy every call (with its repeat deliveries) and quarantine
 * entry from one database into another, typically a SQLite file into PostgreSQL. Batched, one transaction
 * per batch (into PostgreSQL, read and sent in pages, with the batch's rollups written once); idempotent
 * (calls already in the target are skipped, so its rollups stay exact).
 */
import { copyStore } from '../../store/copy-store.js';
import { createStore } from '../../store/index.js';
import { UsageError, type Command } from '../command.js';

/** Reads a whole number option within bounds, or the fallback. */
function wholeNumber(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${String(value)}"`);
  return n;
}

/** Calls per transaction unless --batch says otherwise: large enough that most rollup rows are written once per batch. */
const DEFAULT_BATCH = 50_000;

export const copyCommand: Command = {
  name: 'copy',
  summary: 'copy all calls and quarantine from one database into another (e.g. SQLite into PostgreSQL)',
  usage: `Usage: callpulse copy --from SOURCE --to TARGET [--batch N] [--json]

Copies every stored call with its repeat deliveries, and every quarantine entry, from SOURCE into TARGET.
Each is a SQLite file path or a postgres:// URL; typically --from ./data/callpulse.db --to postgres://...
The target's schema is created if needed. Calls whose CallSid the target already holds are skipped (with
their repeats), as are quarantine entries it already holds, so the copy can be run again, or resumed
after an interruption, without counting anything twice; the target's metrics are updated for exactly the
calls copied. Stop the receivers writing to SOURCE first, or copy again afterwards to pick up the rest.
Into PostgreSQL, each batch is one transaction of pages of up to 10,000 calls whose metrics are written
once for the whole batch: larger batches copy faster. Until a batch commits, callbacks of the same days
(within a day of its calls) wait for it: copy with a smaller --batch into a database receiving them.

Options:
  --from SOURCE   the database to copy from (a SQLite file must exist)
  --to TARGET     the database to copy into
  --batch N       calls per transaction (default 50000)
  --json          print the report as JSON`,
  options: { from: { type: 'string' }, to: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    const from = values.from as string | undefined;
    const to = values.to as string | undefined;
    if (from === undefined || to === undefined) throw new UsageError('copy needs both --from SOURCE and --to TARGET');
    if (from === to) throw new UsageError('--from and --to name the same database');
    const batchSize = wholeNumber('batch', values.batch, DEFAULT_BATCH, 1_000_000);
    const source = await createStore(from, { mustExist: true });
    try {
      const target = await createStore(to);
      try {
        const report = await copyStore(source, target, { batchSize });
        if (values.json) {
          process.stdout.write(JSON.stringify({ from: source.label, to: target.label, ...report }) + '\n');
        } else {
          process.stdout.write(
            `Copied ${source.label} into ${target.label} in ${report.seconds.toFixed(1)} s (${report.batches} batch(es)):\n` +
              `  calls:             ${report.calls} copied, ${report.callsPresent} already there (skipped)\n` +
              `  repeat deliveries: ${report.repeats} copied with their calls\n` +
              `  quarantine:        ${report.quarantine} copied, ${report.quarantinePresent} already there (skipped)\n` +
              `  metrics:           rollups updated for the ${report.calls} copied call(s)\n`,
          );
        }
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
    return 0;
  },
};
