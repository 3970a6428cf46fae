/**
 * `GET /api/v1/calls` over real HTTP: filters and cursor pages compared with the same selection made by
 * hand over the dataset the test sent through the webhook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'list-key';
const STATUSES = ['completed', 'failed', 'busy', 'no-answer', 'canceled'];

interface Sent {
  sid: string;
  at: number;
  status: string;
  duration: number | null;
  mos: number | null;
  to: string;
}

describe('GET /api/v1/calls', () => {
  let server: TestServer;
  const sent: Sent[] = [];
  before(async () => {
    server = await startTestServer({ signingKey: KEY });
    for (let i = 0; i < 30; i++) {
      const status = STATUSES[i % 5]!;
      const entry: Sent = {
        sid: `CA-list-${String(i).padStart(2, '0')}`,
        at: Date.UTC(2024, 4, 1, 8, 0) + Math.floor(i / 3) * 60_000, // three calls share each minute
        status,
        duration: status === 'completed' ? i * 4 : null,
        mos: i % 4 === 0 ? null : 2.5 + (i % 10) / 5,
        to: i % 2 === 0 ? '+15550000010' : '+15550000020',
      };
      sent.push(entry);
      const response = await postSignedCallback(server.webhookUrl, KEY, callbackFields({
        CallSid: entry.sid, Timestamp: new Date(entry.at).toISOString(), CallStatus: status,
        CallDuration: entry.duration === null ? '' : String(entry.duration), AudioInMos: entry.mos === null ? '' : entry.mos.toFixed(2), To: entry.to,
      }));
      assert.equal(response.status, 200);
    }
  });
  after(() => server.close());

  const RANGE = 'from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z';
  /** Newest first: by Timestamp, then the later arrival first (the test sent them in index order). */
  const newestFirst = (rows: Sent[]) => [...rows].sort((a, b) => b.at - a.at || b.sid.localeCompare(a.sid)).map((r) => r.sid);

  async function list(query: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${server.baseUrl}/api/v1/calls?${query}`);
    return { status: response.status, body: await response.json() };
  }

  it('filters by status, MOS, duration and number', async () => {
    const failed = await list(`${RANGE}&status=failed`);
    assert.deepEqual(failed.body.calls.map((c: { callSid: string }) => c.callSid), newestFirst(sent.filter((s) => s.status === 'failed')));
    const bad = await list(`${RANGE}&mosBelow=3.6`);
    assert.deepEqual(bad.body.calls.map((c: { callSid: string }) => c.callSid), newestFirst(sent.filter((s) => s.mos !== null && s.mos < 3.6)));
    const long = await list(`${RANGE}&minDuration=40&number=%2B15550000010`);
    assert.deepEqual(
      long.body.calls.map((c: { callSid: string }) => c.callSid),
      newestFirst(sent.filter((s) => s.duration !== null && s.duration >= 40 && s.to === '+15550000010')),
    );
    assert.equal(long.body.nextCursor, null);
  });

  it('pages with a cursor through every call exactly once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { body }: { body: { calls: Array<{ callSid: string }>; nextCursor: string | null } } = await list(`${RANGE}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.calls.map((c) => c.callSid));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(seen, newestFirst(sent));
  });

  it('400 naming the parameter', async () => {
    for (const [query, parameter] of [['status=ringing', 'status'], ['mosBelow=9', 'mosBelow'], ['minDuration=-1', 'minDuration'], ['limit=5000', 'limit'], ['cursor=abc', 'cursor']]) {
      const { status, body } = await list(`${RANGE}&${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.details[0].field, parameter, query);
    }
  });
});
