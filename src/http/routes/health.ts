/**
 * @module
 * `/healthz` (the process answers) and `/readyz` (storage writable and migrations applied).
 */
import type { FastifyInstance } from 'fastify';
import type { CallStore } from '../../store/call-store.js';

export function registerHealthRoutes(app: FastifyInstance, store: CallStore): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const health = await store.health();
    const ready = health.writable && health.migrationsApplied;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...health });
  });
}
