/**
 * Alert rules against a real local HTTP receiver, over a real SQLite file, evaluated at chosen instants:
 * firing and resolved in the JSON and Slack forms (bodies compared field by field with hand-computed
 * figures), the cooldown (a re-fire inside it is announced when it ends, a flap is swallowed), retries with
 * backoff in order, giving up, and a restart that neither re-sends nor forgets. GET /api/v1/alerts too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import type { WriteItem } from '../../src/store/call-store.js';
import { scan } from '../helpers/db-scan.js';
import { parseExposition, sampleValue } from '../helpers/prometheus-text.js';
import { callbackFields, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const A = '+15550001111';
const B = '+15550002222';
const MINUTE = 60_000;
const T0 = Date.UTC(2024, 3, 4, 15, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

let sequence = 0;
/** `count` calls to `to` with `status`, whose Timestamp is `at`. */
function calls(at: number, to: string, status: string, count: number): WriteItem[] {
  return Array.from({ length: count }, () => {
    sequence += 1;
    const parsed = parseIncomingCallStatus(callbackFields({
      CallSid: `CA-alert-${sequence}`, From: `+1555999${String(sequence).padStart(4, '0')}`, To: to, Timestamp: iso(at),
      CallStatus: status, CallDuration: status === 'completed' ? '30' : '', AudioInMos: '',
    }));
    assert.ok(parsed.ok);
    return { kind: 'call', event: parsed.event, raw: {}, source: 'import', delivery: { method: 'POST', contentType: null, receivedAt: new Date() } } satisfies WriteItem;
  });
}

function alertsSettings(receiver: WebhookReceiver, rule: Record<string, unknown> = {}, delivery: Record<string, unknown> = {}) {
  return {
    evaluateEverySeconds: 3600, // evaluations are driven by the test, at chosen instants
    delivery: { attempts: 4, backoffSeconds: 0.02, maxBackoffSeconds: 0.1, ...delivery },
    targets: [
      { name: 'ops', url: `${receiver.url}/ops`, format: 'json', headers: { Authorization: 'Bearer hook-token' } },
      { name: 'chat', url: `${receiver.url}/chat`, format: 'slack' },
    ],
    rules: [{ name: 'low-success', metric: 'successRate', below: 0.8, windowMinutes: 15, minCalls: 5, per: 'number', cooldownMinutes: 30, ...rule }],
  };
}

function outbox(server: TestServer): Array<{ id: number; target: string; event: string; attempts: number; sent_at: number | null; failed_at: number | null; last_error: string | null; payload: string }> {
  return scan(server.dbPath, 'SELECT * FROM alert_notifications ORDER BY id');
}

