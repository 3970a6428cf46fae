/**
 * Two real `callpulse serve` processes on one PostgreSQL schema (both starting at once on an empty one):
 * concurrent signed deliveries, each call sent to both instances at the same moment and some a third
 * time; then every call stored and counted exactly once, the repeat callers marked, and the metrics of
 * both instances equal to a plain scan of the database. Skipped (and says so) without TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { plainSummaryIn } from '../helpers/plain-summary.js';
import { postgresBackend, type TestDatabase } from '../helpers/test-databases.js';
import { postSignedCallback, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'two-instances-key';
const CALLS = 360;
const WORKERS = 24;
const CALLERS = ['+14155550100', '+14155550101', '+442071838750', '+33142685300', '+61293744000', '+15559990001', 'anonymous', 'sip:bob@example.com'];
const NUMBERS = ['+15550000001', '+15550000002', '+15550000003'];
const START = Date.UTC(2024, 9, 30, 12);

/** Rounds every number to 9 decimals so float sums in another order compare equal. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v))) as T;
}

/** The dataset: distinct calls over three days crossing a month end, with callers calling back often. */
function dataset(): Array<Record<string, string>> {
  return Array.from({ length: CALLS }, (_, i) => {
    const status = ['completed', 'completed', 'completed', 'failed', 'busy', 'no-answer', 'canceled'][(i * 5) % 7]!;
    return {
      CallSid: `CA2i${String(i).padStart(4, '0')}`,
      AccountSid: i % 5 === 0 ? 'AC-two' : 'AC-one',
      From: CALLERS[(i * 7) % CALLERS.length]!,
      To: NUMBERS[(i * 3 + Math.floor(i / 7)) % NUMBERS.length]!,
      Timestamp: new Date(START + ((i * 7919) % (3 * 86_400)) * 1000).toISOString(),
      CallStatus: status,
      CallDuration: status === 'completed' ? String((i * 37) % 900) : status === 'failed' ? '0' : '',
      AudioInMos: i % 6 === 0 ? '' : (1 + ((i * 13) % 400) / 100).toFixed(2),
    };
  });
}

/** The calls that are repeated ones, worked out from the dataset alone. */
function expectedRepeated(calls: Array<Record<string, string>>): string[] {
  const at = (c: Record<string, string>) => Date.parse(c.Timestamp!);
  return calls
    .filter((c) => /^\+[1-9]\d{1,14}$/.test(c.From!) && calls.some((o) =>
      o.From === c.From && o.To === c.To && (at(o) > at(c) || (at(o) === at(c) && o.CallSid! > c.CallSid!)) && at(o) - at(c) <= 86_400_000))
    .map((c) => c.CallSid!)
    .sort();
}

describe('two callpulse instances on one PostgreSQL database', { skip: postgresBackend.skip }, () => {
  let db: TestDatabase;
  let servers: ChildServer[] = [];
  const calls = dataset();
  const answers: Array<{ sid: string; status: number; result: string }> = [];

  before(async () => {
    db = await postgresBackend.fresh();
    servers = await Promise.all([0, 1].map(() => startChildServer(['--db', db.database], { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info' })));
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < calls.length; i = next++) {
        const fields = calls[i]!;
        // Both instances at the same moment; every fourth call once more to one of them.
        const targets = i % 4 === 0 ? [servers[0]!, servers[1]!, servers[i % 8 === 0 ? 0 : 1]!] : [servers[0]!, servers[1]!];
        const responses = await Promise.all(targets.map((server) => postSignedCallback(server.baseUrl + WEBHOOK, KEY, fields)));
        for (const response of responses) {
          const body = (await response.json()) as { result?: string };
          answers.push({ sid: fields.CallSid!, status: response.status, result: body.result ?? '' });
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
  });

  after(async () => {
    for (const server of servers) if (server.process.exitCode === null) server.process.kill('SIGKILL');
    await db.drop();
  });

  it('answers every delivery 200, accepts each call exactly once and stores it once', async () => {
    const deliveries = calls.length * 2 + Math.ceil(calls.length / 4);
    assert.equal(answers.length, deliveries);
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    const accepted = new Map<string, number>();
    for (const a of answers) if (a.result === 'accepted') accepted.set(a.sid, (accepted.get(a.sid) ?? 0) + 1);
    assert.equal(accepted.size, CALLS);
    assert.ok([...accepted.values()].every((n) => n === 1), 'no CallSid accepted twice');
    assert.equal(answers.filter((a) => a.result === 'duplicate').length, deliveries - CALLS);

    const stored = await db.scan<{ call_sid: string; created_at: number; status: string; duration_seconds: number | null; mos: number | null }>(
      'SELECT call_sid, created_at, status, duration_seconds, mos FROM calls ORDER BY call_sid',
    );
    assert.deepEqual(stored, calls.map((c) => ({
      call_sid: c.CallSid, created_at: Date.parse(c.Timestamp!), status: c.CallStatus,
      duration_seconds: c.CallDuration === '' ? null : Number(c.CallDuration), mos: c.AudioInMos === '' ? null : Number(c.AudioInMos),
    })));
    assert.equal(await db.count('deliveries'), deliveries - CALLS);
    assert.equal(await db.count('schema_migrations'), 5);
  });

  it('marks exactly the repeat callers worked out from the calls sent', async () => {
    const marked = await db.scan<{ call_sid: string }>('SELECT call_sid FROM calls WHERE repeated ORDER BY call_sid');
    const expected = expectedRepeated(calls);
    assert.ok(expected.length > 50);
    assert.deepEqual(marked.map((r) => r.call_sid), expected);
  });

  it('both instances report the metrics of a plain scan, for whole and ragged ranges and filters', async () => {
    const ranges = [[START - 86_400_000, START + 4 * 86_400_000], [START + 3_600_000 + 17_000, START + 2 * 86_400_000 - 61_000]] as const;
    for (const [from, to] of ranges) {
      for (const filter of [{}, { number: NUMBERS[1]! }, { account: 'AC-two' }] as Array<{ number?: string; account?: string }>) {
        const query = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
        for (const [name, value] of Object.entries(filter)) query.set(name, value);
        const expected = rounded(await plainSummaryIn(db, from, to, filter));
        assert.ok(expected.calls > 0);
        for (const server of servers) {
          const response = await fetch(`${server.baseUrl}/api/v1/summary?${query}`);
          assert.equal(response.status, 200);
          const { range: _range, ...figures } = (await response.json()) as Record<string, unknown>;
          assert.deepEqual(rounded(figures), expected, `${server.baseUrl} ${query}`);
        }
      }
    }
  });

  it('both stop gracefully on SIGTERM (exit 0)', async () => {
    for (const server of servers) server.process.kill('SIGTERM');
    assert.deepEqual(await Promise.all(servers.map((server) => server.exited)), [0, 0]);
  });
});
