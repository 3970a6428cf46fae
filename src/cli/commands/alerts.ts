/**
 * @module
 * `callpulse alerts check`: reads every alert rule once, straight from the database, and prints what fires
 * (`--all`: every alert). Changes nothing and sends nothing: the server's evaluator does that.
 */
import { AlertEvaluator } from '../../alerts/evaluator.js';
import { loadConfig } from '../../config/load.js';
import { parseCallTimestamp } from '../../domain/timestamp.js';
import { MetricsEngine } from '../../metrics/engine.js';
import { createStore } from '../../store/index.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, UsageError, type Command } from '../command.js';
import { renderTable } from '../table.js';

function stateOf(firing: boolean | null): string {
  return firing === null ? 'undetermined' : firing ? 'FIRING' : 'ok';
}

export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'evaluate the alert rules once and print what fires',
  usage: `Usage: callpulse alerts check [--at ISO] [--all] [--format table|json] [--db PATH] [--config FILE]

check    reads every rule of the configuration's alerts section (each over all calls, or per called
         number) over its window ending now, and prints the alerts that fire; nothing is saved or sent

Options:
  --at ISO           evaluate as of this instant instead of now (e.g. 2024-04-04T10:00:00Z)
  --all              print every alert, also those that do not fire or cannot tell (too few calls...)
  --format FORMAT    table (default) or json
${DATA_OPTIONS_HELP}`,
  options: { ...DATA_OPTIONS, at: { type: 'string' }, all: { type: 'boolean' }, format: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    const [action, extra] = positionals;
    if (action !== 'check') throw new UsageError(action === undefined ? 'alerts needs an action: check' : `unknown alerts action "${action}"; use check`);
    if (extra !== undefined) throw new UsageError(`alerts takes one action, got "${extra}" too`);
    const format = (values.format as string | undefined) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, got "${format}"`);
    let now = Date.now();
    if (values.at !== undefined) {
      const at = parseCallTimestamp(values.at as string);
      if (at === null) throw new UsageError(`--at must be an ISO 8601 date and time like 2024-04-04T10:00:00Z, got "${String(values.at)}"`);
      now = at.getTime();
    }
    const config = loadConfig({ config: values.config as string | undefined, db: values.db as string | undefined });
    const store = await createStore(config.database);
    try {
      const evaluator = new AlertEvaluator({ config: config.alerts, store, reader: new MetricsEngine(store, config.metrics), summaryOptions: config.metrics });
      const readings = await evaluator.read(now);
      const alerts = readings.map(({ rule, subject, reading }) => ({
        rule: rule.name, metric: rule.metric, number: subject === '' ? null : subject, state: stateOf(reading.firing),
        firing: reading.firing, value: reading.value, threshold: rule.threshold, calls: reading.calls, message: reading.message,
      }));
      const firing = alerts.filter((a) => a.firing === true);
      if (format === 'json') {
        process.stdout.write(JSON.stringify({ at: new Date(now).toISOString(), rules: config.alerts.rules.length, firing: firing.length, alerts: values.all ? alerts : firing }, null, 2) + '\n');
        return 0;
      }
      if (config.alerts.rules.length === 0) {
        process.stdout.write('No alert rules are configured (alerts.rules in the configuration file).\n');
        return 0;
      }
      const shown = values.all ? [...firing, ...alerts.filter((a) => a.firing !== true)] : firing;
      if (shown.length > 0) {
        process.stdout.write(renderTable(['rule', 'number', 'state', 'calls', 'reading'], shown.map((a) => [a.rule, a.number ?? '(all)', a.state, String(a.calls), a.message])));
      }
      process.stdout.write(`${firing.length} of ${alerts.length} alert(s) fire as of ${new Date(now).toISOString()}.\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
