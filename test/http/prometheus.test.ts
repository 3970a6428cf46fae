/**
 * GET /metrics: parsed by the tests' own Prometheus text parser and checked against known traffic, counted
 * by hand: callbacks by result and reason, calls by status and number (the third number folds into
 * `other` with topNumbers 2), MOS buckets at the band edges, durations, ingest latency, commit batches,
 * storage errors; its access rule; and the sample Grafana dashboard uses only these metrics.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';
import { labelSets, parseExposition, sampleValue, type Exposition } from '../helpers/prometheus-text.js';

const KEY = 'prometheus-key';
const A = '+15550000001';
const B = '+15550000002';
const C = '+15550000003';

/** The calls sent, in order: A and B are the first two numbers seen, so they keep their own label. */
const CALLS: Array<{ to: string; status: string; mos: string; duration: string }> = [
  { to: A, status: 'completed', mos: '4.50', duration: '42' },
  { to: B, status: 'completed', mos: '3.10', duration: '600' },
  { to: C, status: 'completed', mos: '2.00', duration: '10' },
  { to: A, status: 'completed', mos: '4.03', duration: '5' },
  { to: A, status: 'failed', mos: '', duration: '' },
  { to: A, status: 'busy', mos: '0', duration: '0' },
  { to: B, status: 'completed', mos: '3.09', duration: '3600' },
  { to: B, status: 'no-answer', mos: '', duration: '' },
  { to: C, status: 'canceled', mos: '', duration: '' },
  { to: C, status: 'failed', mos: '3.594', duration: '0' }, // MOS is exact to 0.01: 3.59, the fair band's lower neighbour
];

