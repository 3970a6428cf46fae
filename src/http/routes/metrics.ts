/**
 * @module
 * `GET /api/v1/summary` and `GET /api/v1/timeseries`: the metrics engine's figures for a range and filter.
 */
import type { FastifyInstance } from 'fastify';
import type { MetricsEngine } from '../../metrics/engine.js';
import { readFilter, readInterval, readRange, readTimeZone, type Query } from '../query-params.js';

export function registerMetricsRoutes(app: FastifyInstance, engine: MetricsEngine): void {
  app.get<{ Querystring: Query }>('/api/v1/summary', async (request) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const summary = await engine.summary(range, filter);
    return { range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() }, ...summary };
  });

  app.get<{ Querystring: Query }>('/api/v1/timeseries', async (request) => {
    const range = readRange(request.query);
    const filter = readFilter(request.query);
    const interval = readInterval(request.query);
    const tz = readTimeZone(request.query);
    return { interval, tz, points: await engine.timeseries(range, interval, tz, filter) };
  });
}
