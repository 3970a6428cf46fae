/**
 * @module
 * The process entry for `callpulse serve`: refuses an unsafe start, opens the store, builds the app,
 * listens, and on SIGTERM/SIGINT stops accepting, finishes and commits every request in flight,
 * answers them, closes the store and exits 0 (or 1 if that takes over 10 s).
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { hasSigningKeys, type Config } from './config/schema.js';
import { buildApp } from './http/app.js';
import { isLoopbackAddress } from './http/access.js';
import { Ingest } from './ingest/ingest.js';
import { LiveFeed } from './ingest/live-feed.js';
import { signingKeys } from './ingest/signing-keys.js';
import { createStore } from './store/index.js';
import type { CallStore } from './store/call-store.js';
import type { FastifyInstance } from 'fastify';

/** How long shutdown may take before the process gives up and exits 1. */
const SHUTDOWN_LIMIT_MS = 10_000;

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  store: CallStore;
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
  const store = await createStore(config.database, { logger });
  const keys = signingKeys(config.signing.defaultKeys, config.signing.projects);
  const live = new LiveFeed();
  const ingest = new Ingest(store, keys, { maxBatch: config.ingest.maxBatch, logger, observer: live });
  const app = buildApp({ config, store, ingest, live, logger });
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
  logger.info({ url, database: store.label, verified: keys.verifying }, `callpulse listening on ${url}`);
  return {
    app,
    store,
    url,
    async close() {
      await app.close();
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
