/**
 * The API additions the dashboard's charts read, over real HTTP on a real SQLite file: per-status counts
 * in time series points, the MOS and duration distributions, the worst-quality calls, the thresholds,
 * and the live event stream. Each figure is worked out by hand and checked against a plain scan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scan } from '../helpers/db-scan.js';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'dashboard-api-key';
const FROM = '2024-05-01T00:00:00Z';
const TO = '2024-05-02T00:00:00Z';

/** [CallSid, Timestamp, status, duration, MOS, To] */
const CALLS: Array<[string, string, string, string, string, string]> = [
  ['CA-1', '2024-05-01T08:05:00Z', 'completed', '5', '4.50', '+15550000001'],
  ['CA-2', '2024-05-01T08:20:00Z', 'completed', '45', '4.34', '+15550000001'],
  ['CA-3', '2024-05-01T08:40:00Z', 'failed', '0', '3.05', '+15550000002'],
  ['CA-4', '2024-05-01T09:10:00Z', 'completed', '300', '4.33', '+15550000002'],
  ['CA-5', '2024-05-01T09:15:00Z', 'busy', '', '', '+15550000001'],
  ['CA-6', '2024-05-01T09:30:00Z', 'completed', '3700', '1.00', '+15550000001'],
  ['CA-7', '2024-05-01T09:45:00Z', 'no-answer', '', '3.05', '+15550000002'],
  ['CA-8', '2024-05-01T10:00:00Z', 'completed', '9', '5.00', '+15550000001'],
  ['CA-9', '2024-05-01T10:30:00Z', 'canceled', '', '4.03', '+15550000001'],
];

