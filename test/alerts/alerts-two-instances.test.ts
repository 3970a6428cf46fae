/**
 * Two callpulse instances on one PostgreSQL database (each with its own store, pool, evaluator and notifier)
 * evaluate the same failing number at the same moment and deliver at the same moment: the alert is queued
 * once and reaches the real local receiver once, because the instances take turns (a job lock per schema).
 * Skipped, and says so, when TEST_DATABASE_URL is not set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlertEvaluator } from '../../src/alerts/evaluator.js';
import { Notifier } from '../../src/alerts/notify.js';
import { alertsConfig } from '../../src/config/alerts.js';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { MetricsEngine } from '../../src/metrics/engine.js';
import { DEFAULT_SUMMARY_OPTIONS } from '../../src/metrics/summary.js';
import type { CallStore, WriteItem } from '../../src/store/call-store.js';
import { createStore } from '../../src/store/index.js';
import { postgresBackend, type TestDatabase } from '../helpers/test-databases.js';
import { callbackFields } from '../helpers/test-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const NUMBER = '+15550001111';
const MINUTE = 60_000;
const T0 = Date.UTC(2024, 3, 4, 15, 0, 0);

function call(sid: string, status: string): WriteItem {
  const parsed = parseIncomingCallStatus(callbackFields({
    CallSid: sid, From: '+15559990000', To: NUMBER, Timestamp: new Date(T0 - 10 * MINUTE).toISOString(), CallStatus: status,
    CallDuration: status === 'completed' ? '30' : '', AudioInMos: '',
  }));
  assert.ok(parsed.ok);
  return { kind: 'call', event: parsed.event, raw: {}, source: 'import', delivery: { method: 'POST', contentType: null, receivedAt: new Date() } };
}

describe('alerts with two instances on one PostgreSQL database', { skip: postgresBackend.skip }, () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  const stores: CallStore[] = [];
  before(async () => {
    db = await postgresBackend.fresh();
    receiver = await startWebhookReceiver();
    for (let i = 0; i < 2; i++) stores.push(await createStore(db.database));
  });
  after(async () => {
    for (const store of stores) await store.close();
    await receiver.close();
    await db.drop();
  });

  it('queue a firing alert once and deliver it once, evaluating and delivering at the same moment', async () => {
    // 2 of 6 calls completed: a success rate of 1/3, below the rule's 0.8.
    await stores[0]!.writeBatch([call('CA-1', 'completed'), call('CA-2', 'completed'), ...[3, 4, 5, 6].map((n) => call(`CA-${n}`, 'failed'))]);
    const config = alertsConfig({
      evaluateEverySeconds: 3600,
      delivery: { attempts: 2, backoffSeconds: 0.02, maxBackoffSeconds: 0.1 },
      targets: [{ name: 'ops', url: `${receiver.url}/ops`, format: 'json' }],
      rules: [{ name: 'low-success', metric: 'successRate', below: 0.8, windowMinutes: 15, minCalls: 5, per: 'number', cooldownMinutes: 30 }],
    });
    const instances = stores.map((store) => ({
      evaluator: new AlertEvaluator({ config, store, reader: new MetricsEngine(store), summaryOptions: DEFAULT_SUMMARY_OPTIONS }),
      notifier: new Notifier({ config, store }),
    }));

    const views = await Promise.all(instances.map((instance) => instance.evaluator.evaluate(T0)));
    for (const view of views) assert.deepEqual(view.map((v) => [v.number, v.firing]), [[NUMBER, true]]);
    const queued = await db.scan<{ target: string; event: string }>('SELECT target, event FROM alert_notifications ORDER BY id');
    assert.deepEqual(queued, [{ target: 'ops', event: 'firing' }], 'queued once');

    await Promise.all(instances.map((instance) => instance.notifier.deliverDue()));
    assert.equal(receiver.delivered('/ops').length, 1, 'delivered once');
    assert.equal(receiver.delivered('/ops')[0]!.body.status, 'firing');
    const sent = await db.scan<{ attempts: number; sent_at: number | null }>('SELECT attempts, sent_at FROM alert_notifications');
    assert.equal(sent.length, 1);
    assert.ok(sent[0]!.sent_at !== null);
  });
});
