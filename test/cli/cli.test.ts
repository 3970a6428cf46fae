/**
 * The real `callpulse` binary in child processes: help, exit codes, one-sentence errors, the secure
 * default for serve, and quarantine list/replay over a real database file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { countRows, scan } from '../helpers/db-scan.js';
import { runCli, startChildServer } from '../helpers/child-server.js';
import { formBody } from '../helpers/independent-signer.js';
import { callbackFields, postSignedCallback, tempDir, WEBHOOK } from '../helpers/test-server.js';

const COMMANDS = ['serve', 'report', 'import', 'quarantine', 'migrate'];

describe('callpulse: help and exit codes', () => {
  it('--help lists every command and exits 0; no command exits 2', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.equal((await runCli([])).code, 2);
  });

  for (const name of COMMANDS) {
    it(`${name} --help prints its usage and exits 0`, async () => {
      const result = await runCli([name, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: callpulse ${name}`));
      assert.match(result.stdout, /--db PATH\|URL/);
    });
  }

  it('an unknown command or option is one sentence on stderr, exit 2', async () => {
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim().split('\n').length, 1);
    const badOption = await runCli(['serve', '--prot', '3000']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /^callpulse serve: Unknown option '--prot'; see callpulse serve --help\n$/);
  });

  it('a bad setting names the key, exit 1, no stack trace', async () => {
    const result = await runCli(['serve', '--port', 'eighty']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^callpulse serve: configuration error: server\.port must be a whole number from 0 to 65535, got "eighty"\n$/);
  });
});

describe('callpulse serve: secure by default', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('refuses a non-loopback address without a signing key, before opening anything', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--db', join(dir, 'refused.db')], { SIGNALWIRE_SIGNING_KEY: '' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^callpulse serve: refusing to listen on 0\.0\.0\.0 without a signing key: .*--insecure.*\n$/);
    assert.equal(result.stderr.split('\n').length, 2, 'one line');
  });

  it('starts on loopback without a key, says loudly that callbacks are unverified, and stops on SIGTERM with exit 0', async () => {
    const server = await startChildServer(['--db', join(dir, 'loopback.db')], { SIGNALWIRE_SIGNING_KEY: '', LOG_LEVEL: 'info' });
    try {
      assert.match(server.output(), /NO SIGNING KEY IS SET: CALLBACKS ARE NOT VERIFIED/);
      const response = await fetch(server.baseUrl + WEBHOOK, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody(Object.entries(callbackFields({ CallSid: 'CA-unsigned' }))),
      });
      assert.equal(response.status, 200);
    } finally {
      server.process.kill('SIGTERM');
    }
    assert.equal(await server.exited, 0);
    assert.equal(countRows(join(dir, 'loopback.db'), 'calls'), 1);
  });

  it('logs never contain the signing key', async () => {
    const secret = 'very-secret-signing-key-42';
    const server = await startChildServer(['--db', join(dir, 'keyed.db')], { SIGNALWIRE_SIGNING_KEY: secret, LOG_LEVEL: 'trace' });
    try {
      await fetch(server.baseUrl + WEBHOOK, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': 'forged' },
        body: formBody(Object.entries(callbackFields())),
      });
    } finally {
      server.process.kill('SIGTERM');
    }
    await server.exited;
    assert.doesNotMatch(server.output(), new RegExp(secret));
  });
});

describe('callpulse quarantine', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const dbPath = join(dir, 'quarantine.db');
  const KEY = 'quarantine-key';

  it('keeps a signed invalid callback, lists it, and replay stores only what validates now', async () => {
    const server = await startChildServer(['--db', dbPath], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info' });
    try {
      const response = await postSignedCallback(server.baseUrl + WEBHOOK, KEY, callbackFields({ CallSid: 'CA-still-bad', CallDuration: 'forty' }));
      assert.equal(response.status, 422);
    } finally {
      server.process.kill('SIGTERM');
    }
    assert.equal(await server.exited, 0);

    // An entry an older, stricter version quarantined, valid by today's rules.
    const db = new Database(dbPath);
    db.prepare('INSERT INTO quarantine (received_at, method, content_type, url, problems, raw) VALUES (?, ?, ?, ?, ?, ?)').run(
      Date.UTC(2024, 3, 4), 'POST', 'application/x-www-form-urlencoded', 'https://cp.example.com/webhooks/signalwire/call-status',
      JSON.stringify([{ field: 'CallStatus', message: 'old rule' }]),
      JSON.stringify(callbackFields({ CallSid: 'CA-now-good', CallStatus: 'no-answer', CallDuration: '' })),
    );
    db.close();

    const list = await runCli(['quarantine', 'list', '--db', dbPath]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /CA-still-bad .*CallDuration: must be a whole number/);
    assert.match(list.stdout, /CA-now-good .*CallStatus: old rule/);

    const replay = await runCli(['quarantine', 'replay', '--db', dbPath]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /^Replayed 2 quarantined callback\(s\): 1 stored, 0 already stored, 1 still invalid\.\n/);
    assert.deepEqual(scan(dbPath, 'SELECT call_sid, status, duration_seconds FROM calls ORDER BY call_sid'), [
      { call_sid: 'CA-now-good', status: 'no-answer', duration_seconds: null },
    ]);

    const again = await runCli(['quarantine', 'replay', '--db', dbPath, '--format', 'json']);
    assert.equal(again.code, 0);
    const report = JSON.parse(again.stdout) as { examined: number; accepted: number };
    assert.equal(report.accepted, 0, 'running replay twice changes nothing');
    assert.equal(report.examined, 1);
    assert.equal(countRows(dbPath, 'calls'), 1);

    const all = JSON.parse((await runCli(['quarantine', 'list', '--all', '--format', 'json', '--db', dbPath])).stdout) as Array<{ replayedAt: string | null }>;
    assert.equal(all.length, 2);
    assert.equal(all.filter((entry) => entry.replayedAt !== null).length, 1);
  });

  it('an unknown action is a usage error', async () => {
    const result = await runCli(['quarantine', 'purge', '--db', dbPath]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^callpulse quarantine: unknown quarantine action "purge"; use list or replay\n$/);
  });
});
