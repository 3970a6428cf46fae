/**
 * `callpulse demo` as a real child process: it serves the webhook (verified: an unsigned callback is
 * refused) and the API with the backfilled calls in them, keeps a live stream going, stops on SIGTERM with
 * exit 0 having stored exactly what it counted, recreates its database on the next run, and refuses to
 * delete a file that is not a demo database.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, runCli } from '../helpers/child-server.js';
import { countRows, scan } from '../helpers/db-scan.js';
import { formBody } from '../helpers/independent-signer.js';
import { plainSummary } from '../helpers/plain-summary.js';
import { callbackFields, tempDir, WEBHOOK } from '../helpers/test-server.js';

interface Demo {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout (rejects after 120 s or if the demo exits). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

const ENV = { SIGNALWIRE_SIGNING_KEY: '', CALLPULSE_API_TOKEN: '', PUBLIC_URL: '', DATABASE_URL: '', CALLPULSE_CONFIG: '', LOG_LEVEL: 'info' };

function startDemo(args: string[]): Demo {
  const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', ...args], { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => stdout + stderr,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stdout);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in 120 s:\n${stdout}${stderr}`)), 120_000);
        listeners.add(check);
        void exited.then(() => reject(new Error(`demo exited before ${pattern}:\n${stdout}${stderr}`)));
        check();
      });
    },
  };
}

describe('callpulse demo', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const dbPath = join(dir, 'my-demo.db');

  it('serves the webhook and the API with the simulated calls, streams live, stops on SIGTERM with exit 0', async () => {
    const demo = startDemo(['--db', dbPath, '--days', '3', '--calls-per-day', '300', '--rate', '20/s', '--seed', '21']);
    try {
      const [, baseUrl] = (await demo.waitFor(/^Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/$/m)) as unknown as [string, string];
      const [, backfilled] = (await demo.waitFor(/^Backfilled ([\d,]+) calls in [\d.]+ s: ([\d,]+) accepted\.$/m)) as unknown as [string, string, string];
      const backfilledCount = Number(backfilled.replaceAll(',', ''));
      // 300 a day on average over the week; the weekday weights (1.25, 1.1, 1.05, 1.05, 1, 0.35, 0.2, mean 6/7)
      // make three days in a row between Fri-Sun (1.81 days' worth, 543 calls) and Mon-Wed (3.97, 1,190 calls)
      // expected, whatever day the test runs; the bounds leave room for the random spread around that.
      assert.ok(backfilledCount > 400 && backfilledCount < 1450, `${backfilledCount} calls for 3 days at 300 a day`);
      await demo.waitFor(/^Live: simulated calls at about 20\/s \(seed 21\)\. Press Ctrl-C to stop\.$/m);

      // The webhook verifies signatures: an unsigned callback is refused.
      const unsigned = await fetch(baseUrl + WEBHOOK, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: formBody(Object.entries(callbackFields())),
      });
      assert.equal(unsigned.status, 403);

      // The API has the calls; the figures are the database's (three days back, before the live stream adds more).
      const to = Date.now() - 60_000;
      const from = to - 3 * 86_400_000;
      const response = await fetch(`${baseUrl}/api/v1/summary?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
      assert.equal(response.status, 200);
      const summary = (await response.json()) as { calls: number; successRate: number };
      const plain = plainSummary(dbPath, from, to);
      assert.equal(summary.calls, plain.calls);
      assert.equal(summary.successRate, plain.successRate);
      assert.ok(summary.calls > 0.9 * backfilledCount, `${summary.calls} of ${backfilledCount}`);
      const list = (await (await fetch(`${baseUrl}/api/v1/calls?since=7d&limit=5`)).json()) as { calls: unknown[] };
      assert.equal(list.calls.length, 5);
      // The dashboard URL it printed serves the dashboard page.
      const page = await fetch(`${baseUrl}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);

      // The live stream keeps adding calls.
      const start = countRows(dbPath, 'calls');
      const giveUp = Date.now() + 60_000;
      while (countRows(dbPath, 'calls') < start + 10 && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(countRows(dbPath, 'calls') >= start + 10, 'live calls keep arriving');
    } finally {
      demo.child.kill('SIGTERM');
    }
    assert.equal(await demo.exited, 0, demo.output());
    const [, sent, accepted] = /^Stopping: ([\d,]+) live calls sent, ([\d,]+) accepted\.$/m.exec(demo.output())!;
    assert.equal(sent, accepted);
    assert.match(demo.output(), /^Stopped\.$/m);
    const backfilledCount = Number(/^Backfilled ([\d,]+)/m.exec(demo.output())![1]!.replaceAll(',', ''));
    assert.equal(countRows(dbPath, 'calls'), backfilledCount + Number(accepted!.replaceAll(',', '')));
    assert.equal(countRows(dbPath, 'quarantine'), 0);
  });

  it('recreates its database on every run', async () => {
    const before = new Set(scan<{ call_sid: string }>(dbPath, 'SELECT call_sid FROM calls').map((r) => r.call_sid));
    assert.ok(before.size > 0);
    const demo = startDemo(['--db', dbPath, '--days', '1', '--calls-per-day', '100', '--rate', '1/s', '--seed', '22']);
    try {
      await demo.waitFor(/^Live: /m);
    } finally {
      demo.child.kill('SIGTERM');
    }
    assert.equal(await demo.exited, 0, demo.output());
    const after = scan<{ call_sid: string }>(dbPath, 'SELECT call_sid FROM calls').map((r) => r.call_sid);
    assert.ok(after.length > 0);
    assert.equal(after.filter((sid) => before.has(sid)).length, 0, 'nothing of the previous run is left');
  });

  it('refuses to recreate a file that is not named like a demo database', async () => {
    const precious = join(dir, 'production.db');
    writeFileSync(precious, 'not to be deleted');
    const result = await runCli(['demo', '--port', '0', '--db', precious], ENV);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^callpulse demo: demo recreates its database, and .*production\.db exists but is not named like a demo database/);
    assert.ok(existsSync(precious));
  });
});
