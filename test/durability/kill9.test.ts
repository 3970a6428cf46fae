/**
 * Durability: a real server process under concurrent signed load is killed with SIGKILL at an arbitrary
 * moment, restarted on the same file, and every CallSid it acknowledged with 200 must be there.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { scan } from '../helpers/db-scan.js';
import { startChildServer } from '../helpers/child-server.js';
import { formBody, signForm } from '../helpers/independent-signer.js';
import { callbackFields, tempDir, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'durability-key';
const WORKERS = 32;

/**
 * Sends signed callbacks from many workers until the server dies; the kill comes once `killAfterAcked`
 * callbacks were acknowledged (progress, not time, decides: the machine may be slow), while dozens more
 * are in flight. Returns the CallSids answered 200 and all those sent.
 */
async function loadUntilDeath(baseUrl: string, round: number, killAfterAcked: number, kill: () => void): Promise<{ acked: string[]; sent: string[] }> {
  const acked: string[] = [];
  const sent: string[] = [];
  const url = baseUrl + WEBHOOK;
  let alive = true;
  const deadline = Date.now() + 120_000; // a bound for a server that stopped answering
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; alive && Date.now() < deadline; i++) {
      const fields = callbackFields({ CallSid: `CA-r${round}-w${w}-${i}` });
      const params = Object.entries(fields);
      sent.push(fields.CallSid!);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(KEY, url, params) },
          body: formBody(params),
        });
        await response.arrayBuffer();
        if (response.status === 200) acked.push(fields.CallSid!);
        if (acked.length === killAfterAcked) kill();
      } catch {
        alive = false; // the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  if (acked.length < killAfterAcked) kill();
  return { acked, sent };
}

describe('kill -9 under load loses no acknowledged callback', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const dbPath = join(dir, 'durable.db');

  for (const [round, killAfterAcked] of [[1, 700], [2, 1500], [3, 300]] as const) {
    it(`round ${round}: SIGKILL under load once ${killAfterAcked} callbacks were acknowledged`, async (t) => {
      const server = await startChildServer(['--db', dbPath], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info' });
      const { acked, sent } = await loadUntilDeath(server.baseUrl, round, killAfterAcked, () => server.process.kill('SIGKILL'));
      assert.equal(await server.exited, 'SIGKILL');
      t.diagnostic(`${acked.length} acknowledged of ${sent.length} sent before the kill`);
      assert.ok(acked.length >= killAfterAcked, `the load was acknowledged before the kill (acked ${acked.length})`);

      const restarted = await startChildServer(['--db', dbPath], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info' });
      try {
        const stored = new Set(scan<{ call_sid: string }>(dbPath, 'SELECT call_sid FROM calls WHERE call_sid LIKE ?', `CA-r${round}-%`).map((r) => r.call_sid));
        const lost = acked.filter((sid) => !stored.has(sid));
        assert.deepEqual(lost, [], `${lost.length} acknowledged callbacks were lost`);
        const sentSet = new Set(sent);
        assert.ok([...stored].every((sid) => sentSet.has(sid)), 'nothing is stored that was not sent');
        const probe = acked[acked.length - 1]!;
        assert.equal((await fetch(`${restarted.baseUrl}/api/v1/calls/${probe}`)).status, 200);
      } finally {
        restarted.process.kill('SIGTERM');
        assert.equal(await restarted.exited, 0);
      }
    });
  }
});
