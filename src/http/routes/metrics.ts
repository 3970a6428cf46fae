/**
 * @module
 * `GET /api/v1/summary` and `GET /api/v1/timeseries`: the metrics engine's figures for a range and filter.
 */
import type { FastifyInstance } from 'fastify';
import type { MetricsEngine } from '../../metrics/engine.js';
import { toCsv } from '../csv.js';
import { readFilter, readFormat, readInterval, readRange, readTimeZone, type Query } from '../query-params.js';

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
}
