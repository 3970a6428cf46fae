/**
 * The Compatibility REST client against the fake API over real HTTP: Basic auth, paths, paging by
 * next_page_uri, form updates, and every failure on purpose (401, 404, 429 with Retry-After, 5xx,
 * timeouts, dropped and refused connections). Waits are recorded through an injected sleep, so no
 * assertion depends on timing.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignalWireApiError, SignalWireRestClient, retryAfterMs, type RestClientOptions } from '../../src/signalwire/rest-client.js';
import { closedPort, fakeNumber, startFakeSignalWire, type FakeSignalWire } from '../helpers/fake-signalwire.js';

function client(fake: FakeSignalWire, overrides: Partial<RestClientOptions> = {}): { api: SignalWireRestClient; waits: number[] } {
  const waits: number[] = [];
  const api = new SignalWireRestClient({
    spaceUrl: fake.spaceUrl, projectId: fake.projectId, apiToken: fake.apiToken, backoffMs: 1,
    sleep: async (ms) => void waits.push(ms), ...overrides,
  });
  return { api, waits };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) list.push(item);
  return list;
}

async function failure(promise: Promise<unknown>): Promise<SignalWireApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SignalWireApiError, `expected a SignalWireApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('SignalWireRestClient', () => {
  let fake: FakeSignalWire;
  const phones = ['+15550000001', '+15550000002', '+15550000003', '+15550000004', '+15550000005'];
  before(async () => {
    fake = await startFakeSignalWire({ numbers: phones.map((p) => fakeNumber(p)), defaultPageSize: 2 });
  });
  after(() => fake.close());

  it('lists every page by following next_page_uri, with the Basic auth header on each request', async () => {
    fake.requests.length = 0;
    const { api } = client(fake);
    const listed = await all(api.list<{ phone_number: string }>(`${api.accountPath}/IncomingPhoneNumbers`, 'incoming_phone_numbers', 'Numbers'));
    assert.deepEqual(listed.map((n) => n.phone_number), phones);
    assert.equal(fake.requests.length, 3);
    const auth = 'Basic ' + Buffer.from(`${fake.projectId}:${fake.apiToken}`).toString('base64');
    for (const request of fake.requests) {
      assert.equal(request.authorization, auth);
      assert.equal(request.path, `/api/laml/2010-04-01/Accounts/${fake.projectId}/IncomingPhoneNumbers`);
      assert.equal(request.answered, 200);
    }
    assert.equal(fake.requests[0]!.query.get('PageToken'), null);
    assert.deepEqual([fake.requests[1]!.query.get('Page'), fake.requests[2]!.query.get('Page')], ['1', '2']);
    assert.match(fake.requests[2]!.query.get('PageToken')!, /^PA/);
  });

  it('POSTs updates form-encoded and returns the resource as answered', async () => {
    const { api } = client(fake);
    const target = fake.numbers[0]!;
    const answer = await api.postForm<{ status_callback: string }>(`${api.accountPath}/IncomingPhoneNumbers/${target.sid}`, 'Numbers', {
      StatusCallback: 'https://cp.example.com/webhooks/signalwire/call-status', StatusCallbackMethod: 'POST',
    });
    assert.equal(answer.status_callback, 'https://cp.example.com/webhooks/signalwire/call-status');
    const request = fake.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual([...request.form!], [['StatusCallback', 'https://cp.example.com/webhooks/signalwire/call-status'], ['StatusCallbackMethod', 'POST']]);
  });

  it('401: names the credentials and the scope, never the token', async () => {
    const { api } = client(fake, { apiToken: 'PT-wrong-token-0123' });
    const error = await failure(api.get(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers'));
    assert.equal(error.kind, 'unauthorized');
    assert.match(error.message, /SIGNALWIRE_PROJECT_ID and SIGNALWIRE_API_TOKEN/);
    assert.match(error.message, /Numbers scope/);
    assert.doesNotMatch(error.message, /PT-wrong-token|Basic /);
  });

  it('404: a path outside the project names the space and the Project ID to check', async () => {
    const { api } = client(fake);
    const error = await failure(api.get('/Accounts/not-my-project/IncomingPhoneNumbers', 'Numbers'));
    assert.equal(error.kind, 'not-found');
    assert.equal(error.status, 404);
    assert.match(error.message, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/laml\/2010-04-01\/Accounts\/not-my-project\/IncomingPhoneNumbers answered 404 Not Found; check SIGNALWIRE_SPACE \(or --space-url\) and SIGNALWIRE_PROJECT_ID$/);
  });

  it('429 with Retry-After: waits as asked (seconds or an HTTP date), then succeeds', async () => {
    const { api, waits } = client(fake);
    fake.fail(/IncomingPhoneNumbers$/, { kind: 'status', status: 429, retryAfter: '3' });
    fake.fail(/IncomingPhoneNumbers$/, { kind: 'status', status: 429, retryAfter: new Date(Date.now() + 60_000).toUTCString() });
    const page = await api.get<{ incoming_phone_numbers: unknown[] }>(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers');
    assert.equal(page.incoming_phone_numbers.length, 2);
    assert.equal(waits.length, 2);
    assert.equal(waits[0], 3000);
    assert.ok(waits[1]! > 55_000 && waits[1]! <= 60_000, `HTTP-date Retry-After gave ${waits[1]} ms`);
  });

  it('429 asking for longer than allowed fails at once with the wait it asked for', async () => {
    const { api, waits } = client(fake);
    const before = fake.requests.length;
    fake.fail(/IncomingPhoneNumbers$/, { kind: 'status', status: 429, retryAfter: '3600' });
    const error = await failure(api.get(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers'));
    assert.equal(error.kind, 'rate-limited');
    assert.match(error.message, /asks to wait 3600 s/);
    assert.equal(fake.requests.length - before, 1);
    assert.deepEqual(waits, []);
  });

  it('5xx: retried with growing backoff; after the last retry the error says so', async () => {
    const { api, waits } = client(fake, { retries: 3, backoffMs: 100 });
    fake.fail(/IncomingPhoneNumbers$/, { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const retries: string[] = [];
    const { api: watched } = client(fake, { retries: 3, onRetry: ({ reason }) => void retries.push(reason) });
    await api.get(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers');
    assert.equal(waits.length, 2);
    assert.ok(waits[0]! >= 75 && waits[0]! <= 100, `first backoff ${waits[0]}`);
    assert.ok(waits[1]! >= 150 && waits[1]! <= 200, `second backoff ${waits[1]}`);

    fake.fail(/IncomingPhoneNumbers$/, ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 502 })));
    const error = await failure(watched.get(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers'));
    assert.equal(error.kind, 'server');
    assert.match(error.message, /answered 502 Bad Gateway 4 time\(s\)/);
    assert.deepEqual(retries, ['server error (502)', 'server error (502)', 'server error (502)']);
  });

  it('a request that gets no answer times out and is retried; every attempt timing out is a timeout error', async () => {
    const { api, waits } = client(fake, { timeoutMs: 300, retries: 1 });
    fake.fail(/IncomingPhoneNumbers$/, { kind: 'hang' });
    const page = await api.get<{ incoming_phone_numbers: unknown[] }>(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers');
    assert.equal(page.incoming_phone_numbers.length, 2);
    assert.equal(waits.length, 1);

    fake.fail(/IncomingPhoneNumbers$/, { kind: 'hang' }, { kind: 'hang' });
    const error = await failure(api.get(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers'));
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /got no answer within 0\.3 s, 2 time\(s\)/);
  });

  it('a dropped connection is retried', async () => {
    const { api, waits } = client(fake);
    fake.fail(/IncomingPhoneNumbers$/, { kind: 'drop' });
    await api.get(`${api.accountPath}/IncomingPhoneNumbers`, 'Numbers');
    assert.equal(waits.length, 1);
  });

  it('a refused connection fails at once, naming the space setting to check', async () => {
    const port = await closedPort();
    const waits: number[] = [];
    const api = new SignalWireRestClient({ spaceUrl: `http://127.0.0.1:${port}`, projectId: 'p', apiToken: 't', sleep: async (ms) => void waits.push(ms) });
    const error = await failure(api.get('/Accounts/p/IncomingPhoneNumbers', 'Numbers'));
    assert.equal(error.kind, 'network');
    assert.equal(error.message, `cannot reach http://127.0.0.1:${port}: the connection was refused; check SIGNALWIRE_SPACE (or --space-url) and your network`);
    assert.deepEqual(waits, []);
  });

  it('never follows next_page_uri to another host (the token goes to the space only)', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ calls: [{ sid: 'x' }], next_page_uri: 'http://elsewhere.example/api/laml/2010-04-01/Accounts/p/Calls?Page=1' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const api = new SignalWireRestClient({ spaceUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, projectId: 'p', apiToken: 't' });
      const seen: unknown[] = [];
      const error = await failure((async () => {
        for await (const call of api.list('/Accounts/p/Calls', 'calls', 'Voice')) seen.push(call);
      })());
      assert.equal(error.kind, 'bad-response');
      assert.match(error.message, /next_page_uri points to another host \(http:\/\/elsewhere\.example\)/);
      assert.equal(seen.length, 1);
    } finally {
      server.close();
    }
  });

  it('retryAfterMs reads delay-seconds and HTTP dates', () => {
    assert.equal(retryAfterMs('5'), 5000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0)), 10_000);
    assert.equal(retryAfterMs(null), null);
    assert.equal(retryAfterMs('soon'), null);
  });
});
