/**
 * @module
 * buildApp(deps): the Fastify application with every route, never listening (server.ts does that;
 * tests use a real port or inject). Raw bodies are kept as Buffers: signatures cover the exact bytes.
 */
import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import { CALLBACK_BODY_LIMIT } from '../domain/callback-body.js';
import type { Ingest } from '../ingest/ingest.js';
import type { LiveFeed } from '../ingest/live-feed.js';
import type { PrometheusExporter } from '../metrics/prometheus.js';
import type { CallStore } from '../store/call-store.js';
import { CallpulseError } from '../domain/errors.js';
import { checkReadAccess } from './access.js';
import { installErrorHandling } from './error-handler.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerCallRoutes } from './routes/calls.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerLiveRoutes } from './routes/live.js';
import { registerThresholdRoutes } from './routes/thresholds.js';
import { MetricsEngine } from '../metrics/engine.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerPrometheusRoutes } from './routes/prometheus.js';
import { createWebhookHandler, isWebhookRequest } from './webhook-handler.js';

/** The largest callback body accepted (413 above it). */
export const BODY_LIMIT = CALLBACK_BODY_LIMIT;

export interface AppDeps {
  config: Config;
  store: CallStore;
  ingest: Ingest;
  /** Newly stored calls for the live stream; the same feed must observe `ingest`. */
  live: LiveFeed;
  /** The Prometheus exporter served at /metrics; the same exporter must observe `ingest`. */
  exporter: PrometheusExporter;
  logger?: FastifyBaseLogger;
}

/**
 * Builds the app. The webhook route is served by a plain node:http handler in front of Fastify (the hot
 * path); everything else by Fastify. Closing it drains ingest; the store is closed by whoever opened it.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const { config, store, ingest } = deps;
  let closing = false;
  const webhook = createWebhookHandler({
    ingest, urls: config.server, bodyLimit: BODY_LIMIT, logger: deps.logger, isClosing: () => closing,
  });
  const app = Fastify({
    serverFactory: (fastifyHandler) =>
      createServer((request, response) => (isWebhookRequest(request) ? webhook(request, response) : fastifyHandler(request, response))),
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.server.trustProxy,
    // While closing, every request gets our own coded 503 (the onRequest hook below), not the framework's.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  const keepRawBody = (_request: unknown, body: string | Buffer, done: (error: null, body: Buffer) => void): void =>
    done(null, body as Buffer);
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'application/json'], { parseAs: 'buffer' }, keepRawBody);
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'buffer' }, keepRawBody);
  installErrorHandling(app);
  app.addHook('onRequest', async () => {
    if (closing) throw new CallpulseError('CP_ERR_SHUTTING_DOWN', 'the server is shutting down; try again in a moment');
  });

  registerHealthRoutes(app, store);
  registerDashboardRoutes(app);
  app.get('/api/openapi.json', async () => OPENAPI_DOCUMENT);
  let endLiveStreams = (): void => {};
  const apiAccess = { token: config.api.token, trustProxy: config.server.trustProxy };
  registerPrometheusRoutes(app, deps.exporter, apiAccess, config.prometheus.token);
  void app.register(async (api) => {
    api.addHook('onRequest', async (request) => checkReadAccess(request, apiAccess));
    registerCallRoutes(api, store);
    registerMetricsRoutes(api, new MetricsEngine(store, config.metrics));
    registerThresholdRoutes(api, config);
    registerAlertRoutes(api, store, config.alerts);
    endLiveStreams = registerLiveRoutes(api, deps.live);
  });
  app.addHook('preClose', async () => {
    closing = true;
    endLiveStreams();
    // A request in flight keeps its connection until answered; once idle, a keep-alive connection would hold
    // the close until the client or the keep-alive timeout ends it. Idle ones are closed as they appear.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
    reaper.unref();
    app.server.once('close', () => clearInterval(reaper));
  });
  app.addHook('onClose', async () => ingest.drain());
  return app;
}
