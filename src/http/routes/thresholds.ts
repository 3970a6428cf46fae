/**
 * @module
 * `GET /api/v1/thresholds`: the configured thresholds the dashboard and wallboard colour their figures
 * with (wallboard green/amber, poor-quality MOS, short-call seconds), so pages never hard-code them.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/schema.js';

export function registerThresholdRoutes(app: FastifyInstance, config: Config): void {
  const body = {
    successRate: { ...config.wallboard.successRate },
    mos: { ...config.wallboard.mos },
    poorQualityBelow: config.metrics.poorQualityBelow,
    shortCallSeconds: config.metrics.shortCallSeconds,
  };
  app.get('/api/v1/thresholds', async () => body);
}
