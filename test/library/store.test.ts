/**
 * `callpulse/store`: calls recorded in-process land in a real SQLite file (read back by a plain scan), repeats
 * are counted once, invalid callbacks are quarantined, and the metrics equal figures worked out by hand.
 * End to end: a Web handler in a real Hono app records signed callbacks into the store.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseIncomingCallStatus, type CallStatusEvent } from '../../src/domain/call-event.js';
import { createCallStore, type CallpulseStore } from '../../src/library/store.js';
import { countRows, scan } from '../helpers/db-scan.js';
import { formBody, signForm } from '../helpers/independent-signer.js';
import { startLibraryApp } from '../helpers/library-apps.js';
import { callbackFields, tempDir } from '../helpers/test-server.js';

const KEY = 'PSK_store_key';

function eventOf(fields: Record<string, string>): CallStatusEvent {
  const parsed = parseIncomingCallStatus(fields);
  assert.ok(parsed.ok, 'the test callback is valid');
  return parsed.event;
}

describe('callpulse/store', () => {
  let dir: string;
  let cleanup: () => void;
  let dbPath: string;
  let calls: CallpulseStore;
  before(async () => {
    ({ dir, cleanup } = tempDir('callpulse-library-store-'));
    dbPath = join(dir, 'nested', 'calls.db');
    calls = await createCallStore({ database: dbPath });
  });
  after(async () => {
    await calls.close();
    cleanup();
  });

  // Four calls on 2024-04-04 UTC, worked out by hand:
  //   A completed 42 s MOS 4.50; B completed 5 s MOS 3.00; C completed 100 s no score; D failed, no duration, no score.
  //   calls 4, completed 3, success 0.75; scored 2, mean 3.75, poor (< 3.6) 1 of 2; durations 147 s over 3, short (< 10 s) 1.
  const day = { from: new Date(Date.UTC(2024, 3, 4)), to: new Date(Date.UTC(2024, 3, 5)) };
  const fieldsA = callbackFields({ CallSid: 'CA-store-A', AudioInMos: '4.50', CallDuration: '42', Note: 'first' });
  const fieldsB = callbackFields({ CallSid: 'CA-store-B', AudioInMos: '3.00', CallDuration: '5', Timestamp: '2024-04-04T09:00:00Z' });
  const fieldsC = callbackFields({ CallSid: 'CA-store-C', AudioInMos: '', CallDuration: '100', Timestamp: '2024-04-04T23:59:59Z' });
  const fieldsD = callbackFields({ CallSid: 'CA-store-D', CallStatus: 'failed', AudioInMos: '0', CallDuration: '', Timestamp: '2024-04-04T00:00:00Z' });

  it('records calls durably, with the raw fields given or rebuilt, and a repeat as duplicate', async () => {
    const receivedAt = new Date(Date.UTC(2024, 3, 4, 18, 33));
    assert.equal(await calls.recordCall(eventOf(fieldsA), { raw: fieldsA, method: 'GET', contentType: null, receivedAt }), 'accepted');
    const [b, c, d] = await Promise.all([fieldsB, fieldsC, fieldsD].map((fields) => calls.recordCall(eventOf(fields))));
    assert.deepEqual([b, c, d], ['accepted', 'accepted', 'accepted']);
    assert.equal(await calls.recordCall(eventOf({ ...fieldsA, AudioInMos: '1.00' })), 'duplicate');

    const rows = scan<{ call_sid: string; created_at: number; status: string; duration_seconds: number | null; mos: number | null; method: string; raw: string; received_at: number }>(
      dbPath, 'SELECT call_sid, created_at, status, duration_seconds, mos, method, raw, received_at FROM calls ORDER BY call_sid',
    );
    assert.deepEqual(rows.map((row) => [row.call_sid, row.created_at, row.status, row.duration_seconds, row.mos]), [
      ['CA-store-A', Date.UTC(2024, 3, 4, 18, 32, 15), 'completed', 42, 4.5],
      ['CA-store-B', Date.UTC(2024, 3, 4, 9), 'completed', 5, 3],
      ['CA-store-C', Date.UTC(2024, 3, 4, 23, 59, 59), 'completed', 100, null],
      ['CA-store-D', Date.UTC(2024, 3, 4), 'failed', null, null],
    ]);
    assert.deepEqual(JSON.parse(rows[0]!.raw), fieldsA);
    assert.equal(rows[0]!.method, 'GET');
    assert.equal(rows[0]!.received_at, receivedAt.getTime());
    // rebuilt from the event when not given: the same eight fields, as normalised
    assert.deepEqual(JSON.parse(rows[1]!.raw), { ...fieldsB, AudioInMos: '3', CallDuration: '5' });
    assert.deepEqual(JSON.parse(rows[3]!.raw), { ...fieldsD, AudioInMos: '' });
    assert.equal(countRows(dbPath, 'deliveries'), 1, 'the repeat is logged');
  });

  it('the summary, time series and breakdown equal the hand-worked figures', async () => {
    const summary = await calls.summary(day);
    assert.equal(summary.calls, 4);
    assert.equal(summary.completed, 3);
    assert.equal(summary.unsuccessful, 1);
    assert.equal(summary.successRate, 0.75);
    assert.equal(summary.mos.scored, 2);
    assert.equal(summary.mos.mean, 3.75);
    assert.equal(summary.mos.poorRate, 0.5);
    assert.equal(summary.duration.totalSeconds, 147);
    assert.equal(summary.duration.mean, 49);
    assert.equal(summary.duration.short, 1);

    const other = await calls.summary({ ...day, number: '+15550000000' });
    assert.equal(other.calls, 0);

    const points = await calls.timeseries({ from: day.from, to: new Date(Date.UTC(2024, 3, 6)), interval: '1d' });
    assert.deepEqual(points.map((point) => [point.start, point.calls, point.completed]), [
      ['2024-04-04T00:00:00Z', 4, 3],
      ['2024-04-05T00:00:00Z', 0, 0],
    ]);
    // in New York (UTC-4 in April) the same range starts on April 3 at 20:00: call D (00:00 UTC) falls on April 3
    const local = await calls.timeseries({ ...day, interval: '1d', timeZone: 'America/New_York' });
    assert.deepEqual(local.map((point) => [point.start, point.calls]), [['2024-04-03T00:00:00-04:00', 1], ['2024-04-04T00:00:00-04:00', 3]]);

    const byStatus = await calls.breakdown({ ...day, by: 'status' });
    assert.deepEqual(byStatus.map((row) => [row.group, row.calls]), [[{ status: 'completed' }, 3], [{ status: 'failed' }, 1]]);
  });

  it('keeps an invalid callback in quarantine with its problems', async () => {
    const raw = callbackFields({ CallSid: 'CA-store-bad', CallStatus: 'ringing' });
    const parsed = parseIncomingCallStatus(raw);
    assert.ok(!parsed.ok);
    await calls.quarantine({ raw, problems: parsed.problems, url: 'https://calls.example.com/cb' });
    const rows = scan<{ url: string; problems: string; raw: string; method: string }>(dbPath, 'SELECT url, problems, raw, method FROM quarantine');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.url, 'https://calls.example.com/cb');
    assert.deepEqual(JSON.parse(rows[0]!.raw), raw);
    assert.deepEqual((JSON.parse(rows[0]!.problems) as Array<{ field: string }>).map((problem) => problem.field), ['CallStatus']);
  });

  it('refuses bad input with a TypeError that says what is wanted', async () => {
    await assert.rejects(calls.recordCall({ callSid: 'CA1' } as never), /recordCall needs a CallStatusEvent/);
    await assert.rejects(calls.quarantine({} as never), /quarantine needs \{ raw, problems, url \}/);
    await assert.rejects(calls.summary({ from: day.to, to: day.from }), /from must be before to/);
    await assert.rejects(calls.summary({ from: new Date('nope'), to: day.to }), /from and to must be valid Dates/);
    await assert.rejects(calls.timeseries({ ...day, timeZone: 'Mars/Olympus' }), /timeZone must be an IANA time zone name/);
    await assert.rejects(calls.timeseries({ ...day, interval: '2h' as never }), /interval must be one of 15m, 1h, 1d, 1w/);
    await assert.rejects(calls.breakdown({ ...day, by: 'weather' as never }), /by must be one of number, account, status, country, hourOfWeek/);
    await assert.rejects(createCallStore({} as never), /createCallStore needs \{ database \}/);
    await assert.rejects(createCallStore({ database: join(dir, 'x.db'), maxBatch: 0 }), /maxBatch must be a whole number/);
  });
});

describe('callpulse/store behind a handler', () => {
  it('a Hono app records signed callbacks, quarantines invalid ones, and answers 503 once the store is closed', async () => {
    const { dir, cleanup } = tempDir('callpulse-library-e2e-');
    const dbPath = join(dir, 'calls.db');
    const calls = await createCallStore({ database: dbPath });
    const errors: unknown[] = [];
    const app = await startLibraryApp('hono', {
      keys: KEY,
      onCall: (event, context) => calls.recordCall(event, context),
      onInvalid: (invalid) => calls.quarantine(invalid),
      onError: (error) => errors.push(error),
    });
    const post = (fields: Record<string, string>): Promise<Response> => {
      const params = Object.entries(fields);
      return fetch(app.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(KEY, app.webhookUrl, params) },
        body: formBody(params),
      });
    };
    try {
      const fields = callbackFields({ CallSid: 'CA-e2e-1', Extra: 'kept' });
      assert.deepEqual(await (await post(fields)).json(), { result: 'accepted', callSid: 'CA-e2e-1' });
      assert.deepEqual(await (await post(fields)).json(), { result: 'duplicate', callSid: 'CA-e2e-1' });
      assert.equal((await post(callbackFields({ CallSid: 'CA-e2e-bad', AudioInMos: '9' }))).status, 422);

      const stored = scan<{ raw: string; method: string; content_type: string }>(dbPath, 'SELECT raw, method, content_type FROM calls');
      assert.equal(stored.length, 1);
      assert.deepEqual(JSON.parse(stored[0]!.raw), fields);
      assert.deepEqual([stored[0]!.method, stored[0]!.content_type], ['POST', 'application/x-www-form-urlencoded']);
      assert.equal(countRows(dbPath, 'deliveries'), 1);
      const quarantined = scan<{ url: string }>(dbPath, 'SELECT url FROM quarantine');
      assert.deepEqual(quarantined, [{ url: app.webhookUrl }]);

      await calls.close();
      const refused = await post(callbackFields({ CallSid: 'CA-e2e-late' }));
      assert.equal(refused.status, 503);
      assert.deepEqual(await refused.json(), { error: 'storage could not commit: the call store is closed', code: 'CP_ERR_STORAGE_UNAVAILABLE' });
      assert.equal(errors.length, 1);
    } finally {
      await app.close();
      await calls.close();
      cleanup();
    }
  });
});
