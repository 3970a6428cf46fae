/**
 * @module
 * `callpulse retention`: applies the configured retention once (the server also does it on its own every
 * `retention.runEveryMinutes`): deletes calls, their repeat deliveries, quarantine entries and delivered
 * notifications older than `retention.callsDays`, and rollups older than `retention.rollupsDays`.
 */
import { loadConfig } from '../../config/load.js';
import { applyRetention, retentionCutoffs, retentionEnabled } from '../../maintenance/retention.js';
import { createStore } from '../../store/index.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, UsageError, type Command } from '../command.js';

export const retentionCommand: Command = {
  name: 'retention',
  summary: 'delete the data older than the configured retention, once',
  usage: `Usage: callpulse retention [--format text|json] [--db PATH] [--config FILE]

Deletes what the configuration's retention section says is past its time, and prints how much went:
calls older than retention.callsDays (with their repeat deliveries), quarantine entries and delivered
alert notifications as old, and rollups older than retention.rollupsDays. Without a retention section
nothing is deleted. The server does the same by itself every retention.runEveryMinutes.

Options:
  --format FORMAT    text (default) or json
${DATA_OPTIONS_HELP}`,
  options: { ...DATA_OPTIONS, format: { type: 'string' } },
  async run(values) {
    const format = (values.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
    const config = loadConfig({ config: values.config as string | undefined, db: values.db as string | undefined });
    const now = Date.now();
    const cutoffs = retentionCutoffs(config.retention, now);
    const store = await createStore(config.database);
    try {
      const deleted = await applyRetention(store, config.retention, now);
      const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
      if (format === 'json') {
        process.stdout.write(JSON.stringify({ callsBefore: iso(cutoffs.callsBefore), rollupsBefore: iso(cutoffs.rollupsBefore), deleted }, null, 2) + '\n');
      } else if (!retentionEnabled(config.retention)) {
        process.stdout.write('No retention is configured (retention.callsDays and retention.rollupsDays are 0): nothing was deleted.\n');
      } else {
        process.stdout.write(
          `Deleted ${deleted.calls} call(s) from before ${iso(cutoffs.callsBefore) ?? '(kept forever)'} with ${deleted.deliveries} repeat deliveries, ` +
            `${deleted.quarantine} quarantine entries and ${deleted.notifications} alert notifications; ` +
            `${deleted.rollups} rollup row(s) from before ${iso(cutoffs.rollupsBefore) ?? '(kept forever)'}.\n`,
        );
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
