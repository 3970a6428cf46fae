/**
 * @module
 * `callpulse import FILE`: load callback fields from NDJSON or CSV through the webhook's validation and
 * dedupe; invalid rows go to quarantine. Running it twice stores nothing new.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { formatOfPath, importFile, type ImportFormat } from '../../ingest/import-file.js';
import { callerPrivacy } from '../../store/caller-privacy.js';
import { createStore } from '../../store/index.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, UsageError, type Command } from '../command.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'load callbacks from an NDJSON or CSV file (validated and deduplicated)',
  usage: `Usage: callpulse import FILE [--format ndjson|csv] [--db PATH]

Each row is one callback's fields: an NDJSON line holds a JSON object; a CSV file starts with a header
row of field names (CallSid, AccountSid, From, To, Timestamp, CallStatus, CallDuration, AudioInMos, ...).
Rows are validated like webhook callbacks; a CallSid already stored is counted once; invalid rows are
kept in quarantine (callpulse quarantine list).

Options:
  --format FORMAT    ndjson or csv (default: from the file name; .csv is CSV)
  --json             print the report as JSON
${DATA_OPTIONS_HELP}`,
  options: { ...DATA_OPTIONS, format: { type: 'string' }, json: { type: 'boolean' } },
  positionals: true,
  async run(values, positionals) {
    const [path, extra] = positionals;
    if (path === undefined) throw new UsageError('import needs the FILE to read');
    if (extra !== undefined) throw new UsageError(`import takes one FILE, got "${extra}" too`);
    const format = (values.format as string | undefined) ?? formatOfPath(path);
    if (format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format must be ndjson or csv, got "${format}"`);
    if (!existsSync(path)) throw new Error(`no file at ${path}`);
    const config = loadConfig({ config: values.config as string | undefined, db: values.db as string | undefined });
    const store = await createStore(config.database, { privacy: callerPrivacy(config.privacy) });
    try {
      const report = await importFile(store, path, format as ImportFormat);
      if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        const rate = report.seconds > 0 ? Math.round(report.rows / report.seconds) : report.rows;
        process.stdout.write(
          `Imported ${report.rows} row(s) in ${report.seconds.toFixed(1)} s (${rate}/s): ${report.accepted} stored, ` +
            `${report.duplicates} already stored, ${report.quarantined} quarantined.\n`,
        );
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
