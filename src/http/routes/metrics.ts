/**
 * @module
 * `GET /api/v1/summary`, `/api/v1/timeseries`, `/api/v1/breakdown`, `/api/v1/repeat-callers`,
 * `/api/v1/distribution` and `/api/v1/worst-calls`: the metrics engine's figures for a range and filter,
 * whole, over time, per group, the callers who call back, as a distribution, and the calls with the
 * lowest MOS.
 */
import type { FastifyInstance } from 'fastify';
import { WEEKDAYS, type MetricsEngine } from '../../metrics/engine.js';
import { toCsv } from '../csv.js';
import { readBreakdown, readDistribution, readFilter, readFormat, readInterval, readLimit, readRange, readTimeZone, type Query } from '../query-params.js';
import { callToJson } from './calls.js';

export function registerMetricsRoutes(app: FastifyInstance, engine: MetricsEngine): void {
  app.get<{ Querystring: Query }>('/api/v1/summary', async (request) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const summary = await engine.summary(range, filter);
    return { range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() }, ...summary };
  });

  app.get<{ Querystring: Query }>('/api/v1/timeseries', async (request, reply) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const interval = readInterval(request.query);
    const tz = readTimeZone(request.query);
    const format = readFormat(request.query);
    const points = await engine.timeseries(range, interval, tz, filter);
    if (format === 'json') return { interval, tz, points };
    const columns = ['start', 'calls', 'completed', 'successRate', 'mosMean', 'mosP10', 'durationMean'] as const;
    return reply.type('text/csv; charset=utf-8').send(toCsv(columns, points.map((p) => columns.map((column) => p[column]))));
  });

  app.get<{ Querystring: Query }>('/api/v1/breakdown', async (request, reply) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const by = readBreakdown(request.query);
    const tz = readTimeZone(request.query);
    const format = readFormat(request.query);
    const rows = await engine.breakdown(range, by, filter, tz);
    if (format === 'json') return by === 'hourOfWeek' ? { by, tz, rows } : { by, rows };
    const groupColumns = by === 'hourOfWeek' ? ['weekday', 'hour'] : [by];
    const header = [
      ...groupColumns, 'calls', 'completed', 'successRate', 'mosScored', 'mosMean', 'mosP10', 'mosP50', 'mosP90', 'poorRate',
      'durationTotalSeconds', 'durationMean', 'shortCalls', 'repeatCalls', 'repeatRate',
    ];
    const cells = rows.map((r) => [
      ...(by === 'hourOfWeek' ? [WEEKDAYS[r.group.weekday!], r.group.hour] : [r.group[by]]), r.calls, r.completed, r.successRate, r.mos.scored, r.mos.mean, r.mos.p10, r.mos.p50, r.mos.p90, r.mos.poorRate,
      r.duration.totalSeconds, r.duration.mean, r.duration.short, r.repeatCallers.repeated, r.repeatCallers.rate,
    ]);
    return reply.type('text/csv; charset=utf-8').send(toCsv(header, cells));
  });

  app.get<{ Querystring: Query }>('/api/v1/repeat-callers', async (request, reply) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const limit = readLimit(request.query, 20);
    const format = readFormat(request.query);
    const callers = (await engine.repeatCallers(range, filter, limit)).map((c) => ({
      from: c.from, to: c.to, calls: c.calls, repeated: c.repeated, firstCall: c.firstCall.toISOString(), lastCall: c.lastCall.toISOString(),
    }));
    if (format === 'json') return { range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() }, callers };
    const columns = ['from', 'to', 'calls', 'repeated', 'firstCall', 'lastCall'] as const;
    return reply.type('text/csv; charset=utf-8').send(toCsv(columns, callers.map((c) => columns.map((column) => c[column]))));
  });

  app.get<{ Querystring: Query }>('/api/v1/distribution', async (request) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const of = readDistribution(request.query);
    const bins = await engine.distribution(range, of, filter);
    return { of, total: bins.reduce((sum, bin) => sum + bin.count, 0), bins };
  });

  app.get<{ Querystring: Query }>('/api/v1/worst-calls', async (request) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const limit = readLimit(request.query, 20);
    return { calls: (await engine.worstCalls(range, filter, limit)).map(callToJson) };
  });
}