describe('dashboard API additions', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ signingKey: KEY, wallboard: { successRate: { green: 0.95, amber: 0.7 }, mos: { green: 4.2 } } });
    for (const [CallSid, Timestamp, CallStatus, CallDuration, AudioInMos, To] of CALLS) {
      const response = await postSignedCallback(server.webhookUrl, KEY, callbackFields({ CallSid, Timestamp, CallStatus, CallDuration, AudioInMos, To }));
      assert.equal(response.status, 200, CallSid);
    }
  });
  after(() => server.close());

  async function get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(server.baseUrl + path);
    return { status: response.status, body: await response.json() };
  }

  it('time series points carry the count of each status', async () => {
    const { body } = await get(`/api/v1/timeseries?from=${FROM}&to=${TO}&interval=1h`);
    const byHour = Object.fromEntries(body.points.filter((p: { calls: number }) => p.calls > 0).map((p: { start: string; statuses: object }) => [p.start, p.statuses]));
    assert.deepEqual(byHour, {
      '2024-05-01T08:00:00Z': { completed: 2, failed: 1, busy: 0, 'no-answer': 0, canceled: 0 },
      '2024-05-01T09:00:00Z': { completed: 2, failed: 0, busy: 1, 'no-answer': 1, canceled: 0 },
      '2024-05-01T10:00:00Z': { completed: 1, failed: 0, busy: 0, 'no-answer': 0, canceled: 1 },
    });
  });

  it('MOS distribution: 0.10 bins split at the band edges, each bin in one band, counts by hand and by scan', async () => {
    const { status, body } = await get(`/api/v1/distribution?of=mos&from=${FROM}&to=${TO}`);
    assert.equal(status, 200);
    assert.equal(body.of, 'mos');
    assert.equal(body.total, 8);
    assert.equal(body.bins.length, 42);
    assert.deepEqual(body.bins[0], { from: 1, to: 1.1, count: 1, band: 'bad' });
    const nonEmpty = body.bins.filter((b: { count: number }) => b.count > 0).map((b: { from: number; to: number; count: number; band: string }) => [b.from, b.to, b.count, b.band]);
    assert.deepEqual(nonEmpty, [
      [1, 1.1, 1, 'bad'], // 1.00
      [3, 3.1, 2, 'bad'], // 3.05 twice
      [4.03, 4.1, 1, 'good'], // 4.03
      [4.3, 4.34, 1, 'good'], // 4.33
      [4.34, 4.4, 1, 'excellent'], // 4.34
      [4.5, 4.6, 1, 'excellent'], // 4.50
      [4.9, 5, 1, 'excellent'], // 5.00: the last bin includes 5.00
    ]);
    // Every band edge is a bin edge, and the bands follow them.
    const edges = body.bins.map((b: { from: number }) => b.from);
    for (const edge of [3.1, 3.6, 4.03, 4.34]) assert.ok(edges.includes(edge), `${edge} is a bin edge`);
    const plain = scan<{ mos: number }>(server.dbPath, 'SELECT mos FROM calls WHERE mos IS NOT NULL AND created_at >= ? AND created_at < ?', Date.parse(FROM), Date.parse(TO));
    for (const bin of body.bins as Array<{ from: number; to: number; count: number }>) {
      const last = bin.to === 5;
      const count = plain.filter((r) => r.mos >= bin.from && (r.mos < bin.to || (last && r.mos <= bin.to))).length;
      assert.equal(bin.count, count, `bin ${bin.from}-${bin.to}`);
    }
  });

  it('duration distribution of completed calls: bins widen, the last is open', async () => {
    const { body } = await get(`/api/v1/distribution?of=duration&from=${FROM}&to=${TO}`);
    assert.equal(body.total, 5);
    assert.deepEqual(body.bins.map((b: { from: number; to: number | null; count: number }) => [b.from, b.to, b.count]), [
      [0, 10, 2], [10, 30, 0], [30, 60, 1], [60, 120, 0], [120, 300, 0], [300, 600, 1], [600, 1200, 0], [1200, 1800, 0], [1800, 3600, 0], [3600, null, 1],
    ]);
  });

  it('worst-quality calls: lowest MOS first, ties newest first, unscored calls never listed', async () => {
    const { status, body } = await get(`/api/v1/worst-calls?from=${FROM}&to=${TO}&limit=4`);
    assert.equal(status, 200);
    assert.deepEqual(body.calls.map((c: { callSid: string; mos: number }) => [c.callSid, c.mos]), [['CA-6', 1], ['CA-7', 3.05], ['CA-3', 3.05], ['CA-9', 4.03]]);
    assert.equal(body.calls[0].raw.CallSid, 'CA-6');
    const all = await get(`/api/v1/worst-calls?from=${FROM}&to=${TO}&limit=100`);
    const plain = scan<{ call_sid: string }>(server.dbPath, 'SELECT call_sid FROM calls WHERE mos IS NOT NULL ORDER BY mos, created_at DESC');
    assert.deepEqual(all.body.calls.map((c: { callSid: string }) => c.callSid), plain.map((r) => r.call_sid));
    const one = await get(`/api/v1/worst-calls?from=${FROM}&to=${TO}&limit=2&number=%2B15550000002`);
    assert.deepEqual(one.body.calls.map((c: { callSid: string }) => c.callSid), ['CA-7', 'CA-3']);
    const none = await get('/api/v1/worst-calls?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z');
    assert.deepEqual(none.body, { calls: [] });
  });

  it('thresholds: from the configuration, with the metrics settings', async () => {
    const { body } = await get('/api/v1/thresholds');
    assert.deepEqual(body, { successRate: { green: 0.95, amber: 0.7 }, mos: { green: 4.2, amber: 3.6 }, poorQualityBelow: 3.6, shortCallSeconds: 10 });
  });

  it('400 naming the parameter', async () => {
    for (const [path, parameter] of [
      ['/api/v1/distribution', 'of'],
      ['/api/v1/distribution?of=pdd', 'of'],
      ['/api/v1/worst-calls?limit=0', 'limit'],
      ['/api/v1/worst-calls?limit=1001', 'limit'],
    ] as const) {
      const { status, body } = await get(path);
      assert.equal(status, 400, path);
      assert.equal(body.details[0].field, parameter, path);
    }
  });

  it('live stream: hello, then each new call once committed; repeats and quarantined callbacks are not sent', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/api/v1/live`, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/event: hello\n/);
    const fields = callbackFields({ CallSid: 'CA-live-1', From: '<b>caller</b>', Timestamp: '2024-05-01T11:00:00Z', AudioInMos: '3.33', CallDuration: '61' });
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, fields)).status, 200);
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, fields)).status, 200); // a repeat
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields({ CallSid: 'CA-bad', AudioInMos: '9' }))).status, 422);
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields({ CallSid: 'CA-live-2', Timestamp: '2024-05-01T11:01:00Z' }))).status, 200);
    await readUntil(/CA-live-2[^\n]*\n\n/);
    const events = text.split('\n\n').filter((e) => e.startsWith('event: calls')).map((e) => JSON.parse(e.split('\ndata: ')[1]!));
    const calls = events.flatMap((e: { calls: Array<{ callSid: string }> }) => e.calls);
    assert.deepEqual(calls.map((c) => c.callSid), ['CA-live-1', 'CA-live-2']);
    assert.equal(events.reduce((sum: number, e: { count: number }) => sum + e.count, 0), 2);
    assert.deepEqual(calls[0], {
      callSid: 'CA-live-1', accountSid: 'AC-project-1', from: '<b>caller</b>', to: '+15557650002', timestamp: '2024-05-01T11:00:00.000Z',
      status: 'completed', durationSeconds: 61, mos: 3.33,
    });
    controller.abort();
  });

  it('live stream follows the read API access rule, and closing the server ends open streams', async () => {
    const guarded = await startTestServer({ signingKey: KEY, apiToken: 'sse-token' });
    try {
      assert.equal((await fetch(`${guarded.baseUrl}/api/v1/live`)).status, 401);
      const response = await fetch(`${guarded.baseUrl}/api/v1/live`, { headers: { authorization: 'Bearer sse-token' } });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      await reader.read();
      const closed = guarded.app.close();
      let ended = false;
      while (!ended) ended = (await reader.read()).done;
      await closed;
    } finally {
      await guarded.close().catch(() => {});
    }
  });
});
