/**
 * @module
 * `callpulse reconcile [--since 24h]`: store the inbound calls the Calls API knows and the database does
 * not (their callbacks were lost), marked `source: api`, and say how many were missing.
 */
import { reconcile, type ReconcileReport } from '../../signalwire/reconcile.js';
import { callerPrivacy } from '../../store/caller-privacy.js';
import { createStore } from '../../store/index.js';
import { DATA_OPTIONS, UsageError, type Command } from '../command.js';
import { parseDuration } from '../durations.js';
import { API_OPTIONS, API_OPTIONS_HELP, apiClientFrom } from '../signalwire-api.js';

function summary(report: ReconcileReport, length: string, dryRun: boolean): string {
  const byStatus = Object.entries(report.missingByStatus).map(([status, n]) => `${n} ${status}`).join(', ');
  const lines = [
    `Calls API, inbound calls created since ${report.since} (${length}): ${report.ended} ended.`,
    `  already stored:  ${report.alreadyStored}`,
    `  missing:         ${report.missing}${byStatus ? ` (${byStatus})` : ''}`,
    dryRun
      ? '  stored now:      0 (--dry-run: nothing was written)'
      : `  stored now:      ${report.stored} (source api, no MOS)${report.arrivedMeanwhile ? `; ${report.arrivedMeanwhile} arrived as callbacks meanwhile` : ''}`,
    `Skipped: ${report.notEnded} not ended yet (run reconcile again later), ${report.outbound} outbound, ` +
      `${report.beforeRange} created before the range; ${report.listed} call(s) listed in all.`,
  ];
  for (const entry of report.invalid) {
    lines.push(`  could not store ${entry.callSid}: ${entry.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  }
  return lines.join('\n') + '\n';
}

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'store the inbound calls whose callbacks never arrived, from the Calls API',
  usage: `Usage: callpulse reconcile [--since 24h] [--dry-run] [--format text|json] [--db PATH]

Lists the project's calls from SignalWire's Calls API, keeps the inbound ones created in the range that
have ended, and stores those with no stored callback, marked source "api": status, duration, From, To and
the creation time (the callback's Timestamp). The Calls API has no MOS, so these calls have none. Calls
still queued, ringing or in progress are skipped until they end. Running it twice changes nothing.

Options:
  --since LENGTH     how far back to look, e.g. 2h, 24h, 7d (default 24h)
  --dry-run          count what is missing, store nothing
  --format FORMAT    text (default) or json
  --db PATH|URL      SQLite file or postgres:// URL (default: DATABASE_URL, else ./data/callpulse.db)
${API_OPTIONS_HELP}`,
  options: { ...DATA_OPTIONS, ...API_OPTIONS, since: { type: 'string' }, 'dry-run': { type: 'boolean' }, format: { type: 'string' } },
  async run(values) {
    const format = (values.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
    const sinceText = (values.since as string | undefined) ?? '24h';
    const length = parseDuration('--since', sinceText, 60_000);
    const dryRun = values['dry-run'] === true;
    const { config, client } = apiClientFrom(values);
    const store = await createStore(config.database, { privacy: callerPrivacy(config.privacy) });
    let report: ReconcileReport;
    try {
      report = await reconcile(client, store, { since: new Date(Date.now() - length), dryRun });
    } finally {
      await store.close();
    }
    process.stdout.write(format === 'json' ? JSON.stringify({ dryRun, ...report }, null, 2) + '\n' : summary(report, sinceText, dryRun));
    if (report.invalid.length > 0) {
      process.stderr.write(`callpulse reconcile: ${report.invalid.length} missing call(s) could not be stored because the API's data does not validate; see above.\n`);
      return 1;
    }
    return 0;
  },
};
