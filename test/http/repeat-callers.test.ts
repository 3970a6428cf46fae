/**
 * Repeat callers, and the breakdowns by status and by caller country, over real HTTP: signed callbacks
 * sent through the webhook (some out of order), then the figures checked against values worked out by
 * hand in this file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'repeat-key';
const US = '+14155550100';
const GB = '+442071838750';
const LINE = '+15550001000';
const OTHER_LINE = '+15550002000';

describe('repeat callers and breakdowns by status and country', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
    const calls: Array<Record<string, string>> = [
      // US calls LINE at 10:00, exactly 24 h later (inclusive: r1 is repeated), then 24 h + 1 s after that (r2 is not).
      // r3 arrives first: r2 must be marked when it arrives later.
      { CallSid: 'CA-r3', From: US, To: LINE, Timestamp: '2024-05-03T10:00:01Z', CallStatus: 'completed', CallDuration: '60', AudioInMos: '4.40' },
      { CallSid: 'CA-r1', From: US, To: LINE, Timestamp: '2024-05-01T10:00:00Z', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' },
      { CallSid: 'CA-r2', From: US, To: LINE, Timestamp: '2024-05-02T10:00:00Z', CallStatus: 'completed', CallDuration: '30', AudioInMos: '3.00' },
      // The same caller to another number is not a repeat of its calls to LINE.
      { CallSid: 'CA-o1', From: US, To: OTHER_LINE, Timestamp: '2024-05-01T11:00:00Z', CallStatus: 'completed', CallDuration: '20', AudioInMos: '4.00' },
      // GB calls twice in the same second: of a tie, the smaller CallSid comes first, so only CA-t1 is repeated.
      { CallSid: 'CA-t2', From: GB, To: LINE, Timestamp: '2024-05-01T12:00:00Z', CallStatus: 'busy', CallDuration: '', AudioInMos: '' },
      { CallSid: 'CA-t1', From: GB, To: LINE, Timestamp: '2024-05-01T12:00:00Z', CallStatus: 'no-answer', CallDuration: '', AudioInMos: '' },
      // Anonymous callers are never repeat callers, however often they call.
      { CallSid: 'CA-a1', From: 'anonymous', To: LINE, Timestamp: '2024-05-01T13:00:00Z', CallStatus: 'completed', CallDuration: '5', AudioInMos: '3.50' },
      { CallSid: 'CA-a2', From: 'anonymous', To: LINE, Timestamp: '2024-05-01T13:30:00Z', CallStatus: 'completed', CallDuration: '7', AudioInMos: '' },
    ];
    for (const fields of calls) {
      assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields(fields))).status, 200);
    }
    // A repeated delivery changes nothing.
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields(calls[1]!))).status, 200);
  });
  after(() => server.close());

  async function get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(server.baseUrl + path);
    return { status: response.status, body: await response.json() };
  }
  const RANGE = 'from=2024-05-01T00:00:00Z&to=2024-05-04T00:00:00Z';

  it('summary: the share of calls followed by a repeat within 24 hours', async () => {
    const { status, body } = await get(`/api/v1/summary?${RANGE}`);
    assert.equal(status, 200);
    // 8 calls; repeated: CA-r1 (r2 24 h later) and CA-t1 (t2 in the same second, larger CallSid).
    assert.equal(body.calls, 8);
    assert.deepEqual(body.repeatCallers, { repeated: 2, rate: 2 / 8 });
    // Only 1 May: r1, o1, t2, t1, a1, a2 -> r1 and t1 repeated.
    const day = await get('/api/v1/summary?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z');
    assert.deepEqual(day.body.repeatCallers, { repeated: 2, rate: 2 / 6 });
    const otherLine = await get(`/api/v1/summary?${RANGE}&number=${encodeURIComponent(OTHER_LINE)}`);
    assert.deepEqual(otherLine.body.repeatCallers, { repeated: 0, rate: 0 });
  });

  it('/api/v1/repeat-callers lists the callers and numbers, most repeat calls first, with CSV', async () => {
    const { status, body } = await get(`/api/v1/repeat-callers?${RANGE}`);
    assert.equal(status, 200);
    assert.deepEqual(body.callers, [
      { from: GB, to: LINE, calls: 2, repeated: 1, firstCall: '2024-05-01T12:00:00.000Z', lastCall: '2024-05-01T12:00:00.000Z' },
      { from: US, to: LINE, calls: 3, repeated: 1, firstCall: '2024-05-01T10:00:00.000Z', lastCall: '2024-05-03T10:00:01.000Z' },
    ].sort((a, b) => b.repeated - a.repeated || b.calls - a.calls));
    const limited = await get(`/api/v1/repeat-callers?${RANGE}&limit=1`);
    assert.equal(limited.body.callers.length, 1);
    const csv = await (await fetch(`${server.baseUrl}/api/v1/repeat-callers?${RANGE}&format=csv`)).text();
    assert.equal(csv.split('\r\n')[0], 'from,to,calls,repeated,firstCall,lastCall');
    assert.equal(csv.split('\r\n')[1], `'${US},'${LINE},3,1,2024-05-01T10:00:00.000Z,2024-05-03T10:00:01.000Z`);
    const bad = await get('/api/v1/repeat-callers?limit=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details[0].field, 'limit');
  });

  it('breakdown by status: one row per status with calls, each with its own figures', async () => {
    const { status, body } = await get(`/api/v1/breakdown?by=status&${RANGE}`);
    assert.equal(status, 200);
    assert.deepEqual(body.rows.map((r: any) => [r.group.status, r.calls]), [['completed', 5], ['busy', 1], ['failed', 1], ['no-answer', 1]]);
    const completed = body.rows[0];
    // Completed: r3 (60 s, 4.40), r2 (30 s, 3.00), o1 (20 s, 4.00), a1 (5 s, 3.50), a2 (7 s, no score).
    assert.equal(completed.successRate, 1);
    assert.equal(completed.mos.scored, 4);
    assert.equal(completed.mos.mean, (4.4 + 3.0 + 4.0 + 3.5) / 4);
    assert.deepEqual(completed.duration, { totalSeconds: 122, mean: 122 / 5, p50: 20, p90: 60, short: 2 });
    assert.deepEqual(completed.repeatCallers, { repeated: 0, rate: 0 });
    const failed = body.rows.find((r: any) => r.group.status === 'failed');
    assert.deepEqual([failed.successRate, failed.repeatCallers.repeated], [0, 1]);
  });

  it('breakdown by caller country (libphonenumber regions; null when unknown), with a number filter', async () => {
    const { body } = await get(`/api/v1/breakdown?by=country&${RANGE}`);
    assert.deepEqual(body.rows.map((r: any) => [r.group.country, r.calls, r.completed]), [['US', 4, 3], [null, 2, 2], ['GB', 2, 0]]);
    // A range cutting days in the middle: read partly from the calls. 1 May 11:30 to 2 May 12:00: t1, t2, a1, a2, r2.
    const partial = await get(`/api/v1/breakdown?by=country&from=2024-05-01T11:30:00Z&to=2024-05-02T12:00:00Z`);
    assert.deepEqual(partial.body.rows.map((r: any) => [r.group.country, r.calls]), [[null, 2], ['GB', 2], ['US', 1]]);
    const other = await get(`/api/v1/breakdown?by=country&${RANGE}&number=${encodeURIComponent(OTHER_LINE)}`);
    assert.deepEqual(other.body.rows.map((r: any) => [r.group.country, r.calls]), [['US', 1]]);
    const csv = await (await fetch(`${server.baseUrl}/api/v1/breakdown?by=country&${RANGE}&format=csv`)).text();
    assert.match(csv.split('\r\n')[2]!, /^,2,2,1,/);
  });
});