describe('alerts: firing and resolved, to a real receiver', () => {
  let receiver: WebhookReceiver;
  let server: TestServer;
  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startTestServer({ alerts: alertsSettings(receiver) });
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('a failing number fires once, in both forms; the other number stays quiet; recovery resolves it', async () => {
    const { evaluator, notifier } = server.services;
    await server.store.writeBatch([...calls(T0 - 10 * MINUTE, A, 'completed', 2), ...calls(T0 - 10 * MINUTE, A, 'failed', 4), ...calls(T0 - 10 * MINUTE, B, 'completed', 6)]);

    const views = await evaluator.evaluate(T0);
    assert.deepEqual(views.map((v) => [v.number, v.firing, v.value]), [[A, true, 2 / 6], [B, false, 1]]);
    await notifier.deliverDue();
    const firingMessage = `Success rate 33.3 % over the last 15 min on ${A} (2 of 6 calls completed), below 80.0 %`;
    assert.deepEqual(receiver.requests.map((r) => r.path), ['/ops', '/chat']);
    assert.deepEqual(receiver.requests[0]!.body, {
      source: 'callpulse', status: 'firing', rule: 'low-success', metric: 'successRate', number: A, value: 2 / 6, threshold: 0.8,
      calls: 6, windowMinutes: 15, message: firingMessage, since: iso(T0), at: iso(T0),
    });
    assert.equal(receiver.requests[0]!.headers.authorization, 'Bearer hook-token');
    assert.equal(receiver.requests[0]!.headers['content-type'], 'application/json');
    const slack = receiver.requests[1]!.body as { text: string; attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> };
    assert.equal(slack.text, `:red_circle: FIRING: low-success on ${A}\n${firingMessage}`);
    assert.equal(slack.attachments[0]!.color, '#D55E00');
    assert.deepEqual(slack.attachments[0]!.fields.map((f) => [f.title, f.value]), [
      ['Rule', 'low-success (successRate)'], ['Number', A], ['Firing since', iso(T0)], ['Calls in the window', '6'],
    ]);

    // Still failing a minute later: nothing new is queued or sent.
    await evaluator.evaluate(T0 + MINUTE);
    await notifier.deliverDue();
    assert.equal(outbox(server).length, 2);
    assert.equal(receiver.requests.length, 2);

    // 20 completed calls: 22 of 26 in [T0-12, T0+3) is 84.6 %.
    await server.store.writeBatch(calls(T0 + 2 * MINUTE, A, 'completed', 20));
    await evaluator.evaluate(T0 + 3 * MINUTE);
    await notifier.deliverDue();
    const resolvedMessage = `Success rate 84.6 % over the last 15 min on ${A} (22 of 26 calls completed), at or above 80.0 %`;
    assert.deepEqual(receiver.requests.slice(2).map((r) => r.path), ['/ops', '/chat']);
    assert.deepEqual(receiver.requests[2]!.body, {
      source: 'callpulse', status: 'resolved', rule: 'low-success', metric: 'successRate', number: A, value: 22 / 26, threshold: 0.8,
      calls: 26, windowMinutes: 15, message: resolvedMessage, since: iso(T0 + 3 * MINUTE), at: iso(T0 + 3 * MINUTE),
    });
    assert.equal((receiver.requests[3]!.body as { text: string }).text, `:large_green_circle: RESOLVED: low-success on ${A}\n${resolvedMessage}`);
    assert.ok(receiver.requests.every((r) => r.body.number !== B && !String(r.body.text ?? '').includes(B)), 'B was never notified');
    assert.ok(outbox(server).every((row) => row.sent_at !== null && row.attempts === 1));
  });

  it('GET /api/v1/alerts lists the rules and the states, firing first; state=firing filters', async () => {
    await server.store.writeBatch(calls(T0 + 4 * MINUTE, B, 'failed', 10));
    await server.services.evaluator.evaluate(T0 + 5 * MINUTE); // B: 6 completed at T0-10 and 10 failed: 6 of 16 in [T0-10, T0+5)
    const response = await fetch(`${server.baseUrl}/api/v1/alerts`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { rules: Array<Record<string, unknown>>; alerts: Array<Record<string, unknown>> };
    assert.deepEqual(body.rules, [{ name: 'low-success', metric: 'successRate', threshold: 0.8, windowMinutes: 15, minCalls: 5, per: 'number', numbers: [], cooldownMinutes: 30, notify: ['ops', 'chat'] }]);
    assert.deepEqual(body.alerts.map((a) => [a.rule, a.number, a.state, a.value, a.calls, a.since, a.evaluatedAt, a.notified]), [
      ['low-success', B, 'firing', 6 / 16, 16, iso(T0 + 5 * MINUTE), iso(T0 + 5 * MINUTE), 'firing'],
      ['low-success', A, 'ok', 22 / 26, 26, iso(T0 + 3 * MINUTE), iso(T0 + 5 * MINUTE), 'resolved'],
    ]);
    const firing = (await (await fetch(`${server.baseUrl}/api/v1/alerts?state=firing`)).json()) as { alerts: Array<{ number: string }> };
    assert.deepEqual(firing.alerts.map((a) => a.number), [B]);
    const bad = await fetch(`${server.baseUrl}/api/v1/alerts?state=loud`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'CP_ERR_PARAM_INVALID');
  });
});

describe('alerts: cooldown', () => {
  it('a re-fire inside the cooldown is announced when it ends if it still fires; a flap inside it is swallowed', async () => {
    const receiver = await startWebhookReceiver();
    const server = await startTestServer({ alerts: { ...alertsSettings(receiver), targets: [{ name: 'ops', url: `${receiver.url}/ops` }] } });
    try {
      const { evaluator, notifier } = server.services;
      const step = async (at: number, items: WriteItem[] = []): Promise<boolean> => {
        if (items.length > 0) await server.store.writeBatch(items);
        const views = await evaluator.evaluate(at);
        await notifier.deliverDue();
        return views.find((v) => v.number === A)!.firing;
      };
      assert.equal(await step(T0, calls(T0 - 5 * MINUTE, A, 'failed', 5)), true); // 0 of 5: firing, sent
      assert.equal(await step(T0 + 2 * MINUTE, calls(T0 + MINUTE, A, 'completed', 20)), false); // 20 of 25 = 80 %: resolved, sent
      assert.equal(await step(T0 + 4 * MINUTE, calls(T0 + 3 * MINUTE, A, 'failed', 30)), true); // 20 of 55: fires again, 4 min after the last firing: held
      assert.equal(await step(T0 + 10 * MINUTE), true); // still held
      const api = (await (await fetch(`${server.baseUrl}/api/v1/alerts`)).json()) as { alerts: Array<{ state: string; notified: string; since: string }> };
      assert.deepEqual(api.alerts.map((a) => [a.state, a.notified, a.since]), [['firing', 'resolved', iso(T0 + 4 * MINUTE)]]);
      assert.equal(await step(T0 + 31 * MINUTE, calls(T0 + 25 * MINUTE, A, 'failed', 10)), true); // 0 of 10, 31 min after: sent now
      assert.equal(await step(T0 + 33 * MINUTE, calls(T0 + 32 * MINUTE, A, 'completed', 40)), false); // 40 of 50: resolved, sent
      assert.equal(await step(T0 + 35 * MINUTE, calls(T0 + 34 * MINUTE, A, 'failed', 40)), true); // 40 of 90: 4 min after the last firing: held
      assert.equal(await step(T0 + 37 * MINUTE, calls(T0 + 36 * MINUTE, A, 'completed', 200)), false); // 240 of 290: the flap is swallowed
      assert.equal(await step(T0 + 70 * MINUTE), false); // an empty window cannot tell: the state stays, nothing is sent

      assert.deepEqual(receiver.requests.map((r) => [r.body.status, r.body.at, r.body.since]), [
        ['firing', iso(T0), iso(T0)],
        ['resolved', iso(T0 + 2 * MINUTE), iso(T0 + 2 * MINUTE)],
        ['firing', iso(T0 + 31 * MINUTE), iso(T0 + 4 * MINUTE)],
        ['resolved', iso(T0 + 33 * MINUTE), iso(T0 + 33 * MINUTE)],
      ]);
      assert.equal(receiver.requests[2]!.body.message, `Success rate 0.0 % over the last 15 min on ${A} (0 of 10 calls completed), below 80.0 %`);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});

describe('alerts: delivery retries', () => {
  let receiver: WebhookReceiver;
  let server: TestServer;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    server = await startTestServer({ alerts: alertsSettings(receiver) });
  });
  afterEach(async () => {
    await server.close();
    await receiver.close();
  });

  it('retries after the receiver fails, with backoff, keeping firing before resolved; a 4xx is given up at once', async () => {
    const { evaluator, notifier } = server.services;
    receiver.failNext('/ops', 2, 500);
    receiver.failAlways('/chat', 404);
    await server.store.writeBatch(calls(T0 - 5 * MINUTE, A, 'failed', 5));
    await evaluator.evaluate(T0);
    await server.store.writeBatch(calls(T0 + MINUTE, A, 'completed', 20));
    await evaluator.evaluate(T0 + 2 * MINUTE); // resolved, queued behind the firing that has not gone out yet
    notifier.start();
    await receiver.waitFor(() => receiver.delivered('/ops').length === 2);
    await notifier.stop();

    assert.deepEqual(receiver.requests.filter((r) => r.path === '/ops').map((r) => [r.body.status, r.answered]), [
      ['firing', 500], ['firing', 500], ['firing', 200], ['resolved', 200],
    ]);
    assert.deepEqual(receiver.requests.filter((r) => r.path === '/chat').map((r) => [String(r.body.text).split(':')[1], r.answered]), [
      ['red_circle', 404], ['large_green_circle', 404],
    ]);
    assert.deepEqual(outbox(server).map((row) => [row.target, row.event, row.attempts, row.sent_at !== null, row.failed_at !== null, row.last_error]), [
      ['ops', 'firing', 3, true, false, null],
      ['chat', 'firing', 1, false, true, 'the target answered HTTP 404'],
      ['ops', 'resolved', 1, true, false, null],
      ['chat', 'resolved', 1, false, true, 'the target answered HTTP 404'],
    ]);
  });

  it('gives up after the configured attempts, and counts every attempt on /metrics', async () => {
    const { evaluator, notifier } = server.services;
    receiver.failAlways('/ops', 503);
    await server.store.writeBatch(calls(T0 - 5 * MINUTE, A, 'failed', 5));
    await evaluator.evaluate(T0);
    notifier.start();
    await receiver.waitFor(() => receiver.requests.filter((r) => r.path === '/ops').length === 4);
    // The fourth answer is recorded right after it arrives: wait for the record.
    for (let i = 0; i < 200 && outbox(server)[0]!.failed_at === null; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    await notifier.stop();
    const [ops, chat] = outbox(server);
    assert.deepEqual([ops!.attempts, ops!.sent_at, ops!.failed_at !== null, ops!.last_error], [4, null, true, 'the target answered HTTP 503']);
    assert.deepEqual([chat!.attempts, chat!.sent_at !== null], [1, true]);
    assert.equal(receiver.requests.filter((r) => r.path === '/ops').length, 4, 'no attempt after giving up');
    const exposition = parseExposition(await (await fetch(`${server.baseUrl}/metrics`)).text());
    const counted = (result: string): number | undefined => sampleValue(exposition, 'callpulse_alert_notifications_total', { result });
    assert.deepEqual([counted('sent'), counted('retry'), counted('failed')], [1, 3, 1]);
    assert.equal(sampleValue(exposition, 'callpulse_alerts_firing', { rule: 'low-success' }), 1);
  });
});

describe('alerts: a restart neither re-sends nor forgets', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('state and the undelivered notification survive; what was sent is not sent again', async () => {
    const receiver = await startWebhookReceiver();
    const database = join(dir, 'restart.db');
    const settings = { database, alerts: alertsSettings(receiver) };
    try {
      receiver.failAlways('/ops', 503);
      const first = await startTestServer(settings);
      await first.store.writeBatch(calls(T0 - 5 * MINUTE, A, 'failed', 5));
      await first.services.evaluator.evaluate(T0);
      await first.services.notifier.deliverDue(); // chat delivered; ops failed once, to be retried
      await first.close();
      assert.deepEqual(receiver.requests.map((r) => [r.path, r.answered]), [['/ops', 503], ['/chat', 200]]);

      receiver.failAlways('/ops', null);
      const second = await startTestServer(settings);
      try {
        await second.services.evaluator.evaluate(T0 + MINUTE); // still firing: nothing new queued
        assert.equal(scan(database, 'SELECT COUNT(*) AS n FROM alert_notifications')[0]!.n, 2);
        const api = (await (await fetch(`${second.baseUrl}/api/v1/alerts`)).json()) as { alerts: Array<{ state: string; since: string; notified: string }> };
        assert.deepEqual(api.alerts.map((a) => [a.state, a.since, a.notified]), [['firing', iso(T0), 'firing']], 'the state and its start survived');

        second.services.notifier.start(); // picks up the undelivered firing
        await receiver.waitFor(() => receiver.delivered('/ops').length === 1);
        await second.services.notifier.stop();
        assert.deepEqual(receiver.requests.map((r) => [r.path, r.body.status ?? String(r.body.text).split(':')[1], r.answered]), [
          ['/ops', 'firing', 503], ['/chat', 'red_circle', 200], ['/ops', 'firing', 200],
        ]);
      } finally {
        await second.close();
      }

      const third = await startTestServer(settings);
      try {
        await third.store.writeBatch(calls(T0 + 2 * MINUTE, A, 'completed', 20));
        await third.services.evaluator.evaluate(T0 + 3 * MINUTE);
        await third.services.notifier.deliverDue();
        assert.deepEqual(receiver.requests.slice(3).map((r) => [r.path, r.body.status ?? String(r.body.text).split(':')[1]]), [
          ['/ops', 'resolved'], ['/chat', 'large_green_circle'],
        ]);
        assert.equal(receiver.requests.length, 5, 'each notification reached each target once');
      } finally {
        await third.close();
      }
    } finally {
      await receiver.close();
    }
  });
});
