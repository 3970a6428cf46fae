/**
 * @module
 * The process entry for `callpulse serve`: refuses an unsafe start, opens the store, builds the app,
 * listens, and on SIGTERM/SIGINT stops accepting, finishes and commits every request in flight,
 * answers them, closes the store and exits 0 (or 1 if that takes over 10 s).
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { AlertEvaluator } from './alerts/evaluator.js';
import { Notifier } from './alerts/notify.js';
import { hasSigningKeys, type Config } from './config/schema.js';
import type { Logger } from './domain/logger.js';
import { buildApp } from './http/app.js';
import { isLoopbackAddress } from './http/access.js';
import { Ingest } from './ingest/ingest.js';
import { LiveFeed } from './ingest/live-feed.js';
import { fanOut } from './ingest/observers.js';
import { signingKeys } from './ingest/signing-keys.js';
import { RetentionRunner } from './maintenance/retention.js';
import { MetricsEngine } from './metrics/engine.js';
import { PrometheusExporter } from './metrics/prometheus.js';
import { callerPrivacy } from './store/caller-privacy.js';
import { createStore } from './store/index.js';
import type { CallStore } from './store/call-store.js';
import type { FastifyInstance } from 'fastify';

/** How long shutdown may take before the process gives up and exits 1. */
const SHUTDOWN_LIMIT_MS = 10_000;

/** The parts of a running callpulse besides its HTTP app, wired from the configuration. */
export interface Services {
  live: LiveFeed;
  exporter: PrometheusExporter;
  ingest: Ingest;
  engine: MetricsEngine;
  evaluator: AlertEvaluator;
  notifier: Notifier;
  retention: RetentionRunner;
}

/**
 * Wires the services over an open store: ingest (privacy mode applied, observed by the live feed and the
 * Prometheus exporter), the alert evaluator and its notifier, retention. Starts nothing.
 */
export function createServices(config: Config, store: CallStore, logger: Logger): Services {
  const live = new LiveFeed();
  const exporter = new PrometheusExporter({ topNumbers: config.prometheus.topNumbers, alertRules: config.alerts.rules.map((r) => r.name), ...config.metrics });
  const ingest = new Ingest(store, signingKeys(config.signing.defaultKeys, config.signing.projects), {
    maxBatch: config.ingest.maxBatch,
    logger,
    observer: fanOut([live, exporter], logger),
    privacy: callerPrivacy(config.privacy),
  });
  const engine = new MetricsEngine(store, config.metrics);
  const notifier = new Notifier({ config: config.alerts, store, logger, observer: exporter });
  const evaluator = new AlertEvaluator({
    config: config.alerts, store, reader: engine, summaryOptions: config.metrics, logger, observer: exporter, onQueued: () => notifier.wake(),
  });
  return { live, exporter, ingest, engine, evaluator, notifier, retention: new RetentionRunner(store, config.retention, logger) };
}

/** Gives the busiest numbers of the last 7 days their own `number` label on /metrics (the top N of the config). */
async function seedNumberLabels(services: Services, topNumbers: number): Promise<void> {
  if (topNumbers === 0) return;
  const now = Date.now();
  const rows = await services.engine.breakdown({ from: now - 7 * 86_400_000, to: now }, 'number');
  services.exporter.seedNumbers(rows.slice(0, topNumbers).map((row) => row.group.number!));
}

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  store: CallStore;
  services: Services;
  url: string;
  /** Stops accepting, answers what is in flight, closes the store. */
  close(): Promise<void>;
}

/** Why the server refuses to start, or null when it may. */
export function unsafeStartReason(config: Config): string | null {
  if (hasSigningKeys(config) || config.server.insecure || isLoopbackAddress(config.server.host)) return null;
  return `refusing to listen on ${config.server.host} without a signing key: set SIGNALWIRE_SIGNING_KEY (or signalwire.signingKeys in the config file), bind to 127.0.0.1, or pass --insecure to accept unverified callbacks`;
}

/** Opens storage and listens; throws with a one-sentence message when it cannot. */
export async function startServer(config: Config, logger: PinoLogger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const refusal = unsafeStartReason(config);
  if (refusal) throw new Error(refusal);
  // Privacy mode: the store hashes callers' numbers in whatever is written to it.
  const store = await createStore(config.database, { logger, privacy: callerPrivacy(config.privacy) });
  const keys = signingKeys(config.signing.defaultKeys, config.signing.projects);
  const services = createServices(config, store, logger);
  const { ingest, live, exporter } = services;
  const app = buildApp({ config, store, ingest, live, exporter, logger });
  await seedNumberLabels(services, config.prometheus.topNumbers).catch((error: unknown) => {
    logger.warn({ cause: (error as Error).message }, '/metrics: could not read the busiest numbers; numbers get their label as they come');
  });
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `port ${config.server.port} on ${config.server.host} is already in use; pick another with --port`
        : `cannot listen on ${config.server.host}:${config.server.port}: ${(error as Error).message}`,
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  if (!keys.verifying) {
    logger.warn({}, 'NO SIGNING KEY IS SET: CALLBACKS ARE NOT VERIFIED. Anyone who can reach this port can store calls. Set SIGNALWIRE_SIGNING_KEY.');
  }
  if (config.privacy.hashCallers) logger.info({}, 'privacy mode: callers\' numbers are stored as keyed hashes');
  if (config.alerts.rules.length > 0) {
    logger.info({ rules: config.alerts.rules.map((r) => r.name), everySeconds: config.alerts.evaluateEverySeconds }, 'alert rules loaded');
  }
  services.notifier.start();
  services.evaluator.start();
  services.retention.start();
  logger.info({ url, database: store.label, verified: keys.verifying }, `callpulse listening on ${url}`);
  return {
    app,
    store,
    services,
    url,
    async close() {
      // Stop accepting and answer every request in flight (app.close drains ingest), while the background
      // work finishes what it is doing; then close the store.
      await Promise.all([app.close(), services.evaluator.stop(), services.retention.stop(), services.notifier.stop()]);
      await store.close();
    },
  };
}

/** Runs the server until SIGTERM/SIGINT, then shuts down gracefully; resolves with the exit code. */
export async function runServer(config: Config): Promise<number> {
  const logger = pino({ level: config.logLevel });
  const server = await startServer(config, logger);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: finishing requests in flight');
      const timer = setTimeout(() => {
        logger.error({}, `shutdown took over ${SHUTDOWN_LIMIT_MS / 1000} s; exiting`);
        resolve(1);
      }, SHUTDOWN_LIMIT_MS);
      timer.unref();
      server.close().then(
        () => {
          clearTimeout(timer);
          logger.info({}, 'stopped');
          resolve(0);
        },
        (error: unknown) => {
          clearTimeout(timer);
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
