/**
 * reconcile() over the fake Calls API and a real server's SQLite store: some calls arrived as signed
 * webhook callbacks, others never did. Exactly the missing inbound ended calls in the range are stored
 * (source api, no MOS, date_created as the Timestamp); outbound, not-ended and older calls are skipped;
 * a second run changes nothing. Every figure is checked against the fake's data and a plain scan.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reconcile, utcDate } from '../../src/signalwire/reconcile.js';
import { SignalWireRestClient } from '../../src/signalwire/rest-client.js';
import { countRows, scan } from '../helpers/db-scan.js';
import { rfc2822, startFakeSignalWire, type FakeCall, type FakeSignalWire } from '../helpers/fake-signalwire.js';
import { postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'reconcile-signing-key';
const SINCE = Date.UTC(2024, 3, 4, 12, 0, 0); // Thu 4 Apr 2024 12:00 UTC
const MINUTE = 60_000;
const STATUSES = ['completed', 'completed', 'completed', 'failed', 'completed', 'busy', 'completed', 'no-answer', 'canceled'];

function call(overrides: Partial<FakeCall> & { sid: string; created: number }): FakeCall {
  const { created, ...rest } = overrides;
  const status = rest.status ?? 'completed';
  return {
    account_sid: 'b3877c40-da60-4998-90ad-b792e98472af',
    date_created: rfc2822(new Date(created)),
    date_updated: rfc2822(new Date(created + 5 * MINUTE)),
    start_time: rfc2822(new Date(created + 1000)),
    end_time: status === 'completed' ? rfc2822(new Date(created + 3 * MINUTE)) : null,
    direction: 'inbound',
    from: '+15552000000',
    to: '+15557000001',
    status,
    duration: status === 'completed' ? 180 : 0,
    ...rest,
  };
}

describe('reconcile', () => {
  let fake: FakeSignalWire;
  let server: TestServer;
  let client: SignalWireRestClient;
  const ended: FakeCall[] = [];
  const delivered = new Set<string>();

  before(async () => {
    server = await startTestServer({ signingKey: KEY });
    // 30 inbound calls that ended, from 13:00 on, every 20 minutes; durations as strings and numbers, as the API may send either.
    for (let i = 0; i < 30; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      ended.push(call({
        sid: `CA-ended-${String(i).padStart(2, '0')}`, created: SINCE + 60 * MINUTE + i * 20 * MINUTE, status,
        from: i === 7 ? 'anonymous' : `+1555200${String(i).padStart(4, '0')}`, to: `+1555700000${i % 3}`,
        duration: status === 'completed' ? (i % 2 === 0 ? 30 + i : String(30 + i)) : 0,
      }));
    }
    const others = [
      call({ sid: 'CA-outbound-1', created: SINCE + 90 * MINUTE, direction: 'outbound' }),
      call({ sid: 'CA-outbound-2', created: SINCE + 95 * MINUTE, direction: 'outbound', status: 'failed' }),
      call({ sid: 'CA-queued', created: SINCE + 700 * MINUTE, status: 'queued', duration: null, start_time: rfc2822(new Date(SINCE + 700 * MINUTE)) }),
      call({ sid: 'CA-ringing', created: SINCE + 701 * MINUTE, status: 'ringing', duration: null }),
      call({ sid: 'CA-in-progress', created: SINCE + 702 * MINUTE, status: 'in-progress', duration: null }),
      // The same UTC date as the start, but before it: the API returns it (StartTime> is a date); the range drops it.
      call({ sid: 'CA-early-same-day', created: SINCE - 6 * 60 * MINUTE }),
      // Two days before: the API's date filter leaves it out.
      call({ sid: 'CA-two-days-before', created: SINCE - 48 * 60 * MINUTE }),
    ];
    fake = await startFakeSignalWire({ calls: [...ended, ...others], maxPageSize: 7 });
    client = new SignalWireRestClient({ spaceUrl: fake.spaceUrl, projectId: fake.projectId, apiToken: fake.apiToken, backoffMs: 1 });

    // Two in three of the ended calls reached the webhook, with a MOS; the rest were lost.
    for (const [i, c] of ended.entries()) {
      if (i % 3 === 0) continue;
      const response = await postSignedCallback(server.webhookUrl, KEY, {
        CallSid: c.sid, AccountSid: c.account_sid, From: c.from, To: c.to, Timestamp: c.date_created,
        CallStatus: c.status, CallDuration: String(c.duration), AudioInMos: '4.25',
      });
      assert.equal(response.status, 200, await response.text());
      delivered.add(c.sid);
    }
  });
  after(async () => {
    await fake.close();
    await server.close();
  });

  it('stores exactly the missing inbound ended calls in the range, marked api, with no MOS', async () => {
    const missing = ended.filter((c) => !delivered.has(c.sid));
    assert.equal(missing.length, 10);
    const report = await reconcile(client, server.store, { since: new Date(SINCE) });

    const byStatus: Record<string, number> = {};
    for (const c of missing) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    assert.deepEqual(report, {
      since: '2024-04-04T12:00:00.000Z',
      listed: 36, outbound: 2, beforeRange: 1, notEnded: 3, ended: 30, alreadyStored: 20, missing: 10,
      missingByStatus: byStatus, stored: 10, arrivedMeanwhile: 0, invalid: [],
    });

    const rows = scan<{ call_sid: string; source: string; mos: number | null; status: string; duration_seconds: number; created_at: number; from_number: string; to_number: string; timestamp_text: string }>(
      server.dbPath, "SELECT * FROM calls WHERE source = 'api' ORDER BY call_sid",
    );
    assert.deepEqual(rows.map((r) => r.call_sid), missing.map((c) => c.sid).sort());
    for (const row of rows) {
      const original = missing.find((c) => c.sid === row.call_sid)!;
      assert.equal(row.mos, null);
      assert.equal(row.status, original.status);
      assert.equal(row.duration_seconds, Number(original.duration));
      assert.equal(row.created_at, Date.parse(original.date_created));
      assert.equal(row.timestamp_text, original.date_created);
      assert.deepEqual([row.from_number, row.to_number], [original.from, original.to]);
    }
    assert.equal(countRows(server.dbPath, 'calls'), 30);
    assert.equal(scan(server.dbPath, "SELECT 1 FROM calls WHERE call_sid IN ('CA-early-same-day', 'CA-outbound-1', 'CA-queued')").length, 0);
    // The webhook's calls are untouched: their MOS is still there.
    assert.equal(scan<{ n: number }>(server.dbPath, "SELECT COUNT(*) AS n FROM calls WHERE source = 'webhook' AND mos = 4.25")[0]!.n, 20);
  });

  it('asked the API for calls from the start date on, and followed its pages', () => {
    const first = fake.requests.find((r) => r.path.endsWith('/Calls'))!;
    assert.equal(first.path, `/api/laml/2010-04-01/Accounts/${fake.projectId}/Calls`);
    assert.equal(first.query.get('StartTime>'), '2024-04-04');
    assert.equal(utcDate(new Date(SINCE)), '2024-04-04');
    assert.equal(fake.requests.filter((r) => r.path.endsWith('/Calls')).length, 6, '36 calls on or after the date, 7 a page');
  });

  it('a second run stores nothing and writes nothing (no deliveries logged either)', async () => {
    const deliveriesBefore = countRows(server.dbPath, 'deliveries');
    const before = scan(server.dbPath, 'SELECT * FROM calls ORDER BY id');
    const report = await reconcile(client, server.store, { since: new Date(SINCE) });
    assert.deepEqual([report.ended, report.alreadyStored, report.missing, report.stored], [30, 30, 0, 0]);
    assert.deepEqual(scan(server.dbPath, 'SELECT * FROM calls ORDER BY id'), before);
    assert.equal(countRows(server.dbPath, 'deliveries'), deliveriesBefore);
  });

  it('dry run counts what is missing and writes nothing', async () => {
    const extra = call({ sid: 'CA-late-lost', created: SINCE + 800 * MINUTE, status: 'failed' });
    fake.calls.push(extra);
    const report = await reconcile(client, server.store, { since: new Date(SINCE), dryRun: true });
    assert.deepEqual([report.missing, report.stored, report.missingByStatus], [1, 0, { failed: 1 }]);
    assert.equal(scan(server.dbPath, "SELECT 1 FROM calls WHERE call_sid = 'CA-late-lost'").length, 0);
    fake.calls.pop();
  });

  it('a call whose data does not validate is reported, not stored; the others still are', async () => {
    fake.calls.push(
      call({ sid: 'CA-no-duration', created: SINCE + 810 * MINUTE, status: 'completed', duration: null }),
      call({ sid: 'CA-good-late', created: SINCE + 811 * MINUTE, status: 'completed', duration: 12, account_sid: '' }),
    );
    const report = await reconcile(client, server.store, { since: new Date(SINCE) });
    assert.equal(report.stored, 1);
    assert.deepEqual(report.invalid, [{ callSid: 'CA-no-duration', problems: [{ field: 'CallDuration', message: 'must not be empty on a completed call' }] }]);
    // A call listed without its account_sid belongs to the project whose list it came from.
    assert.deepEqual(scan(server.dbPath, "SELECT call_sid, account_sid FROM calls WHERE call_sid IN ('CA-no-duration', 'CA-good-late')"),
      [{ call_sid: 'CA-good-late', account_sid: fake.projectId }]);
    fake.calls.splice(-2, 2);
  });
});
