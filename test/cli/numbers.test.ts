/**
 * `callpulse numbers list|configure` as real child processes against the fake Compatibility API (reached
 * through --space-url): which numbers point at us, idempotent updates with exactly the documented form
 * fields, --dry-run changing nothing, https required unless --allow-http, read-back verification, and
 * clear one-sentence failures (bad credentials, unknown number, refused connection, rate limiting).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runCli } from '../helpers/child-server.js';
import { closedPort, fakeNumber, startFakeSignalWire, type FakeNumber, type FakeSignalWire } from '../helpers/fake-signalwire.js';

const OURS = 'https://calls.example.com/webhooks/signalwire/call-status';

describe('callpulse numbers', () => {
  let fake: FakeSignalWire;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(['numbers', ...args, '--space-url', fake.spaceUrl], env);
  const initial = (): FakeNumber[] => [
    fakeNumber('+15550100001', OURS, 'POST'),
    fakeNumber('+15550100002', '', 'POST'),
    fakeNumber('+15550100003', 'https://old.example.net/status', 'POST'),
    fakeNumber('+15550100004', OURS, 'GET'),
    fakeNumber('+15550100005', OURS, 'POST'),
  ];

  before(async () => {
    fake = await startFakeSignalWire({ numbers: initial(), maxPageSize: 2 });
    env = {
      SIGNALWIRE_SPACE: '', SIGNALWIRE_PROJECT_ID: fake.projectId, SIGNALWIRE_API_TOKEN: fake.apiToken,
      PUBLIC_URL: '', CALLPULSE_CONFIG: '',
    };
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.numbers.splice(0, fake.numbers.length, ...initial());
    fake.requests.length = 0;
    fake.tamper.clear();
  });

  it('list: every number (three pages) with its callback, and whether it points at --url', async () => {
    const result = await cli('list', '--url', OURS, '--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    const listed = JSON.parse(result.stdout) as { numbers: Array<{ phoneNumber: string; statusCallback: string; ours: boolean }> };
    assert.deepEqual(listed.numbers.map((n) => [n.phoneNumber, n.statusCallback, n.ours]), [
      ['+15550100001', OURS, true],
      ['+15550100002', '', false],
      ['+15550100003', 'https://old.example.net/status', false],
      ['+15550100004', OURS, true],
      ['+15550100005', OURS, true],
    ]);
    assert.equal(fake.requests.length, 3, 'five numbers at two per page');

    const table = await cli('list', '--url', OURS);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^\+15550100002 .*\(none\)\s+POST\s+NO$/m);
    assert.match(table.stdout, /^\+15550100004 .*GET\s+yes$/m);
    assert.match(table.stdout, /5 number\(s\); 2 do not send their status callbacks to https:\/\/calls\.example\.com/);
  });

  it('list with no --url and no PUBLIC_URL: ours is any URL on our webhook path, and it says so', async () => {
    const result = await cli('list');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /2 do not send their status callbacks to a URL ending in \/webhooks\/signalwire\/call-status/);
  });

  it('configure --dry-run changes nothing and says what would change', async () => {
    const before = JSON.stringify(fake.numbers);
    const result = await cli('configure', '--url', OURS, '--all', '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.stringify(fake.numbers), before);
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 0);
    assert.match(result.stdout, /^\+15550100002 .*would update$/m);
    assert.match(result.stdout, /^\+15550100004 .*would update$/m, 'right URL, wrong method');
    assert.match(result.stdout, /^\+15550100001 .*unchanged$/m);
    assert.match(result.stdout, /--dry-run: 3 would be pointed at POST https:\/\/calls\.example\.com\S+; 2 already are\. Nothing was changed\./);
  });

  it('configure --all: updates exactly the numbers not yet right, with the documented form fields, reads each back; twice changes nothing', async () => {
    const result = await cli('configure', '--url', OURS, '--all', '--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { results: Array<{ phoneNumber: string; outcome: string }> };
    assert.deepEqual(report.results.map((r) => [r.phoneNumber, r.outcome]), [
      ['+15550100001', 'unchanged'], ['+15550100002', 'updated'], ['+15550100003', 'updated'], ['+15550100004', 'updated'], ['+15550100005', 'unchanged'],
    ]);
    for (const number of fake.numbers) assert.deepEqual([number.status_callback, number.status_callback_method], [OURS, 'POST']);

    const posts = fake.requests.filter((r) => r.method === 'POST');
    const sidOf = (phone: string) => fake.numbers.find((n) => n.phone_number === phone)!.sid;
    assert.deepEqual(posts.map((r) => r.path), ['+15550100002', '+15550100003', '+15550100004'].map(
      (phone) => `/api/laml/2010-04-01/Accounts/${fake.projectId}/IncomingPhoneNumbers/${sidOf(phone)}`,
    ));
    for (const post of posts) {
      assert.deepEqual([...post.form!], [['StatusCallback', OURS], ['StatusCallbackMethod', 'POST']]);
      assert.equal(post.answered, 200);
    }
    const readBacks = fake.requests.filter((r) => r.method === 'GET' && /IncomingPhoneNumbers\/.+/.test(r.path));
    assert.deepEqual(readBacks.map((r) => r.path), posts.map((r) => r.path), 'each update is read back');

    fake.requests.length = 0;
    const again = await cli('configure', '--url', OURS, '--all');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 0);
    assert.match(again.stdout, /0 updated and verified, 5 already right, 0 failed\./);
  });

  it('configure --number (repeatable, spacing ignored) touches only those; --method GET', async () => {
    const result = await cli('configure', '--url', OURS, '--number', '+1 555 010 0002', '--number', '+15550100003', '--method', 'get');
    assert.equal(result.code, 0, result.stderr);
    const byPhone = new Map(fake.numbers.map((n) => [n.phone_number, [n.status_callback, n.status_callback_method]]));
    assert.deepEqual(byPhone.get('+15550100002'), [OURS, 'GET']);
    assert.deepEqual(byPhone.get('+15550100003'), [OURS, 'GET']);
    assert.deepEqual(byPhone.get('+15550100001'), [OURS, 'POST']);
    assert.deepEqual(byPhone.get('+15550100004'), [OURS, 'GET']);
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 2);
  });

  it('an http URL is refused unless --allow-http, before any request', async () => {
    const plain = 'http://calls.example.com/webhooks/signalwire/call-status';
    const refused = await cli('configure', '--url', plain, '--all');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^callpulse numbers: --url must be https \(callbacks carry caller numbers\); pass --allow-http to use http:\/\/calls\.example\.com\S+ anyway\n$/);
    assert.equal(fake.requests.length, 0);
    const allowed = await cli('configure', '--url', plain, '--number', '+15550100002', '--allow-http');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(fake.numbers[1]!.status_callback, plain);
  });

  it('a number the project does not have: exit 1, nothing changed', async () => {
    const result = await cli('configure', '--url', OURS, '--number', '+15550100002', '--number', '+19990000000');
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'callpulse numbers: +19990000000 is not an incoming number of this project; nothing was changed (see callpulse numbers list)\n');
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 0);
  });

  it('a read-back that differs from what was sent is a failure for that number only (exit 1)', async () => {
    fake.tamper.set(fake.numbers[1]!.sid, 'https://somewhere.else/hook');
    const result = await cli('configure', '--url', OURS, '--all');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^\+15550100002 .*FAILED: read back POST https:\/\/somewhere\.else\/hook after the update$/m);
    assert.match(result.stdout, /^\+15550100003 .*updated$/m);
    assert.match(result.stdout, /2 updated and verified, 2 already right, 1 failed\./);
    assert.equal(result.stderr, 'callpulse numbers: 1 number(s) could not be configured; see the table above.\n');
  });

  it('usage errors: no action, no selection, both --all and --number, a bad method', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /numbers needs an action: list or configure/],
      [['configure', '--url', OURS], /say which numbers to configure/],
      [['configure', '--url', OURS, '--all', '--number', '+15550100001'], /either --all or --number, not both/],
      [['configure', '--url', OURS, '--all', '--method', 'PUT'], /--method must be POST or GET, got "PUT"/],
      [['configure', '--all'], /numbers configure needs --url/],
      [['list', '--all'], /--all belongs to numbers configure/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
    }
    assert.equal(fake.requests.length, 0);
  });

  it('bad credentials: one sentence naming what to check, exit 1, the token never printed', async () => {
    const secret = 'PT-wrong-but-secret-7777';
    const result = await runCli(['numbers', 'list', '--space-url', fake.spaceUrl], { ...env, SIGNALWIRE_API_TOKEN: secret });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^callpulse numbers: SignalWire refused the credentials for GET http:\/\/127\.0\.0\.1:\d+\/api\/laml\/2010-04-01\/Accounts\/[\w-]+\/IncomingPhoneNumbers \(401: Authentication Failed\); check SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN, and that the token has the Numbers scope\n$/);
    assert.doesNotMatch(result.stdout + result.stderr, /wrong-but-secret/);
  });

  it('a missing setting is named', async () => {
    const result = await runCli(['numbers', 'list', '--space-url', fake.spaceUrl], { ...env, SIGNALWIRE_PROJECT_ID: '' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^callpulse numbers: configuration error: SIGNALWIRE_PROJECT_ID is not set: /);
  });

  it('429 with Retry-After is waited out and reported on stderr; the command still succeeds', async () => {
    fake.fail(/IncomingPhoneNumbers\?/, { kind: 'status', status: 429, retryAfter: '1' });
    const result = await cli('list', '--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'SignalWire: rate limited (429); retry 1 in 1.0 s\n');
    assert.equal(fake.requests[0]!.answered, 429);
    assert.equal((JSON.parse(result.stdout) as { numbers: unknown[] }).numbers.length, 5);
  });

  it('an unreachable API: exit 1, says what to check', async () => {
    const port = await closedPort();
    const result = await runCli(['numbers', 'list', '--space-url', `http://127.0.0.1:${port}`], env);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `callpulse numbers: cannot reach http://127.0.0.1:${port}: the connection was refused; check SIGNALWIRE_SPACE (or --space-url) and your network\n`);
  });

  it('--help describes both actions', async () => {
    const result = await runCli(['numbers', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: callpulse numbers list/);
    assert.match(result.stdout, /callpulse numbers configure --url URL/);
  });
});
