/**
 * @module
 * Builds a real app on a real port (127.0.0.1, random) over a real SQLite file in a temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { validateConfig, type RawSettings } from '../../src/config/schema.js';
import { formBody, signForm } from './independent-signer.js';
import { buildApp } from '../../src/http/app.js';
import { createServices, type Services } from '../../src/server.js';
import { silentLogger } from '../../src/domain/logger.js';
import { callerPrivacy } from '../../src/store/caller-privacy.js';
import { createStore } from '../../src/store/index.js';
import type { CallStore } from '../../src/store/call-store.js';

export const WEBHOOK = '/webhooks/signalwire/call-status';

export interface TestServer {
  app: FastifyInstance;
  store: CallStore;
  /** Ingest, the exporter, the alert evaluator and notifier... as the server wires them (none started). */
  services: Services;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** The full webhook URL as the server sees it (what signatures cover when no PUBLIC_URL is set). */
  webhookUrl: string;
  dbPath: string;
  dir: string;
  close(): Promise<void>;
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'callpulse-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts an app with the given raw settings (signingKey, projectKeys, publicUrl, trustProxy, apiToken, alerts...),
 * wired as the server wires it; the background timers (alerts, retention) are not started.
 */
export async function startTestServer(settings: RawSettings = {}): Promise<TestServer> {
  const { dir, cleanup } = tempDir();
  const dbPath = join(dir, 'callpulse.db');
  const config = validateConfig({ database: dbPath, ...settings });
  const store = await createStore(config.database, { privacy: callerPrivacy(config.privacy) });
  const services = createServices(config, store, silentLogger);
  const app = buildApp({ config, store, ingest: services.ingest, live: services.live, exporter: services.exporter });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    store,
    services,
    baseUrl,
    webhookUrl: baseUrl + WEBHOOK,
    dbPath,
    dir,
    async close() {
      await Promise.all([app.close(), services.evaluator.stop(), services.notifier.stop()]);
      await store.close();
      cleanup();
    },
  };
}

/** A valid callback's fields, with overrides. */
export function callbackFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CallSid: 'CA' + Math.random().toString(16).slice(2).padEnd(32, '0'),
    AccountSid: 'AC-project-1',
    From: '+15551230001',
    To: '+15557650002',
    Timestamp: 'Thu, 04 Apr 2024 18:32:15 +0000',
    CallStatus: 'completed',
    CallDuration: '42',
    AudioInMos: '4.21',
    ...overrides,
  };
}

/** POSTs callback fields form-encoded to `webhookUrl`, signed with `key` by the independent signer (scheme B). */
export function postSignedCallback(webhookUrl: string, key: string, fields: Record<string, string>): Promise<Response> {
  const params = Object.entries(fields);
  return fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(key, webhookUrl, params) },
    body: formBody(params),
  });
}
