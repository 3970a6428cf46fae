/**
 * A PostgreSQL outage under load: a real server process reaches PostgreSQL through a TCP proxy the test
 * controls. The proxy is cut while signed callbacks are in flight: no callback is answered 200 unless it
 * is stored, the answers turn 503 (never a 500 or a stack trace), /readyz fails; the proxy is restored:
 * /readyz recovers by itself, the refused callbacks are accepted when resent, and the metrics equal a
 * plain scan (no increment lost or doubled). Skipped (and says so) without TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { plainSummaryIn } from '../helpers/plain-summary.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { postgresBackend, type TestDatabase } from '../helpers/test-databases.js';
import { callbackFields, postSignedCallback, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'outage-key';
const WORKERS = 16;

/** Rounds every number to 9 decimals so float sums in another order compare equal. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))) as T;
}

interface Answer {
  sid: string;
  status: number;
  body: string;
  /** Sent after the proxy was cut (so it cannot have been stored). */
  afterCut: boolean;
}

describe('PostgreSQL outage: 503 while the database is unreachable, recovery when it returns', { skip: postgresBackend.skip }, () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: ChildServer;
  const answers: Answer[] = [];
  let sent = 0;

  const fields = (sid: string) =>
    callbackFields({ CallSid: sid, From: `+1415555${String(sent % 50).padStart(4, '0')}`, Timestamp: new Date(Date.UTC(2024, 10, 5) + (sent % 500) * 60_000).toISOString(), AudioInMos: (1 + (sent % 300) / 100).toFixed(2) });

  async function send(sid: string, afterCut: boolean): Promise<Answer> {
    const payload = fields(sid);
    sent += 1;
    const response = await postSignedCallback(server.baseUrl + WEBHOOK, KEY, payload);
    const answer = { sid, status: response.status, body: await response.text(), afterCut };
    answers.push(answer);
    return answer;
  }

  async function storedSids(): Promise<Set<string>> {
    return new Set((await db.scan<{ call_sid: string }>('SELECT call_sid FROM calls')).map((r) => r.call_sid));
  }

  before(async () => {
    db = await postgresBackend.fresh();
    const direct = new URL(db.database);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    const proxied = new URL(db.database);
    proxied.host = `127.0.0.1:${proxy.port}`;
    server = await startChildServer(['--db', proxied.toString()], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info' });
  });

  after(async () => {
    if (server.process.exitCode === null) {
      server.process.kill('SIGKILL');
      await server.exited;
    }
    await proxy.close();
    await db.drop();
  });

  it('stores and answers 200 while the database is reachable; /readyz is ready', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await send(`CA-before-${i}`, false)).status, 200);
    assert.equal((await fetch(`${server.baseUrl}/readyz`)).status, 200);
  });

  it('cut under load: only 503 after the cut, no 200 for a call not stored, /readyz fails, reads answer 503', async () => {
    let cut = false;
    let okBeforeCut = 0;
    let refusedAfterCut = 0;
    let cutting: Promise<void> | null = null;
    const worker = async (w: number): Promise<void> => {
      // Until enough callbacks were refused after the cut (or a bound, should the server stop answering 200 at all).
      for (let i = 0; refusedAfterCut < 3 * WORKERS && sent < 5000; i++) {
        const answer = await send(`CA-load-w${w}-${i}`, cut);
        if (answer.status === 200 && !cut) okBeforeCut += 1;
        if (answer.afterCut && answer.status !== 200) refusedAfterCut += 1;
        // Cut once a good part of the load has been acknowledged (progress, not time, decides the moment).
        if (okBeforeCut >= 120 && cutting === null) cutting = proxy.cut().then(() => void (cut = true));
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await cutting;

    const load = answers.filter((a) => a.sid.startsWith('CA-load-'));
    assert.deepEqual([...new Set(load.map((a) => a.status))].sort(), [200, 503], 'every answer is 200 or 503');
    assert.deepEqual(load.filter((a) => a.afterCut && a.status !== 503), [], 'after the cut, every answer is 503');
    for (const answer of load.filter((a) => a.status === 503)) {
      assert.equal((JSON.parse(answer.body) as { code: string }).code, 'CP_ERR_STORAGE_UNAVAILABLE');
      assert.doesNotMatch(answer.body, /ECONNREFUSED|127\.0\.0\.1|terminated|\n\s+at /);
    }
    const stored = await storedSids();
    const lost = load.filter((a) => a.status === 200 && !stored.has(a.sid)).map((a) => a.sid);
    assert.deepEqual(lost, [], 'every call answered 200 is stored');
    assert.ok(load.filter((a) => a.afterCut).every((a) => !stored.has(a.sid)), 'nothing sent after the cut is stored');

    const ready = await fetch(`${server.baseUrl}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { writable: boolean }).writable, false);
    const summary = await fetch(`${server.baseUrl}/api/v1/summary?since=30d`);
    assert.equal(summary.status, 503);
    assert.doesNotMatch(await summary.text(), /ECONNREFUSED|127\.0\.0\.1|\n\s+at /);
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200, 'the process itself is alive');
  });

  it('restored: /readyz recovers by itself, refused calls are accepted when resent, metrics equal a plain scan', async () => {
    await proxy.restore();
    const deadline = Date.now() + 60_000;
    while ((await fetch(`${server.baseUrl}/readyz`)).status !== 200) {
      assert.ok(Date.now() < deadline, '/readyz did not recover within 60 s of the database returning');
      await sleep(100);
    }
    assert.equal((await send('CA-after-1', false)).status, 200);
    // SignalWire retries what was not acknowledged: every refused call is accepted now (or found already
    // stored, when its commit landed but the answer was lost with the connection).
    const refused = [...new Set(answers.filter((a) => a.status !== 200).map((a) => a.sid))];
    assert.ok(refused.length >= 3 * WORKERS);
    const before = await storedSids();
    for (const sid of refused) {
      const answer = await send(sid, false);
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as { result: string }).result, before.has(sid) ? 'duplicate' : 'accepted', sid);
    }
    const everySid = new Set(answers.map((a) => a.sid));
    const stored = await storedSids();
    assert.deepEqual([...stored].sort(), [...everySid].sort(), 'every call sent is stored, once');

    const from = Date.UTC(2024, 10, 4);
    const to = Date.UTC(2024, 10, 7);
    const response = await fetch(`${server.baseUrl}/api/v1/summary?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
    assert.equal(response.status, 200);
    const { range: _range, ...figures } = (await response.json()) as Record<string, unknown>;
    const expected = await plainSummaryIn(db, from, to);
    assert.equal(expected.calls, everySid.size);
    assert.deepEqual(rounded(figures), rounded(expected));
  });

  it('stops gracefully on SIGTERM after the outage (exit 0)', async () => {
    server.process.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });
});
