/**
 * Privacy mode, end to end with real server processes: the same traffic (form, JSON and GET callbacks, a
 * repeat delivery, quarantined ones, extra caller fields, an import and a replay) sent to a private and a
 * plain server. No caller's number appears in clear in the private database files, its logs or its API;
 * each is stored as the HMAC the test computes itself; repeat callers and caller countries are the same
 * as in the plain run.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scan } from '../helpers/db-scan.js';
import { runCli, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { formBody, signForm, signJson, signUrl } from '../helpers/independent-signer.js';
import { callbackFields, postSignedCallback, tempDir, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'privacy-signing-key';
const PRIVACY_KEY = 'a-privacy-key-of-32-characters!!';
const HOUR = 3_600_000;
/** Callers: New York, London, Toronto, Sydney. */
const CALLERS = ['+12125550147', '+442079460958', '+14165550123', '+61291234567'];
const CALLER_NAME = 'Jane Q. Caller';
const NUMBER = '+15557650002';

const hashOf = (value: string): string => 'h:' + createHmac('sha256', PRIVACY_KEY).update(value).digest('hex').slice(0, 20);

/** Every way a number may be spelt in a file, a log or a URL. */
function spellings(number: string): string[] {
  const digits = number.slice(1);
  return [number, digits, encodeURIComponent(number), digits.slice(-10)];
}

interface Run {
  server: ChildServer;
  db: string;
  dir: string;
}

/** Sends the same traffic to a server. */
async function traffic(run: Run, base: number): Promise<void> {
  const url = run.server.baseUrl + WEBHOOK;
  const at = (hours: number): string => new Date(base + hours * HOUR).toISOString();
  // Form callbacks: callers 0 and 1 call again within 24 h (repeats), caller 2 after 30 h (not a repeat).
  const plan: Array<[string, number, number]> = [
    ['CA-p-1', 0, 0], ['CA-p-2', 0, 2], ['CA-p-3', 1, 1], ['CA-p-4', 1, 20], ['CA-p-5', 2, 0], ['CA-p-6', 2, 30], ['CA-p-7', 0, 5],
  ];
  for (const [sid, caller, hours] of plan) {
    const fields = callbackFields({ CallSid: sid, From: CALLERS[caller]!, To: NUMBER, Timestamp: at(hours), Caller: CALLERS[caller]!, CallerName: CALLER_NAME });
    assert.equal((await postSignedCallback(url, KEY, fields)).status, 200);
  }
  // A repeat delivery of CA-p-1.
  assert.equal((await postSignedCallback(url, KEY, callbackFields({ CallSid: 'CA-p-1', From: CALLERS[0]!, To: NUMBER, Timestamp: at(0) }))).status, 200);
  // JSON, from caller 3.
  const json = JSON.stringify(callbackFields({ CallSid: 'CA-p-8', From: CALLERS[3]!, To: NUMBER, Timestamp: at(3) }));
  const jsonAnswer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signalwire-signature': signJson(KEY, url, json) }, body: json });
  assert.equal(jsonAnswer.status, 200);
  // GET with the fields in the query string, invalid (quarantined with its URL), from caller 3.
  const query = formBody(Object.entries(callbackFields({ CallSid: 'CA-p-9', From: CALLERS[3]!, To: NUMBER, Timestamp: at(4), CallStatus: 'ringing' })));
  const getUrl = `${url}?${query}`;
  assert.equal((await fetch(getUrl, { headers: { 'x-signalwire-signature': signUrl(KEY, getUrl) } })).status, 422);
  // A signed POST missing its CallDuration (quarantined with its fields), from caller 1; replayed later once fixed? No: it stays.
  const invalid = callbackFields({ CallSid: 'CA-p-10', From: CALLERS[1]!, To: NUMBER, Timestamp: at(6) });
  delete (invalid as Record<string, string>).CallDuration;
  const params = Object.entries(invalid);
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(KEY, url, params) }, body: formBody(params) });
  assert.equal(answer.status, 422);
}

