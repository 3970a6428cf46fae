/**
 * `callpulse reconcile` as a real child process, next to a running `callpulse serve` on the same SQLite
 * file, against the fake Calls API: the lost callbacks are filled, the server's summary becomes complete
 * (compared with a plain scan), a second run changes nothing, --dry-run writes nothing, and a listing that
 * fails part-way stores nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { countRows, scan } from '../helpers/db-scan.js';
import { rfc2822, startFakeSignalWire, type FakeCall, type FakeSignalWire } from '../helpers/fake-signalwire.js';
import { plainSummary } from '../helpers/plain-summary.js';
import { postSignedCallback, tempDir, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'reconcile-cli-key';
const HOUR = 3_600_000;

describe('callpulse reconcile', () => {
  const { dir, cleanup } = tempDir();
  const dbPath = join(dir, 'reconcile.db');
  let fake: FakeSignalWire;
  let server: ChildServer;
  let env: Record<string, string>;
  const now = Date.now();
  const calls: FakeCall[] = [];
  const cli = (...args: string[]) => runCli(['reconcile', '--db', dbPath, '--space-url', fake.spaceUrl, ...args], env);

  before(async () => {
    for (let i = 0; i < 24; i++) {
      const created = now - 20 * HOUR + i * 45 * 60_000;
      const status = i % 3 === 2 ? 'failed' : 'completed';
      calls.push({
        sid: `CA-cli-${i}`, account_sid: 'AC-cli', date_created: rfc2822(new Date(created)), date_updated: rfc2822(new Date(created)),
        start_time: rfc2822(new Date(created + 2000)), end_time: rfc2822(new Date(created + 60_000)), direction: 'inbound',
        from: `+1555300${String(i).padStart(4, '0')}`, to: '+15558000001', status, duration: status === 'completed' ? 60 + i : 0,
      });
    }
    const old = now - 50 * HOUR;
    calls.push({
      sid: 'CA-cli-old', account_sid: 'AC-cli', date_created: rfc2822(new Date(old)), date_updated: rfc2822(new Date(old)),
      start_time: rfc2822(new Date(old)), end_time: rfc2822(new Date(old)), direction: 'inbound', from: '+15550000000', to: '+15558000001',
      status: 'completed', duration: 5,
    });
    fake = await startFakeSignalWire({ calls, maxPageSize: 10 });
    env = { SIGNALWIRE_PROJECT_ID: fake.projectId, SIGNALWIRE_API_TOKEN: fake.apiToken, SIGNALWIRE_SPACE: '', DATABASE_URL: '', CALLPULSE_CONFIG: '' };
    server = await startChildServer(['--db', dbPath], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info', PUBLIC_URL: '', CALLPULSE_API_TOKEN: '' });
    for (const [i, c] of calls.entries()) {
      if (i % 2 === 0 || c.sid === 'CA-cli-old') continue; // the even ones were lost
      const response = await postSignedCallback(server.baseUrl + WEBHOOK, KEY, {
        CallSid: c.sid, AccountSid: c.account_sid, From: c.from, To: c.to, Timestamp: c.date_created,
        CallStatus: c.status, CallDuration: String(c.duration), AudioInMos: '3.9',
      });
      assert.equal(response.status, 200);
    }
  });
  after(async () => {
    server?.process.kill('SIGTERM');
    await server?.exited;
    await fake?.close();
    cleanup();
  });

  it('--dry-run reports the 12 missing calls and writes nothing', async () => {
    const result = await cli('--dry-run', '--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual([report.dryRun, report.ended, report.alreadyStored, report.missing, report.stored], [true, 24, 12, 12, 0]);
    assert.equal(countRows(dbPath, 'calls'), 12);
  });

  it('fills exactly the missing calls while the server runs; the summary is complete again and equals a plain scan', async () => {
    const result = await cli();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Calls API, inbound calls created since \S+ \(24h\): 24 ended\.\n  already stored:  12\n  missing:         12 \(8 completed, 4 failed\)\n  stored now:      12 \(source api, no MOS\)\n/);
    assert.match(result.stdout, /Skipped: 0 not ended yet \(run reconcile again later\), 0 outbound, 0 created before the range; 24 call\(s\) listed in all\./);

    const apiRows = scan<{ call_sid: string }>(dbPath, "SELECT call_sid FROM calls WHERE source = 'api' ORDER BY call_sid");
    assert.deepEqual(apiRows.map((r) => r.call_sid), calls.filter((_, i) => i % 2 === 0 && i < 24).map((c) => c.sid).sort());
    assert.equal(countRows(dbPath, 'calls'), 24);

    const from = now - 24 * HOUR;
    const to = now + HOUR;
    const response = await fetch(`${server.baseUrl}/api/v1/summary?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
    assert.equal(response.status, 200);
    const summary = (await response.json()) as { calls: number; completed: number; successRate: number; mos: { scored: number } };
    const plain = plainSummary(dbPath, from, to);
    assert.deepEqual([summary.calls, summary.completed, summary.successRate, summary.mos.scored], [plain.calls, plain.completed, plain.successRate, plain.mos.scored]);
    assert.deepEqual([plain.calls, plain.completed, plain.mos.scored], [24, 16, 12]);
  });

  it('a second run changes nothing', async () => {
    const before = scan(dbPath, 'SELECT * FROM calls ORDER BY id');
    const deliveries = countRows(dbPath, 'deliveries');
    const result = await cli('--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, number>;
    assert.deepEqual([report.missing, report.stored, report.alreadyStored], [0, 0, 24]);
    assert.deepEqual(scan(dbPath, 'SELECT * FROM calls ORDER BY id'), before);
    assert.equal(countRows(dbPath, 'deliveries'), deliveries);
  });

  it('a listing that fails part-way (503 on every attempt at page 2) stores nothing and says why', async () => {
    calls.push({ ...calls[0]!, sid: 'CA-cli-new', date_created: rfc2822(new Date(now - HOUR)), start_time: rfc2822(new Date(now - HOUR)) });
    const before = scan(dbPath, 'SELECT * FROM calls ORDER BY id');
    fake.requests.length = 0;
    fake.fail(/\/Calls\?.*PageToken=/, ...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 503, retryAfter: '0' })));
    const result = await cli();
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), Array.from({ length: 4 }, (_, i) => `SignalWire: server error (503); retry ${i + 1} in 0.0 s`));
    assert.match(lines[4]!, /^callpulse reconcile: GET http:\/\/127\.0\.0\.1:\d+\/api\/laml\/2010-04-01\/Accounts\/[\w-]+\/Calls answered 503 Service Unavailable 5 time\(s\) \(Injected failure\); SignalWire may be having trouble, try again later$/);
    assert.deepEqual(fake.requests.map((r) => r.answered), [200, 503, 503, 503, 503, 503]);
    assert.deepEqual(scan(dbPath, 'SELECT * FROM calls ORDER BY id'), before);

    const retried = await cli('--format', 'json');
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal((JSON.parse(retried.stdout) as { stored: number }).stored, 1);
    assert.deepEqual(scan(dbPath, "SELECT source FROM calls WHERE call_sid = 'CA-cli-new'"), [{ source: 'api' }]);
  });

  it('bad credentials name the Voice scope', async () => {
    const result = await runCli(['reconcile', '--db', dbPath, '--space-url', fake.spaceUrl], { ...env, SIGNALWIRE_API_TOKEN: 'nope' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^callpulse reconcile: SignalWire refused the credentials for GET \S+\/Calls \(401: Authentication Failed\); .*the Voice scope\n$/);
  });

  it('--since is checked before anything is read', async () => {
    const result = await cli('--since', 'yesterday');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^callpulse reconcile: --since must be a length like 90s, 15m, 24h or 30d/);
  });
});
