/**
 * `callpulse report` as a real child process over a real database file: the same figures as a plain
 * scan, per number, per day in a time zone, and one-sentence usage errors.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { createStore } from '../../src/store/index.js';
import type { CallWrite } from '../../src/store/call-store.js';
import { runCli } from '../helpers/child-server.js';
import { plainSummary } from '../helpers/plain-summary.js';
import { callbackFields, tempDir } from '../helpers/test-server.js';

function write(fields: Record<string, string>): CallWrite {
  const parsed = parseIncomingCallStatus(callbackFields(fields));
  if (!parsed.ok) throw new Error('invalid test call');
  return { kind: 'call', event: parsed.event, raw: fields, source: 'import', delivery: { method: 'POST', contentType: null, receivedAt: new Date() } };
}

describe('callpulse report', () => {
  const { dir, cleanup } = tempDir();
  const dbPath = join(dir, 'report.db');
  const RANGE = ['--from', '2024-07-01T00:00:00Z', '--to', '2024-07-03T00:00:00Z'];
  before(async () => {
    const store = await createStore(dbPath);
    await store.writeBatch([
      write({ CallSid: 'CA-r1', Timestamp: '2024-07-01T03:30:00Z', To: '+15550000001', CallDuration: '100', AudioInMos: '4.40' }), // 30 Jun 23:30 EDT
      write({ CallSid: 'CA-r2', Timestamp: '2024-07-01T15:00:00Z', To: '+15550000001', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' }),
      write({ CallSid: 'CA-r3', Timestamp: '2024-07-02T15:00:00Z', To: '+15550000002', CallDuration: '50', AudioInMos: '3.50' }),
    ]);
    await store.close();
  });
  after(cleanup);

  it('--format json prints the summary, equal to a plain scan', async () => {
    const result = await runCli(['report', '--db', dbPath, ...RANGE, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), plainSummary(dbPath, Date.UTC(2024, 6, 1), Date.UTC(2024, 6, 3)));
  });

  it('--by number as CSV', async () => {
    const result = await runCli(['report', '--db', dbPath, ...RANGE, '--by', 'number', '--format', 'csv']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'number,calls,completed,success,MOS mean,MOS p10,poor-quality,mean duration (s)\r\n' +
        "'+15550000001,2,1,0.5,4.4,4.4,0,100\r\n" +
        "'+15550000002,1,1,1,3.5,3.5,1,50\r\n",
    );
  });

  it('--by status as JSON, each row equal to a plain scan of that status; --by country as a table', async () => {
    const result = await runCli(['report', '--db', dbPath, ...RANGE, '--by', 'status', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const { rows } = JSON.parse(result.stdout) as { rows: Array<{ group: { status: string } }> };
    assert.deepEqual(rows.map((r) => r.group.status), ['completed', 'failed']);
    for (const { group, ...figures } of rows) {
      assert.deepEqual(figures, plainSummary(dbPath, Date.UTC(2024, 6, 1), Date.UTC(2024, 6, 3), { status: group.status }));
    }
    // The callers are +1555..., which belong to no region: one "(unknown)" row.
    const byCountry = await runCli(['report', '--db', dbPath, ...RANGE, '--by', 'country']);
    assert.equal(byCountry.code, 0, byCountry.stderr);
    assert.deepEqual(byCountry.stdout.trim().split('\n').slice(2).map((line) => line.trim().split(/\s{2,}/).slice(0, 3)), [['(unknown)', '3', '2']]);
  });

  it('--by day in a time zone, as a table', async () => {
    const result = await runCli(['report', '--db', dbPath, ...RANGE, '--by', 'day', '--tz', 'America/New_York']);
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout.trim().split('\n').slice(2).map((line) => line.trim().split(/\s{2,}/).slice(0, 3));
    assert.deepEqual(rows, [
      ['2024-06-30T00:00:00-04:00', '1', '1'],
      ['2024-07-01T00:00:00-04:00', '1', '0'],
      ['2024-07-02T00:00:00-04:00', '1', '1'],
    ]);
  });

  it('bad options are one sentence, exit 2', async () => {
    for (const [args, message] of [
      [['--by', 'week'], /^callpulse report: --by must be one of day, hour, number, account, status, country, got "week"\n$/],
      [['--since', '3x'], /^callpulse report: --since must be a length like 15m/],
      [['--tz', 'Nowhere/Land'], /^callpulse report: --tz must be an IANA time zone name/],
    ] as const) {
      const result = await runCli(['report', '--db', dbPath, ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2);
    }
  });
});