async function api(run: Run, path: string): Promise<string> {
  const response = await fetch(run.server.baseUrl + path);
  assert.equal(response.status, 200, path);
  return response.text();
}

describe('privacy mode', () => {
  const { dir, cleanup } = tempDir();
  const base = Date.UTC(2024, 3, 1, 8, 0);
  const range = `from=${new Date(base - HOUR).toISOString()}&to=${new Date(base + 48 * HOUR).toISOString()}`;
  let privateRun: Run;
  let plainRun: Run;
  let privateConfig: string;

  async function start(name: string, config: string | null, env: Record<string, string>): Promise<Run> {
    const db = join(dir, name, 'callpulse.db');
    const args = ['--db', db, ...(config ? ['--config', config] : [])];
    return { server: await startChildServer(args, { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'trace', ...env }), db, dir: join(dir, name) };
  }

  before(async () => {
    privateConfig = join(dir, 'private.yaml');
    writeFileSync(privateConfig, 'privacy:\n  hashCallers: true\n');
    privateRun = await start('private', privateConfig, { CALLPULSE_PRIVACY_KEY: PRIVACY_KEY });
    plainRun = await start('plain', null, {});
    await traffic(privateRun, base);
    await traffic(plainRun, base);
    // An import through the CLI: one valid line, one unreadable line holding a number.
    const file = join(dir, 'import.ndjson');
    const line = JSON.stringify(callbackFields({ CallSid: 'CA-p-11', From: CALLERS[2]!, To: NUMBER, Timestamp: new Date(base + 7 * HOUR).toISOString() }));
    writeFileSync(file, `${line}\n{"From": "${CALLERS[3]}", broken\n`);
    for (const run of [privateRun, plainRun]) {
      const env: Record<string, string> = run === privateRun ? { CALLPULSE_PRIVACY_KEY: PRIVACY_KEY } : {};
      const args = run === privateRun ? ['--config', privateConfig] : [];
      const imported = await runCli(['import', file, '--db', run.db, ...args], env);
      assert.equal(imported.code, 0, imported.stderr);
      const replayed = await runCli(['quarantine', 'replay', '--db', run.db, ...args], env);
      assert.equal(replayed.code, 0, replayed.stderr);
    }
  });

  after(async () => {
    for (const run of [privateRun, plainRun]) {
      if (run && run.server.process.exitCode === null) {
        run.server.process.kill('SIGTERM');
        await run.server.exited;
      }
    }
    cleanup();
  });

  it('stores each caller as the keyed hash the test computes, with the country of the real number', () => {
    const rows = scan<{ call_sid: string; from_number: string; from_country: string; raw: string }>(privateRun.db, 'SELECT call_sid, from_number, from_country, raw FROM calls WHERE call_sid = ? OR call_sid = ?', 'CA-p-1', 'CA-p-3');
    assert.deepEqual(rows.map((r) => [r.call_sid, r.from_number, r.from_country]), [['CA-p-1', hashOf(CALLERS[0]!), 'US'], ['CA-p-3', hashOf(CALLERS[1]!), 'GB']]);
    const raw = JSON.parse(rows[0]!.raw) as Record<string, string>;
    assert.deepEqual([raw.From, raw.Caller, raw.CallerName, raw.To], [hashOf(CALLERS[0]!), hashOf(CALLERS[0]!), hashOf(CALLER_NAME), NUMBER]);
  });

  it('the API serves the same figures: repeat callers and countries as without privacy', async () => {
    for (const path of [`/api/v1/summary?${range}`, `/api/v1/breakdown?by=country&${range}`, `/api/v1/breakdown?by=status&${range}`]) {
      assert.deepEqual(JSON.parse(await api(privateRun, path)), JSON.parse(await api(plainRun, path)), path);
    }
    const summary = JSON.parse(await api(privateRun, `/api/v1/summary?${range}`)) as { calls: number; repeatCallers: { repeated: number } };
    // Caller 0: 0 h, 2 h, 5 h (two repeated); caller 1: 1 h, 20 h (one); caller 2: 0 h, the import at 7 h and 30 h
    // (two: 7 h follows 0 h, 30 h follows 7 h by 23 h); caller 3: one stored call. 5 repeated of 9.
    assert.deepEqual([summary.calls, summary.repeatCallers.repeated], [9, 5]);
    const repeated = (db: string): Array<[string, number]> => scan<{ call_sid: string; repeated: number }>(db, 'SELECT call_sid, repeated FROM calls ORDER BY call_sid').map((r) => [r.call_sid, r.repeated]);
    assert.deepEqual(repeated(privateRun.db), repeated(plainRun.db));
    const callers = JSON.parse(await api(privateRun, `/api/v1/repeat-callers?${range}`)) as { callers: Array<{ from: string; repeated: number }> };
    assert.deepEqual(new Map(callers.callers.map((c) => [c.from, c.repeated])), new Map([[hashOf(CALLERS[0]!), 2], [hashOf(CALLERS[2]!), 2], [hashOf(CALLERS[1]!), 1]]));
  });

  it('no caller number in clear in the private API', async () => {
    const texts = [
      await api(privateRun, `/api/v1/calls?${range}&limit=1000`),
      await api(privateRun, `/api/v1/calls?${range}&limit=1000&format=csv`),
      await api(privateRun, '/api/v1/calls/CA-p-1'),
      await api(privateRun, `/api/v1/repeat-callers?${range}`),
      await api(privateRun, `/api/v1/worst-calls?${range}`),
    ];
    const plain = await api(plainRun, `/api/v1/calls?${range}&limit=1000`);
    for (const caller of CALLERS) {
      assert.ok(plain.includes(caller), `the plain run shows ${caller} (the check can fail)`);
      for (const text of texts) for (const spelling of spellings(caller)) assert.ok(!text.includes(spelling), `${spelling} in the API`);
    }
    for (const text of texts) assert.ok(!text.includes(CALLER_NAME));
  });

  it('no caller number in clear in the private database files or logs', async () => {
    privateRun.server.process.kill('SIGTERM');
    assert.equal(await privateRun.server.exited, 0);
    plainRun.server.process.kill('SIGTERM');
    assert.equal(await plainRun.server.exited, 0);
    const bytes = (run: Run): string => readdirSync(run.dir).map((name) => readFileSync(join(run.dir, name)).toString('latin1')).join('\n');
    const plainBytes = bytes(plainRun);
    const privateBytes = bytes(privateRun);
    const logs = privateRun.server.output();
    assert.ok(logs.includes('privacy mode'), 'the private server says it runs in privacy mode');
    for (const caller of CALLERS) {
      assert.ok(plainBytes.includes(caller), `the plain database holds ${caller} (the check can fail)`);
      for (const spelling of spellings(caller)) {
        assert.ok(!privateBytes.includes(spelling), `${spelling} in the private database files`);
        assert.ok(!logs.includes(spelling), `${spelling} in the private server's log`);
      }
    }
    assert.ok(!privateBytes.includes(CALLER_NAME));
    for (const secret of [KEY, PRIVACY_KEY]) assert.ok(!logs.includes(secret), 'no signing or privacy key in the log');
    const quarantined = scan<{ url: string; raw: string }>(privateRun.db, 'SELECT url, raw FROM quarantine ORDER BY id');
    assert.equal(quarantined.length, 3);
    assert.ok(quarantined[0]!.url.includes(`From=${encodeURIComponent(hashOf(CALLERS[3]!))}`), 'the GET callback\'s URL keeps the hash');
    assert.equal((JSON.parse(quarantined[1]!.raw) as { From: string }).From, hashOf(CALLERS[1]!));
    assert.equal((JSON.parse(quarantined[2]!.raw) as { line: string }).line, `{"From": "${hashOf(CALLERS[3]!)}", broken`);
  });
});
