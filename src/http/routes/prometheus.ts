/**
 * @module
 * `GET /metrics`: the Prometheus text exposition. It follows the read API's access rule, and also answers a
 * scraper that brings CALLPULSE_METRICS_TOKEN (so Prometheus need not hold the API token).
 */
import type { FastifyInstance } from 'fastify';
import type { PrometheusExporter } from '../../metrics/prometheus.js';
import { checkReadAccess, tokenMatches, type AccessSettings } from '../access.js';

export function registerPrometheusRoutes(app: FastifyInstance, exporter: PrometheusExporter, access: AccessSettings, metricsToken: string | null): void {
  app.get('/metrics', async (request, reply) => {
    if (metricsToken === null || !tokenMatches(metricsToken, request.headers.authorization)) checkReadAccess(request, access);
    return reply.type(exporter.contentType).header('cache-control', 'no-store').send(await exporter.metrics());
  });
}