async function metrics(server: TestServer, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.baseUrl}/metrics`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('GET /metrics against known traffic', () => {
  let server: TestServer;
  let exposition: Exposition;
  const sids: string[] = [];

  before(async () => {
    server = await startTestServer({ signingKey: KEY, prometheus: { topNumbers: 2 } });
    for (const [i, call] of CALLS.entries()) {
      const fields = callbackFields({ CallSid: `CA-prom-${i}`, To: call.to, CallStatus: call.status, AudioInMos: call.mos, CallDuration: call.duration });
      sids.push(fields.CallSid!);
      const response = await postSignedCallback(server.webhookUrl, KEY, fields); // one at a time: one commit each
      assert.equal(response.status, 200, await response.text());
    }
    // A repeat delivery, and one rejection of each kind.
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields({ CallSid: sids[0]!, To: A }))).status, 200);
    assert.equal((await postSignedCallback(server.webhookUrl, 'wrong-key', callbackFields())).status, 403);
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields({ CallStatus: 'ringing' }))).status, 422);
    const plain = await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(plain.status, 415);
    const notObject = await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    assert.equal(notObject.status, 400);
    const huge = await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(70 * 1024) });
    assert.equal(huge.status, 413);
    const result = await metrics(server);
    assert.equal(result.status, 200);
    assert.match(result.type ?? '', /^text\/plain; version=0\.0\.4/);
    exposition = parseExposition(result.text);
  });
  after(() => server.close());

  it('counts callbacks by result, and rejections by reason', () => {
    const count = (labels: Record<string, string>): number | undefined => sampleValue(exposition, 'callpulse_callbacks_total', labels);
    assert.equal(exposition.types.get('callpulse_callbacks_total'), 'counter');
    assert.equal(count({ result: 'accepted' }), 10);
    assert.equal(count({ result: 'duplicate' }), 1);
    for (const reason of ['signature', 'schema', 'type', 'body', 'size']) assert.equal(count({ result: 'rejected', reason }), 1, reason);
    assert.equal(count({ result: 'rejected', reason: 'storage' }), 0);
    assert.equal(count({ result: 'rejected', reason: 'shutdown' }), 0);
  });

  it('counts calls by status and number; numbers past the top 2 are "other"', () => {
    const expected = new Map<string, number>();
    for (const call of CALLS) {
      const number = call.to === C ? 'other' : call.to;
      const key = `${call.status} ${number}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const actual = new Map(exposition.samples.filter((s) => s.name === 'callpulse_calls_total').map((s) => [`${s.labels.status} ${s.labels.number}`, s.value]));
    assert.deepEqual(actual, expected);
    assert.deepEqual(new Set(labelSets(exposition, 'callpulse_calls_total').map((l) => l.number)), new Set([A, B, 'other']));
  });

  it('MOS histogram: buckets at the band edges, per number label', () => {
    assert.equal(exposition.types.get('callpulse_call_mos'), 'histogram');
    const bucket = (number: string, le: string): number | undefined => sampleValue(exposition, 'callpulse_call_mos_bucket', { number, le });
    assert.deepEqual(labelSets(exposition, 'callpulse_call_mos_bucket').filter((l) => l.number === A).map((l) => l.le), ['3.09', '3.59', '4.02', '4.33', '5', '+Inf']);
    // A: 4.50 and 4.03 (good band: above 4.02, not above 4.33).
    assert.deepEqual(['3.09', '3.59', '4.02', '4.33', '5', '+Inf'].map((le) => bucket(A, le)), [0, 0, 0, 1, 2, 2]);
    // B: 3.10 (poor) and 3.09 (bad).
    assert.deepEqual(['3.09', '3.59', '4.02', '4.33', '5', '+Inf'].map((le) => bucket(B, le)), [1, 2, 2, 2, 2, 2]);
    // other: 2.00 and 3.594 counted as 3.59.
    assert.deepEqual(['3.09', '3.59', '4.02', '4.33', '5', '+Inf'].map((le) => bucket('other', le)), [1, 2, 2, 2, 2, 2]);
    assert.ok(Math.abs(sampleValue(exposition, 'callpulse_call_mos_sum', { number: A })! - 8.53) < 1e-9);
    assert.ok(Math.abs(sampleValue(exposition, 'callpulse_call_mos_sum', { number: B })! - 6.19) < 1e-9);
    assert.ok(Math.abs(sampleValue(exposition, 'callpulse_call_mos_sum', { number: 'other' })! - 5.59) < 1e-9);
  });

  it('duration histogram: completed calls only', () => {
    const bucket = (number: string, le: string): number | undefined => sampleValue(exposition, 'callpulse_call_duration_seconds_bucket', { number, le });
    const les = ['10', '30', '60', '120', '300', '600', '1200', '1800', '3600', '+Inf'];
    assert.deepEqual(les.map((le) => bucket(A, le)), [1, 1, 2, 2, 2, 2, 2, 2, 2, 2]); // 5 s and 42 s
    assert.deepEqual(les.map((le) => bucket(B, le)), [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]); // 600 s and 3600 s
    assert.deepEqual(les.map((le) => bucket('other', le)), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]); // 10 s
    assert.equal(sampleValue(exposition, 'callpulse_call_duration_seconds_sum', { number: A }), 47);
    assert.equal(sampleValue(exposition, 'callpulse_call_duration_seconds_sum', { number: B }), 4200);
  });

  it('ingest latency: one observation per answer ingest gave (the 413 is refused before ingest)', () => {
    assert.equal(sampleValue(exposition, 'callpulse_ingest_duration_seconds_count'), 10 + 1 + 4);
    assert.ok(sampleValue(exposition, 'callpulse_ingest_duration_seconds_sum')! > 0);
  });

  it('commit batches: callbacks sent one at a time commit one per batch (10 calls, 1 repeat, 1 quarantined)', () => {
    assert.equal(sampleValue(exposition, 'callpulse_commit_batch_size_count'), 12);
    assert.equal(sampleValue(exposition, 'callpulse_commit_batch_size_sum'), 12);
    assert.equal(sampleValue(exposition, 'callpulse_commit_batch_size_bucket', { le: '1' }), 12);
    assert.equal(sampleValue(exposition, 'callpulse_commit_duration_seconds_count'), 12);
    assert.equal(sampleValue(exposition, 'callpulse_storage_errors_total'), 0);
  });

  it('has the default process metrics, and HELP for every family', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      assert.ok(exposition.types.has(name), name);
    }
    for (const name of exposition.types.keys()) assert.ok((exposition.help.get(name) ?? '').length > 0, `HELP of ${name}`);
  });

  it('the sample Grafana dashboard uses only metrics exported here', () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../../deploy/grafana/callpulse.json', import.meta.url), 'utf8')) as unknown;
    const expressions: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if ((key === 'expr' || key === 'query') && typeof inner === 'string') expressions.push(inner);
          else walk(inner);
        }
      }
    };
    walk(dashboard);
    assert.ok(expressions.length >= 8, `the dashboard has queries (${expressions.length})`);
    // Exported: every sample's name, and every declared family (a labelled gauge has no sample until set).
    const exported = new Set([...exposition.samples.map((s) => s.name), ...exposition.types.keys()]);
    const functions = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'by', 'le', 'clamp_min', 'max', 'min', 'avg', 'without', 'or', 'and', 'on', 'label_values', 'topk', 'irate', 'vector', 'bool', 'time', 'scalar', 'count', 'delta', 'ignoring', 'group_left']);
    for (const expression of expressions) {
      const names = (expression.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])
        .filter((word) => !functions.has(word) && !/^(number|status|result|reason|rule|instance|job|DS_PROMETHEUS)$/.test(word));
      assert.ok(names.length > 0, `the query names a metric: ${expression}`);
      for (const name of names) assert.ok(exported.has(name), `${name} (in "${expression}") is exported`);
    }
  });
});

describe('GET /metrics access and storage errors', () => {
  it('with an API token: the token or CALLPULSE_METRICS_TOKEN, nothing else', async () => {
    const server = await startTestServer({ apiToken: 'api-token', metricsToken: 'scrape-token' });
    try {
      assert.equal((await metrics(server)).status, 401);
      assert.equal((await metrics(server, { authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await metrics(server, { authorization: 'Bearer api-token' })).status, 200);
      assert.equal((await metrics(server, { authorization: 'Bearer scrape-token' })).status, 200);
      // The metrics token reads nothing else.
      assert.equal((await fetch(`${server.baseUrl}/api/v1/summary`, { headers: { authorization: 'Bearer scrape-token' } })).status, 401);
    } finally {
      await server.close();
    }
  });

  it('a batch storage cannot commit is a storage error, and its callback a rejection for storage', async () => {
    const server = await startTestServer({ signingKey: KEY });
    try {
      await server.store.close(); // the store goes away under the running app
      const response = await postSignedCallback(server.webhookUrl, KEY, callbackFields());
      assert.equal(response.status, 503);
      const exposition = parseExposition((await metrics(server)).text);
      assert.equal(sampleValue(exposition, 'callpulse_storage_errors_total'), 1);
      assert.equal(sampleValue(exposition, 'callpulse_callbacks_total', { result: 'rejected', reason: 'storage' }), 1);
      assert.equal(sampleValue(exposition, 'callpulse_callbacks_total', { result: 'accepted' }), 0);
    } finally {
      await server.close();
    }
  });
});
