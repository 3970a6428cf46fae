/**
 * Graceful shutdown: a real server process under concurrent signed load gets SIGTERM (or SIGINT). Every
 * request it received is answered, every 200 is stored, nothing unanswered is stored, a 503 stores nothing,
 * and the process exits 0, even with clients that keep idle keep-alive connections open.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { scan } from '../helpers/db-scan.js';
import { startChildServer } from '../helpers/child-server.js';
import { formBody, signForm } from '../helpers/independent-signer.js';
import { callbackFields, tempDir, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'shutdown-key';
const WORKERS = 32;

type Result = { sid: string; status: number | 'error'; code?: string; answeredAfterSignal: boolean };

/** POSTs one signed callback through `agent` (keep-alive); resolves with the status and the error code of the body. */
function post(url: string, agent: Agent, sid: string): Promise<{ status: number | 'error'; code?: string }> {
  const fields = callbackFields({ CallSid: sid });
  const params = Object.entries(fields);
  const body = formBody(params);
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-signalwire-signature': signForm(KEY, url, params) },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        resolve({ status: response.statusCode!, code });
      });
      response.on('error', () => resolve({ status: 'error' }));
    });
    req.on('error', () => resolve({ status: 'error' }));
    req.end(body);
  });
}

async function loadThroughShutdown(baseUrl: string, round: string, signalAfterAcked: number, signal: () => void) {
  const url = baseUrl + WEBHOOK;
  const results: Result[] = [];
  let signalled = false;
  let acked = 0;
  // Workers stop at their first connection error (the server no longer listens), or after a bound.
  const deadline = Date.now() + 120_000;
  const busyAgent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; Date.now() < deadline; i++) {
      const sid = `CA-${round}-w${w}-${i}`;
      const result = await post(url, busyAgent, sid);
      results.push({ sid, ...result, answeredAfterSignal: signalled && result.status !== 'error' });
      if (result.status === 200 && ++acked === signalAfterAcked) {
        signalled = true;
        signal();
      }
      if (result.status === 'error') return;
    }
  };
  // A client that keeps its keep-alive connections open and idle once the signal went (a sender that pools connections).
  const idleAgent = new Agent({ keepAlive: true, maxSockets: 4 });
  const lingering = async (w: number): Promise<void> => {
    for (let i = 0; !signalled && Date.now() < deadline; i++) {
      const sid = `CA-${round}-idle${w}-${i}`;
      const result = await post(url, idleAgent, sid);
      results.push({ sid, ...result, answeredAfterSignal: signalled && result.status !== 'error' });
      if (result.status === 'error') return;
    }
  };
  await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), ...Array.from({ length: 4 }, (_, w) => lingering(w))]);
  busyAgent.destroy();
  return { results, signalled, idleAgent };
}

describe('graceful shutdown under load', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  for (const [round, signalName, signalAfterAcked] of [['t1', 'SIGTERM', 600], ['t2', 'SIGINT', 300]] as const) {
    it(`${signalName} under load: every request received is answered, every 200 is stored, exit 0`, async (t) => {
      const dbPath = join(dir, `${round}.db`);
      const server = await startChildServer(['--db', dbPath], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info' });
      const { results, signalled, idleAgent } = await loadThroughShutdown(server.baseUrl, round, signalAfterAcked, () => server.process.kill(signalName));
      try {
        assert.ok(signalled, `the load reached ${signalAfterAcked} acknowledged callbacks before the signal`);
        const exit = await server.exited;
        assert.equal(exit, 0, `the process exits 0 (output:\n${server.output().slice(-2000)})`);
        assert.match(server.output(), /"msg":"stopped"/);
        const logTime = (message: string): number => Number(new RegExp(`"time":(\\d+)[^\\n]*"msg":"${message}`).exec(server.output())?.[1]);
        t.diagnostic(`shutdown took ${logTime('stopped') - logTime('shutting down')} ms`);

        const stored = new Set(scan<{ call_sid: string }>(dbPath, 'SELECT call_sid FROM calls').map((r) => r.call_sid));
        const ok = results.filter((r) => r.status === 200);
        const refused = results.filter((r) => typeof r.status === 'number' && r.status !== 200);
        const failed = results.filter((r) => r.status === 'error');
        t.diagnostic(`${ok.length} answered 200, ${refused.length} refused, ${failed.length} connection errors; ${results.filter((r) => r.answeredAfterSignal).length} answered after the signal`);

        assert.deepEqual(ok.filter((r) => !stored.has(r.sid)).map((r) => r.sid), [], 'every acknowledged callback is stored');
        assert.deepEqual(refused.filter((r) => r.status !== 503 || r.code !== 'CP_ERR_SHUTTING_DOWN').map((r) => `${r.sid} ${r.status} ${r.code}`), [], 'the only refusal is 503 shutting down');
        assert.deepEqual(refused.filter((r) => stored.has(r.sid)).map((r) => r.sid), [], 'a callback refused with 503 is not stored');
        // A connection error means the server never read the request: had it read it, it would have answered.
        assert.deepEqual(failed.filter((r) => stored.has(r.sid)).map((r) => r.sid), [], 'nothing is stored that was left unanswered');
        assert.equal(stored.size, ok.length, 'exactly the acknowledged callbacks are stored');
        assert.ok(results.some((r) => r.answeredAfterSignal), 'requests in flight when the signal came were answered');
      } finally {
        idleAgent.destroy();
        if (server.process.exitCode === null) server.process.kill('SIGKILL');
      }
    });
  }
});
