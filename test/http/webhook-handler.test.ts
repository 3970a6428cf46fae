/**
 * The webhook's node:http handler on its own real server: the body limit without a Content-Length
 * (chunked), and callbacks that arrive while the server is closing.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createWebhookHandler, WEBHOOK_PATH } from '../../src/http/webhook-handler.js';
import { Ingest } from '../../src/ingest/ingest.js';
import { signingKeys } from '../../src/ingest/signing-keys.js';
import { emptyStats } from '../../src/metrics/rollups.js';
import type { CallStore, WriteItem } from '../../src/store/call-store.js';

/** A store that keeps what it is given in memory (the handler's own behaviour is under test here). */
function memoryStore(): CallStore & { written: WriteItem[] } {
  const written: WriteItem[] = [];
  return {
    written,
    capabilities: { concurrentBatches: 2, keepsNulInText: true },
    label: 'memory',
    schema: { version: 1, applied: [] },
    async writeBatch(items) {
      written.push(...items);
      return items.map(() => 'accepted' as const);
    },
    async getCall() { return null; },
    async listCalls() { return { calls: [], next: null }; },
    async listDeliveries() { return []; },
    async listQuarantine() { return []; },
    async readRollups() { return emptyStats(); },
    async scanCalls() { return emptyStats(); },
    async readRollupGroups() { return new Map(); },
    async readRollupSeries() { return new Map(); },
    async scanCallGroups() { return new Map(); },
    async listRepeatCallers() { return []; },
    async accountsOfNumber() { return []; },
    async listNumbers() { return []; },
    async exportCalls() { return { records: [], lastId: null }; },
    async exportQuarantine() { return { records: [], lastId: null }; },
    async importCopies() { return { calls: 0, callsPresent: 0, repeats: 0, quarantine: 0, quarantinePresent: 0 }; },
    async listAlertStates() { return []; },
    async saveAlertEvaluation() {},
    async listPendingNotifications() { return []; },
    async recordNotificationAttempt() {},
    async purgeBefore() { return { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 }; },
    async health() { return { writable: true, migrationsApplied: true }; },
    async close() {},
  };
}

describe('webhook handler', () => {
  let server: Server;
  let port: number;
  let closing = false;
  const store = memoryStore();
  before(async () => {
    const ingest = new Ingest(store, signingKeys([], new Map()), { maxBatch: 10 });
    const handler = createWebhookHandler({ ingest, urls: { publicUrl: null, trustProxy: false }, bodyLimit: 1024, isClosing: () => closing });
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function post(chunks: string[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: WEBHOOK_PATH, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', (error) => (error.message.includes('EPIPE') || error.message.includes('ECONNRESET') ? undefined : reject(error)));
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it('413 on a chunked body that grows over the limit, and nothing is stored', async () => {
    const answer = await post(['CallSid=CA1&Pad=', 'x'.repeat(800), 'y'.repeat(800)]);
    assert.equal(answer.status, 413);
    assert.equal((JSON.parse(answer.body) as { code: string }).code, 'CP_ERR_BODY_TOO_LARGE');
    assert.equal(store.written.length, 0);
  });

  it('413 at once when Content-Length says the body is over the limit', async () => {
    const answer = await post(['x'.repeat(2000)], { 'content-length': '2000' });
    assert.equal(answer.status, 413);
  });

  it('503 while the server is closing, nothing stored', async () => {
    closing = true;
    try {
      const answer = await post(['CallSid=CA2']);
      assert.equal(answer.status, 503);
      assert.equal((JSON.parse(answer.body) as { code: string }).code, 'CP_ERR_SHUTTING_DOWN');
      assert.equal(store.written.length, 0);
    } finally {
      closing = false;
    }
  });
});
