/**
 * @module
 * `callpulse quarantine list|replay`: show the signed callbacks that failed validation, and re-ingest
 * those that validate now.
 */
import { loadConfig } from '../../config/load.js';
import { replayQuarantine } from '../../ingest/quarantine.js';
import { callerPrivacy } from '../../store/caller-privacy.js';
import { createStore } from '../../store/index.js';
import type { CallStore } from '../../store/call-store.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, UsageError, type Command } from '../command.js';
import { renderTable } from '../table.js';

async function withStore<T>(values: Record<string, unknown>, work: (store: CallStore) => Promise<T>): Promise<T> {
  const config = loadConfig({ config: values.config as string | undefined, db: values.db as string | undefined });
  const store = await createStore(config.database, { privacy: callerPrivacy(config.privacy) });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function list(values: Record<string, unknown>): Promise<number> {
  const entries = await withStore(values, (store) =>
    store.listQuarantine({ includeReplayed: values.all === true, limit: Number.MAX_SAFE_INTEGER }),
  );
  if (values.format === 'json') {
    process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write('The quarantine is empty.\n');
    return 0;
  }
  const rows = entries.map((entry) => [
    String(entry.id),
    entry.receivedAt.toISOString(),
    typeof entry.raw.CallSid === 'string' ? entry.raw.CallSid : '',
    entry.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    entry.replayedAt ? entry.replayedAt.toISOString() : '',
  ]);
  process.stdout.write(renderTable(['id', 'received', 'CallSid', 'problems', 'replayed'], rows));
  return 0;
}

async function replay(values: Record<string, unknown>): Promise<number> {
  const report = await withStore(values, replayQuarantine);
  if (values.format === 'json') {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    `Replayed ${report.examined} quarantined callback(s): ${report.accepted} stored, ${report.duplicates} already stored, ` +
      `${report.stillInvalid.length} still invalid.\n`,
  );
  for (const entry of report.stillInvalid) {
    process.stdout.write(`  #${entry.id}: ${entry.problems.map((p) => `${p.field} ${p.message}`).join('; ')}\n`);
  }
  return 0;
}

export const quarantineCommand: Command = {
  name: 'quarantine',
  summary: 'list or replay signed callbacks that failed validation',
  usage: `Usage: callpulse quarantine list [--all] [--format table|json] [--db PATH]
       callpulse quarantine replay [--format table|json] [--db PATH]

list     shows quarantined callbacks not yet replayed (--all: replayed ones too), with why each was refused
replay   re-validates each one and stores those that validate now; running it twice changes nothing

Options:
  --all              with list: include callbacks already replayed
  --format FORMAT    table (default) or json
${DATA_OPTIONS_HELP}`,
  options: { ...DATA_OPTIONS, all: { type: 'boolean' }, format: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    const [action, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`quarantine takes one action, got "${extra}" too`);
    if (values.format !== undefined && values.format !== 'table' && values.format !== 'json') {
      throw new UsageError(`--format must be table or json, got "${String(values.format)}"`);
    }
    if (action === 'list') return list(values);
    if (action === 'replay') return replay(values);
    throw new UsageError(action === undefined ? 'quarantine needs an action: list or replay' : `unknown quarantine action "${action}"; use list or replay`);
  },
};
