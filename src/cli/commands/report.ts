/**
 * @module
 * `callpulse report`: the metrics engine's figures read straight from the database (no server needed):
 * the summary, or a time series (--by day|hour), or a breakdown (--by number|account|status|country), as a table,
 * CSV or JSON.
 */
import { loadConfig } from '../../config/load.js';
import { MetricsEngine, type TimeRange } from '../../metrics/engine.js';
import type { Summary } from '../../metrics/summary.js';
import { createStore } from '../../store/index.js';
import { toCsv, type CsvCell } from '../../http/csv.js';
import { readRange, readTimeZone } from '../../http/query-params.js';
import { isCallpulseError } from '../../domain/errors.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, UsageError, type Command } from '../command.js';
import { renderTable } from '../table.js';

const BY = ['day', 'hour', 'number', 'account', 'status', 'country'] as const;
type Group = 'number' | 'account' | 'status' | 'country';
const FORMATS = ['table', 'csv', 'json'] as const;

const percent = (v: number | null): string => (v === null ? '' : `${(v * 100).toFixed(1)}%`);
const fixed = (v: number | null, digits: number): string => (v === null ? '' : v.toFixed(digits));

function summaryRows(s: Summary): string[][] {
  return [
    ['calls', String(s.calls)],
    ['completed', String(s.completed)],
    ['success rate', percent(s.successRate)],
    ...Object.entries(s.statuses).map(([status, n]) => [`  ${status}`, String(n)]),
    ['MOS scored', String(s.mos.scored)],
    ['MOS mean', fixed(s.mos.mean, 2)],
    ['MOS p10 / p50 / p90', [s.mos.p10, s.mos.p50, s.mos.p90].map((v) => fixed(v, 2)).join(' / ')],
    ['poor-quality rate', percent(s.mos.poorRate)],
    ['talk time (s)', String(s.duration.totalSeconds)],
    ['mean duration (s)', fixed(s.duration.mean, 1)],
    ['short calls', String(s.duration.short)],
    ['repeat-caller rate', percent(s.repeatCallers.rate)],
  ];
}

function output(format: string, header: string[], rows: CsvCell[][], json: unknown): void {
  if (format === 'json') process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  else if (format === 'csv') process.stdout.write(toCsv(header, rows));
  else process.stdout.write(renderTable(header, rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))));
}

async function report(engine: MetricsEngine, range: TimeRange, by: string | undefined, tz: string, format: string, filter: { number?: string; account?: string }): Promise<void> {
  if (by === undefined) {
    const summary = await engine.summary(range, filter);
    output(format, ['figure', 'value'], summaryRows(summary), summary);
  } else if (by === 'day' || by === 'hour') {
    const points = await engine.timeseries(range, by === 'day' ? '1d' : '1h', tz, filter);
    output(
      format,
      ['start', 'calls', 'completed', 'success', 'MOS mean', 'MOS p10', 'mean duration (s)'],
      points.map((p) => [p.start, p.calls, p.completed, format === 'table' ? percent(p.successRate) : p.successRate, format === 'table' ? fixed(p.mosMean, 2) : p.mosMean, p.mosP10, format === 'table' ? fixed(p.durationMean, 1) : p.durationMean]),
      { interval: by === 'day' ? '1d' : '1h', tz, points },
    );
  } else {
    const rows = await engine.breakdown(range, by as Group, filter);
    const unknown = format === 'table' ? '(unknown)' : null;
    output(
      format,
      [by, 'calls', 'completed', 'success', 'MOS mean', 'MOS p10', 'poor-quality', 'mean duration (s)'],
      rows.map((r) => [r.group[by as Group] ?? unknown, r.calls, r.completed, format === 'table' ? percent(r.successRate) : r.successRate,
        format === 'table' ? fixed(r.mos.mean, 2) : r.mos.mean, r.mos.p10, format === 'table' ? percent(r.mos.poorRate) : r.mos.poorRate,
        format === 'table' ? fixed(r.duration.mean, 1) : r.duration.mean]),
      { by, rows },
    );
  }
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'call volume, success rate, quality and durations, from the database',
  usage: `Usage: callpulse report [--since 7d | --from ISO [--to ISO]] [--by day|hour|number|account|status|country]
                       [--tz ZONE] [--number +1...] [--account AC...] [--format table|csv|json] [--db PATH]

Without --by: the summary of the range. --by day|hour: one row per local day or hour in --tz.
--by number|account|status|country: one row per called number, project, status or caller country,
busiest first. Same figures as the API.

Options:
  --since LENGTH     the range ends now and lasts this long, e.g. 24h, 7d, 30d (default 24h)
  --from, --to       the range as ISO 8601 instead
  --by GROUP         day, hour, number, account, status or country
  --tz ZONE          IANA time zone for --by day|hour (default UTC)
  --number, --account  only these calls
  --format FORMAT    table (default), csv or json
${DATA_OPTIONS_HELP}`,
  options: {
    ...DATA_OPTIONS,
    since: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, by: { type: 'string' }, tz: { type: 'string' },
    number: { type: 'string' }, account: { type: 'string' }, format: { type: 'string' },
  },
  async run(values) {
    const by = values.by as string | undefined;
    const format = (values.format as string | undefined) ?? 'table';
    if (by !== undefined && !(BY as readonly string[]).includes(by)) throw new UsageError(`--by must be one of ${BY.join(', ')}, got "${by}"`);
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const query = { since: values.since as string | undefined, from: values.from as string | undefined, to: values.to as string | undefined, tz: values.tz as string | undefined };
    let range: TimeRange;
    let tz: string;
    try {
      range = readRange(query);
      tz = readTimeZone(query);
    } catch (error) {
      throw isCallpulseError(error) ? new UsageError(`--${error.message}`) : error;
    }
    const config = loadConfig({ config: values.config as string | undefined, db: values.db as string | undefined });
    const store = await createStore(config.database);
    try {
      const filter = { number: values.number as string | undefined, account: values.account as string | undefined };
      await report(new MetricsEngine(store, config.metrics), range, by, tz, format, filter);
    } finally {
      await store.close();
    }
    return 0;
  },
};
