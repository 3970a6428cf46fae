/**
 * `callpulse simulate` as a real child process against a real `callpulse serve` with a signing key: every
 * callback, form or JSON, live or backfilled, passes the server's own signature check and validation
 * (all 200, nothing quarantined, the database holds exactly what was accepted), the same seed sends the
 * same CallSids, a wrong key is refused and said so, and SIGTERM stops a run with its counts printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, runCli, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { closedPort } from '../helpers/fake-signalwire.js';
import { countRows, scan } from '../helpers/db-scan.js';
import { tempDir, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'simulate-test-signing-key';

interface Phase {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  failed: number;
  rejections: Record<string, number>;
}
interface Report {
  seed: number;
  backfill: Phase | null;
  live: Phase | null;
  stopped: boolean;
}

describe('callpulse simulate', () => {
  const { dir, cleanup } = tempDir();
  const dbPath = join(dir, 'simulate.db');
  let server: ChildServer;
  let url: string;
  const env = { SIGNALWIRE_SIGNING_KEY: '', CALLPULSE_CONFIG: '' };

  before(async () => {
    server = await startChildServer(['--db', dbPath], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info', PUBLIC_URL: '' });
    url = server.baseUrl + WEBHOOK;
  });
  after(async () => {
    server.process.kill('SIGTERM');
    await server.exited;
    cleanup();
  });

  async function simulate(...args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
    const result = await runCli(['simulate', '--url', url, '--json', ...args], env);
    return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  }

  it('form callbacks, live: all accepted by the real webhook, nothing quarantined', async () => {
    const before = countRows(dbPath, 'calls');
    const { code, report, stderr } = await simulate('--signing-key', KEY, '--count', '300', '--rate', '2000/s', '--seed', '11');
    assert.equal(code, 0, stderr);
    assert.deepEqual(report.live, { ...report.live, sent: 300, accepted: 300, duplicates: 0, rejected: 0, failed: 0, rejections: {} });
    assert.equal(report.backfill, null);
    assert.equal(countRows(dbPath, 'calls') - before, 300);
    assert.equal(countRows(dbPath, 'quarantine'), 0);
    const stored = scan<{ method: string; content_type: string; source: string }>(dbPath, 'SELECT DISTINCT method, content_type, source FROM calls');
    assert.deepEqual(stored, [{ method: 'POST', content_type: 'application/x-www-form-urlencoded', source: 'webhook' }]);
  });

  it('JSON callbacks, signed with SIGNALWIRE_SIGNING_KEY from the environment: all accepted', async () => {
    const before = countRows(dbPath, 'calls');
    const result = await runCli(['simulate', '--url', url, '--json', '--format', 'json', '--count', '120', '--rate', '2000/s', '--seed', '12'], { ...env, SIGNALWIRE_SIGNING_KEY: KEY });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.live!.accepted, 120);
    assert.equal(countRows(dbPath, 'calls') - before, 120);
    assert.equal(scan<{ n: number }>(dbPath, "SELECT COUNT(*) AS n FROM calls WHERE content_type = 'application/json'")[0]!.n, 120);
    assert.equal(countRows(dbPath, 'quarantine'), 0);
  });

  it('backfill: past Timestamps spread over the days asked, all accepted, the database holds each one', async () => {
    const before = countRows(dbPath, 'calls');
    const started = Date.now();
    const { code, report, stderr } = await simulate('--signing-key', KEY, '--backfill', '3d', '--calls-per-day', '400', '--seed', '13');
    assert.equal(code, 0, stderr);
    assert.equal(report.live, null, 'a backfill alone has no live stream');
    const backfill = report.backfill!;
    // The weekday weights make three days in a row expect between 1.81 (Fri-Sun: 724 calls) and 3.97 days' worth
    // (Mon-Wed: 1,586), whatever day the test runs; the bounds leave room for the random spread around that.
    assert.ok(backfill.sent > 550 && backfill.sent < 1900, `${backfill.sent} calls for 3 days at 400 a day`);
    assert.deepEqual([backfill.accepted, backfill.rejected, backfill.failed], [backfill.sent, 0, 0]);
    assert.equal(countRows(dbPath, 'calls') - before, backfill.sent);
    const [range] = scan<{ lo: number; hi: number; days: number }>(dbPath,
      "SELECT MIN(created_at) AS lo, MAX(created_at) AS hi, COUNT(DISTINCT created_at / 86400000) AS days FROM calls WHERE received_at >= ?", started);
    assert.ok(range!.lo >= started - 3 * 86_400_000 - 1000 && range!.hi <= Date.now(), 'Timestamps inside the backfill window');
    assert.ok(range!.days >= 3, 'spread over the days');
    assert.equal(countRows(dbPath, 'quarantine'), 0);
    // Repeat callers and non-E.164 callers reached the database too.
    assert.ok(scan<{ n: number }>(dbPath, "SELECT COUNT(*) AS n FROM calls WHERE from_e164 = 0 AND received_at >= ?", started)[0]!.n > 0);
    const repeats = scan<{ n: number }>(dbPath, `SELECT COUNT(*) AS n FROM calls a JOIN calls b ON a.from_number = b.from_number AND a.to_number = b.to_number
      AND b.created_at > a.created_at AND b.created_at - a.created_at < 86400000 AND a.from_e164 = 1 WHERE a.received_at >= ? AND b.received_at >= ?`, started, started)[0]!.n;
    assert.ok(repeats > 0, 'repeat callers within 24 hours');
  });

  it('the same seed sends the same CallSids: a second run is all duplicates', async () => {
    const first = await simulate('--signing-key', KEY, '--count', '40', '--rate', '2000/s', '--seed', '99');
    assert.equal(first.report.live!.accepted, 40);
    const second = await simulate('--signing-key', KEY, '--count', '40', '--rate', '2000/s', '--seed', '99');
    assert.equal(second.code, 0);
    assert.deepEqual([second.report.live!.accepted, second.report.live!.duplicates], [0, 40]);
  });

  it('a wrong key: every callback refused with 403, exit 1, and it says what to check', async () => {
    const before = countRows(dbPath, 'calls');
    const { code, report, stderr } = await simulate('--signing-key', 'not-the-key', '--count', '20', '--rate', '2000/s');
    assert.equal(code, 1);
    assert.deepEqual(report.live!.rejections, { '403 CP_ERR_SIGNATURE_INVALID': 20 });
    assert.match(stderr, /^callpulse simulate: 20 callback\(s\) rejected and 0 unanswered; the signatures did not verify: check --signing-key and that --url is the URL the server sees \(PUBLIC_URL\)\.\n$/);
    assert.equal(countRows(dbPath, 'calls'), before);
  });

  it('no server at the URL: exit 1, asks whether it runs', async () => {
    const port = await closedPort();
    const result = await runCli(['simulate', '--url', `http://127.0.0.1:${port}${WEBHOOK}`, '--signing-key', KEY, '--count', '3', '--rate', '100/s'], env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /Live: 3 sent .* 3 unanswered \(ECONNREFUSED\)\./);
    assert.match(result.stderr, /3 unanswered; is the server running at http:\/\/127\.0\.0\.1:\d+\/webhooks\/signalwire\/call-status\?\.\n$/);
  });

  it('SIGTERM stops a live stream after the requests in flight; the counts are printed and match the database', async () => {
    const before = countRows(dbPath, 'calls');
    const child = spawn(process.execPath, [BIN, 'simulate', '--url', url, '--signing-key', KEY, '--rate', '50/s', '--duration', '10m', '--json'], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until some calls have arrived, then stop it.
    const giveUp = Date.now() + 60_000;
    while (countRows(dbPath, 'calls') - before < 20 && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const report = JSON.parse(stdout) as Report;
    assert.equal(report.stopped, true);
    assert.equal(report.live!.accepted, report.live!.sent);
    assert.equal(countRows(dbPath, 'calls') - before, report.live!.sent);
  });

  it('usage errors are named', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /simulate needs --url/],
      [['--url', url, '--count', '5', '--duration', '5s'], /give --duration or --count, not both/],
      [['--url', url, '--rate', 'fast'], /--rate must be a rate like 20\/s/],
      [['--url', url, '--format', 'xml'], /--format must be form or json/],
      [['--url', url, '--backfill', '2y'], /--backfill must be a length like/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['simulate', ...args], env);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
    }
  });
});
