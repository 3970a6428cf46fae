/**
 * The metrics API over real HTTP: callbacks sent through the webhook, then `/api/v1/summary` and
 * `/api/v1/timeseries` checked against hand-computed figures and a plain scan of the database file;
 * bad parameters answered 400 naming the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { plainSummary } from '../helpers/plain-summary.js';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'metrics-key';

describe('metrics API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
    const calls: Array<Record<string, string>> = [
      // Around the New York DST start (2024-03-10 07:00Z): local days 9 Mar (24 h), 10 Mar (23 h), 11 Mar.
      { CallSid: 'CA-a', Timestamp: '2024-03-09T15:00:00Z', CallStatus: 'completed', CallDuration: '30', AudioInMos: '4.50' },
      { CallSid: 'CA-b', Timestamp: '2024-03-10T04:59:00Z', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' }, // 9 Mar 23:59 EST
      { CallSid: 'CA-c', Timestamp: '2024-03-10T05:00:00Z', CallStatus: 'completed', CallDuration: '90', AudioInMos: '3.20' }, // 10 Mar 00:00 EST
      { CallSid: 'CA-d', Timestamp: '2024-03-11T03:59:00Z', CallStatus: 'completed', CallDuration: '8', AudioInMos: '4.00', To: '+15550009999' }, // 10 Mar 23:59 EDT
      { CallSid: 'CA-e', Timestamp: '2024-03-11T04:00:00Z', CallStatus: 'busy', CallDuration: '', AudioInMos: '' }, // 11 Mar 00:00 EDT
    ];
    for (const fields of calls) {
      assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields(fields))).status, 200);
    }
  });
  after(() => server.close());

  async function get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(server.baseUrl + path);
    return { status: response.status, body: await response.json() };
  }

  it('summary of a range equals the hand count and the plain scan', async () => {
    const from = '2024-03-09T00:00:00Z';
    const to = '2024-03-12T00:00:00Z';
    const { status, body } = await get(`/api/v1/summary?from=${from}&to=${to}`);
    assert.equal(status, 200);
    assert.equal(body.calls, 5);
    assert.equal(body.completed, 3);
    assert.deepEqual(body.statuses, { completed: 3, failed: 1, busy: 1, 'no-answer': 0, canceled: 0 });
    assert.equal(body.mos.p50, 4.0);
    assert.deepEqual(body.duration, { totalSeconds: 128, mean: 128 / 3, p50: 30, p90: 90, short: 1 });
    const { range, ...figures } = body;
    assert.deepEqual(range, { from: '2024-03-09T00:00:00.000Z', to: '2024-03-12T00:00:00.000Z' });
    assert.deepEqual(figures, plainSummary(server.dbPath, Date.parse(from), Date.parse(to)));
  });

  it('summary filtered by number', async () => {
    const { body } = await get('/api/v1/summary?from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z&number=%2B15550009999');
    assert.equal(body.calls, 1);
    assert.equal(body.duration.short, 1);
  });

  it('daily time series in New York local days across the DST change, empty days as zeros', async () => {
    const { status, body } = await get('/api/v1/timeseries?from=2024-03-09T05:00:00Z&to=2024-03-13T04:00:00Z&interval=1d&tz=America/New_York');
    assert.equal(status, 200);
    assert.equal(body.interval, '1d');
    assert.equal(body.tz, 'America/New_York');
    assert.deepEqual(body.points.map((p: { start: string; calls: number; completed: number }) => [p.start, p.calls, p.completed]), [
      ['2024-03-09T00:00:00-05:00', 2, 1],
      ['2024-03-10T00:00:00-05:00', 2, 2],
      ['2024-03-11T00:00:00-04:00', 1, 0],
      ['2024-03-12T00:00:00-04:00', 0, 0],
    ]);
    assert.deepEqual(body.points[3], { start: '2024-03-12T00:00:00-04:00', calls: 0, completed: 0, statuses: { completed: 0, failed: 0, busy: 0, 'no-answer': 0, canceled: 0 }, successRate: null, mosMean: null, mosP10: null, durationMean: null });
    assert.equal(body.points[1].mosMean, (3.2 + 4.0) / 2);
    assert.equal(body.points[1].mosP10, 3.2);
    assert.equal(body.points[1].durationMean, 49);
  });

  it('breakdown by number and by account: one row per group, busiest first, each equal to a plain scan', async () => {
    const from = '2024-03-01T00:00:00Z';
    const to = '2024-04-01T00:00:00Z';
    const byNumber = await get(`/api/v1/breakdown?by=number&from=${from}&to=${to}`);
    assert.equal(byNumber.status, 200);
    assert.deepEqual(byNumber.body.rows.map((r: { group: object; calls: number }) => [r.group, r.calls]), [
      [{ number: '+15557650002' }, 4],
      [{ number: '+15550009999' }, 1],
    ]);
    for (const row of byNumber.body.rows) {
      const { group, ...figures } = row;
      assert.deepEqual(figures, plainSummary(server.dbPath, Date.parse(from), Date.parse(to), { number: group.number }));
    }
    const byAccount = await get(`/api/v1/breakdown?by=account&from=${from}&to=${to}`);
    assert.deepEqual(byAccount.body.rows.map((r: { group: object; calls: number }) => [r.group, r.calls]), [[{ account: 'AC-project-1' }, 5]]);
    const csv = await fetch(`${server.baseUrl}/api/v1/breakdown?by=number&from=${from}&to=${to}&format=csv`);
    const lines = (await csv.text()).split('\r\n');
    assert.equal(lines[0], 'number,calls,completed,successRate,mosScored,mosMean,mosP10,mosP50,mosP90,poorRate,durationTotalSeconds,durationMean,shortCalls,repeatCalls,repeatRate');
    assert.equal(lines[2], `'+15550009999,1,1,1,1,4,4,4,4,0,8,8,1,0,0`);
  });

  it('breakdown by hourOfWeek: 168 local cells, Monday first, the calls in the cells worked out by hand', async () => {
    const { status, body } = await get('/api/v1/breakdown?by=hourOfWeek&tz=America/New_York&from=2024-03-09T00:00:00Z&to=2024-03-12T00:00:00Z');
    assert.equal(status, 200);
    assert.equal(body.rows.length, 168);
    const busy = body.rows.filter((r: { calls: number }) => r.calls > 0).map((r: { group: { weekday: number; hour: number }; calls: number }) => [r.group.weekday, r.group.hour, r.calls]);
    // CA-a Sat 10:00 EST; CA-b Sat 23:59 EST; CA-c Sun 00:00 EST; CA-d Sun 23:59 EDT; CA-e Mon 00:00 EDT.
    assert.deepEqual(busy, [[0, 0, 1], [5, 10, 1], [5, 23, 1], [6, 0, 1], [6, 23, 1]]);
    assert.deepEqual(body.rows[0].group, { weekday: 0, hour: 0 });
  });

  it('400 naming the parameter for bad values', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/summary?from=yesterday', 'from'],
      ['/api/v1/summary?since=3x', 'since'],
      ['/api/v1/summary?since=24h&from=2024-01-01T00:00:00Z', 'since'],
      ['/api/v1/summary?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'from'],
      ['/api/v1/timeseries?tz=Mars/Olympus_Mons', 'tz'],
      ['/api/v1/timeseries?interval=2h', 'interval'],
      ['/api/v1/timeseries?interval=15m&since=3650d', 'interval'],
      ['/api/v1/summary?number=1&number=2', 'number'],
      ['/api/v1/breakdown?by=region', 'by'],
      ['/api/v1/breakdown?by=hourOfWeek&since=400d', 'from'],
    ];
    for (const [path, parameter] of cases) {
      const { status, body } = await get(path);
      assert.equal(status, 400, path);
      assert.equal(body.code, 'CP_ERR_PARAM_INVALID', path);
      assert.match(body.error, new RegExp(`^${parameter} `), path);
      assert.equal(body.details[0].field, parameter, path);
    }
  });
});
