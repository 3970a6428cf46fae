/**
 * Alerts in real processes: `callpulse serve` evaluating on its own timer notifies a real receiver, and after
 * SIGTERM and a restart on the same file it neither re-sends nor forgets; `callpulse alerts check` prints what
 * fires and changes nothing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scan } from '../helpers/db-scan.js';
import { runCli, startChildServer } from '../helpers/child-server.js';
import { callbackFields, postSignedCallback, tempDir, WEBHOOK } from '../helpers/test-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const MINUTE = 60_000;

function config(dir: string, receiver: WebhookReceiver, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, `alerts:
  evaluateEverySeconds: 1
  delivery: { backoffSeconds: 0.05 }
  targets:
    - { name: ops, url: "${receiver.url}/ops" }
  rules:
    - { name: low-success, metric: successRate, below: 0.8, windowMinutes: 60, minCalls: 3 }
`);
  return path;
}

async function postCalls(baseUrl: string, count: number, status: string, prefix: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const fields = callbackFields({ CallSid: `${prefix}-${i}`, Timestamp: new Date(Date.now() - MINUTE).toISOString(), CallStatus: status, CallDuration: status === 'completed' ? '30' : '' });
    const response = await postSignedCallback(baseUrl + WEBHOOK, 'unused: no key is configured', fields);
    assert.equal(response.status, 200, await response.text());
  }
}

/** Polls GET /api/v1/alerts until an evaluation later than `after` is saved. */
async function evaluatedAfter(baseUrl: string, after: number): Promise<{ state: string; evaluatedAt: string }> {
  for (let i = 0; i < 300; i++) {
    const body = (await (await fetch(`${baseUrl}/api/v1/alerts`)).json()) as { alerts: Array<{ state: string; evaluatedAt: string }> };
    const alert = body.alerts[0];
    if (alert && Date.parse(alert.evaluatedAt) > after) return alert;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no evaluation was saved within 30 s');
}

describe('alerts in a real server process', () => {
  const { dir, cleanup } = tempDir();
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver.close();
    cleanup();
  });

  it('fires on its timer; after SIGTERM and a restart it does not send again; then it resolves once', async () => {
    const db = join(dir, 'process.db');
    const cfg = config(dir, receiver, 'process.yaml');
    const first = await startChildServer(['--db', db, '--config', cfg], { LOG_LEVEL: 'info' });
    try {
      await postCalls(first.baseUrl, 3, 'failed', 'CA-proc-failed');
      await receiver.waitFor(() => receiver.delivered('/ops').length === 1);
      assert.equal(receiver.requests[0]!.body.status, 'firing');
      assert.equal(receiver.requests[0]!.body.rule, 'low-success');
    } finally {
      first.process.kill('SIGTERM');
      assert.equal(await first.exited, 0);
    }

    const restartedAt = Date.now();
    const second = await startChildServer(['--db', db, '--config', cfg], { LOG_LEVEL: 'info' });
    try {
      const alert = await evaluatedAfter(second.baseUrl, restartedAt);
      assert.equal(alert.state, 'firing');
      // The evaluation that found it still firing is saved: it queued nothing, so nothing can be sent again.
      assert.deepEqual(scan(db, 'SELECT event, sent_at IS NOT NULL AS sent FROM alert_notifications'), [{ event: 'firing', sent: 1 }]);
      assert.equal(receiver.requests.length, 1);

      await postCalls(second.baseUrl, 20, 'completed', 'CA-proc-completed'); // 20 of 23
      await receiver.waitFor(() => receiver.delivered('/ops').length === 2);
      assert.equal(receiver.requests[1]!.body.status, 'resolved');
      assert.equal(receiver.requests[1]!.body.value, 20 / 23);
    } finally {
      second.process.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
    assert.equal(receiver.requests.length, 2);
    for (const output of [first.output(), second.output()]) {
      assert.match(output, /"msg":"alert notification sent"/);
      assert.ok(!output.includes(`${receiver.url}/ops`), 'a webhook URL is a secret: only its origin is logged');
    }
  });

  it('callpulse alerts check prints what fires, as a table or JSON, and changes nothing', async () => {
    const db = join(dir, 'check.db');
    const cfg = config(dir, receiver, 'check.yaml');
    const now = Date.now();
    const lines = [
      ...Array.from({ length: 3 }, (_, i) => callbackFields({ CallSid: `CA-check-f${i}`, Timestamp: new Date(now - 10 * MINUTE).toISOString(), CallStatus: 'failed', CallDuration: '' })),
      callbackFields({ CallSid: 'CA-check-c0', Timestamp: new Date(now - 10 * MINUTE).toISOString(), CallStatus: 'completed' }),
    ].map((fields) => JSON.stringify(fields));
    const file = join(dir, 'check.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    assert.equal((await runCli(['import', file, '--db', db])).code, 0);

    const table = await runCli(['alerts', 'check', '--config', cfg, '--db', db]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^rule +number +state +calls +reading\n/);
    assert.match(table.stdout, /\nlow-success +\(all\) +FIRING +4 +Success rate 25\.0 % over the last 60 min \(1 of 4 calls completed\), below 80\.0 %\n/);
    assert.match(table.stdout, /\n1 of 1 alert\(s\) fire as of \d{4}-\d\d-\d\dT[\d:.]+Z\.\n$/);

    const at = new Date(now - 2 * 60 * MINUTE).toISOString(); // two hours ago: no calls yet
    const json = await runCli(['alerts', 'check', '--config', cfg, '--db', db, '--at', at, '--all', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      at, rules: 1, firing: 0,
      alerts: [{
        rule: 'low-success', metric: 'successRate', number: null, state: 'undetermined', firing: null, value: null, threshold: 0.8, calls: 0,
        message: '0 call(s) over the last 60 min: fewer than the 3 needed to judge the success rate',
      }],
    });
    assert.deepEqual(scan(db, 'SELECT (SELECT COUNT(*) FROM alert_states) AS states, (SELECT COUNT(*) FROM alert_notifications) AS queued'), [{ states: 0, queued: 0 }]);

    const noAction = await runCli(['alerts', '--db', db]);
    assert.deepEqual([noAction.code, noAction.stderr], [2, 'callpulse alerts: alerts needs an action: check\n']);
    const badAt = await runCli(['alerts', 'check', '--db', db, '--at', 'yesterday']);
    assert.equal(badAt.code, 2);
    assert.match(badAt.stderr, /^callpulse alerts: --at must be an ISO 8601 date and time/);
  });
});
