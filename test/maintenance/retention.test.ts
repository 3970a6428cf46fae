/**
 * Retention over a dataset with old and new rows: what goes (calls before the cutoff with their repeat
 * deliveries, old quarantine entries and delivered notifications, rollup buckets that end before theirs) and
 * what stays, checked by plain scans; figures of whole buckets unchanged from the rollups; range edges over
 * purged days read nothing (as documented); bounded transactions; on every store (SQLite always, PostgreSQL
 * when TEST_DATABASE_URL is set); `callpulse retention` and the server's own run.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { applyRetention, retentionCutoffs } from '../../src/maintenance/retention.js';
import { MetricsEngine } from '../../src/metrics/engine.js';
import type { Summary } from '../../src/metrics/summary.js';
import type { CallStore, PurgeCounts, WriteItem } from '../../src/store/call-store.js';
import { createStore } from '../../src/store/index.js';
import { scan } from '../helpers/db-scan.js';
import { BACKENDS, type TestDatabase } from '../helpers/test-databases.js';
import { runCli, startChildServer } from '../helpers/child-server.js';
import { callbackFields, tempDir } from '../helpers/test-server.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOW = Date.UTC(2024, 5, 15, 12, 0); // Saturday 15 June 2024, 12:00 UTC
const POLICY = { callsDays: 30, rollupsDays: 90, runEveryMinutes: 60 };
const CALLS_CUTOFF = NOW - 30 * DAY; // 16 May 12:00
const ROLLUPS_CUTOFF = NOW - 90 * DAY; // 17 March 12:00

interface Planned {
  sid: string;
  at: number;
  from: string;
  status: string;
}

/** The dataset: [sid, Timestamp, caller, status]. */
const PLANNED: Planned[] = [
  // 6 May (40 days before): deleted calls, rollups kept. The caller +15551110001 calls twice: the first is a repeat.
  { sid: 'CA-may-1', at: Date.UTC(2024, 4, 6, 12, 0), from: '+15551110001', status: 'completed' },
  { sid: 'CA-may-2', at: Date.UTC(2024, 4, 6, 12, 5), from: '+15551110001', status: 'failed' },
  { sid: 'CA-may-3', at: Date.UTC(2024, 4, 6, 12, 5), from: '+15551110002', status: 'failed' },
  { sid: 'CA-may-4', at: Date.UTC(2024, 4, 6, 12, 10), from: '+15551110003', status: 'completed' },
  // 7 March (100 days before): calls and day/15-minute rollups deleted.
  { sid: 'CA-mar-1', at: Date.UTC(2024, 2, 7, 9, 0), from: '+15551110004', status: 'completed' },
  { sid: 'CA-mar-2', at: Date.UTC(2024, 2, 7, 9, 30), from: '+15551110005', status: 'busy' },
  // Either side of the calls' cutoff.
  { sid: 'CA-edge-old', at: CALLS_CUTOFF - MINUTE, from: '+15551110006', status: 'completed' },
  { sid: 'CA-edge-new', at: CALLS_CUTOFF + MINUTE, from: '+15551110006', status: 'completed' }, // makes CA-edge-old a repeated call
  // Yesterday: kept.
  { sid: 'CA-new-1', at: NOW - DAY, from: '+15551110007', status: 'completed' },
  { sid: 'CA-new-2', at: NOW - DAY + 10 * MINUTE, from: '+15551110007', status: 'completed' },
  { sid: 'CA-new-3', at: NOW - DAY + 20 * MINUTE, from: '+15551110008', status: 'no-answer' },
];

function item(planned: Planned, receivedAt: number): WriteItem {
  const parsed = parseIncomingCallStatus(callbackFields({
    CallSid: planned.sid, From: planned.from, Timestamp: new Date(planned.at).toISOString(), CallStatus: planned.status,
    CallDuration: planned.status === 'completed' ? '60' : '', AudioInMos: planned.status === 'completed' ? '4.10' : '',
  }));
  assert.ok(parsed.ok);
  return { kind: 'call', event: parsed.event, raw: { CallSid: planned.sid }, source: 'import', delivery: { method: 'POST', contentType: null, receivedAt: new Date(receivedAt) } };
}

function quarantine(receivedAt: number, tag: string): WriteItem {
  return { kind: 'quarantine', raw: { tag }, problems: [{ field: 'CallStatus', message: 'is required' }], url: 'import:test', delivery: { method: 'POST', contentType: null, receivedAt: new Date(receivedAt) } };
}

/** Every rollup row (bases and status/country splits: two tables in SQLite, one in PostgreSQL), read with plain SQL. */
function rollupRows(db: TestDatabase): Promise<Array<{ level: string; bucket: number; dim: string }>> {
  return db.scan(db.backend === 'sqlite'
    ? 'SELECT level, bucket, dim FROM rollups UNION ALL SELECT level, bucket, dim FROM rollup_splits'
    : 'SELECT level, bucket, dim FROM rollups');
}

/** True for a status or country split's dimension (metrics/rollups.ts splitPrefix). */
const isSplit = (dim: string): boolean => /^(s|c):|\|(s|c):/.test(dim);

/** Whether a rollup row's bucket ends at or before the rollups' cutoff (so retention deletes it). */
function pastCutoff(row: { level: string; bucket: number }): boolean {
  const quarterCut = Math.floor(ROLLUPS_CUTOFF / (15 * MINUTE)) * 15 * MINUTE;
  const hourCut = Math.floor(ROLLUPS_CUTOFF / (60 * MINUTE)) * 60 * MINUTE;
  const dayCut = Math.floor(ROLLUPS_CUTOFF / DAY) * DAY;
  const monthCut = Date.UTC(2024, 2, 1);
  const cut = { quarter: quarterCut, hour: hourCut, day: dayCut, month: monthCut }[row.level];
  assert.ok(cut !== undefined, `unknown level ${row.level}`);
  return row.bucket < cut;
}

for (const backend of BACKENDS) describe(`retention over old and new rows: ${backend.name}`, { skip: backend.skip }, () => {
  let db: TestDatabase;
  let store: CallStore;
  let engine: MetricsEngine;
  const ranges = {
    may6: { from: Date.UTC(2024, 4, 6), to: Date.UTC(2024, 4, 7) },
    may6Partial: { from: Date.UTC(2024, 4, 6, 11, 50), to: Date.UTC(2024, 4, 6, 12, 10) }, // ends inside a 15-minute slot
    march: { from: Date.UTC(2024, 2, 1), to: Date.UTC(2024, 3, 1) },
    march7: { from: Date.UTC(2024, 2, 7), to: Date.UTC(2024, 2, 8) },
    lastTwoDays: { from: NOW - 2 * DAY, to: NOW },
  };
  const before_: Record<string, Summary> = {};
  let deleted: PurgeCounts;
  let rollupsPast = 0;

  before(async () => {
    db = await backend.fresh();
    store = await createStore(db.database);
    engine = new MetricsEngine(store);
    await store.writeBatch(PLANNED.map((p) => item(p, p.at + MINUTE)));
    // Repeat deliveries: of an old call (goes with it) and of a new one (stays).
    await store.writeBatch([item(PLANNED[0]!, NOW - 39 * DAY), item(PLANNED[8]!, NOW - DAY + 30 * MINUTE)]);
    await store.writeBatch([quarantine(NOW - 40 * DAY, 'old'), quarantine(NOW - DAY, 'new')]);
    await store.saveAlertEvaluation([], [
      { rule: 'r', subject: '', target: 't', event: 'firing', payload: '{"n":"old-sent"}', createdAt: NOW - 40 * DAY },
      { rule: 'r', subject: '', target: 't', event: 'resolved', payload: '{"n":"old-pending"}', createdAt: NOW - 40 * DAY },
      { rule: 'r', subject: '', target: 't', event: 'firing', payload: '{"n":"new-sent"}', createdAt: NOW - DAY },
    ]);
    const [oldSent, , newSent] = await store.listPendingNotifications(10);
    await store.recordNotificationAttempt(oldSent!.id, { outcome: 'sent', at: NOW - 40 * DAY });
    await store.recordNotificationAttempt(newSent!.id, { outcome: 'sent', at: NOW - DAY });
    // Reopened so every call is counted in the rollup rows (SQLite counts them just after the inserts).
    await store.close();
    store = await createStore(db.database);
    engine = new MetricsEngine(store);
    for (const [name, range] of Object.entries(ranges)) before_[name] = await engine.summary(range);
    rollupsPast = (await rollupRows(db)).filter(pastCutoff).length;

    // Purged in transactions of at most 2 rows of each kind: every run deletes something until nothing is left.
    const cutoffs = retentionCutoffs(POLICY, NOW);
    deleted = { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 };
    for (let runs = 0; ; runs++) {
      const counts = await store.purgeBefore(cutoffs, 2);
      assert.ok(counts.calls <= 2 && counts.quarantine <= 2 && counts.notifications <= 2 && counts.rollups <= 2, JSON.stringify(counts));
      const sum = Object.values(counts).reduce((a, b) => a + b, 0);
      if (sum === 0) break;
      for (const key of Object.keys(deleted) as Array<keyof PurgeCounts>) deleted[key] += counts[key];
      assert.ok(runs < 1000);
    }
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it('the cutoffs are the configured days before now', () => {
    assert.deepEqual(retentionCutoffs(POLICY, NOW), { callsBefore: CALLS_CUTOFF, rollupsBefore: ROLLUPS_CUTOFF });
    assert.deepEqual(retentionCutoffs({ callsDays: 0, rollupsDays: 0, runEveryMinutes: 60 }, NOW), { callsBefore: null, rollupsBefore: null });
  });

  it('calls before the cutoff are gone with their repeat deliveries; the others stay', async () => {
    const expected = PLANNED.filter((p) => p.at >= CALLS_CUTOFF).map((p) => p.sid).sort();
    assert.deepEqual((await db.scan<{ call_sid: string }>('SELECT call_sid FROM calls ORDER BY call_sid')).map((r) => r.call_sid), expected);
    assert.deepEqual((await db.scan<{ call_sid: string }>('SELECT call_sid FROM deliveries')).map((r) => r.call_sid), ['CA-new-1']);
    assert.equal(deleted.calls, PLANNED.length - expected.length);
    assert.equal(deleted.deliveries, 1);
  });

  it('old quarantine entries and delivered old notifications are gone; a pending one stays', async () => {
    assert.deepEqual((await db.scan<{ raw: string }>('SELECT raw FROM quarantine')).map((r) => JSON.parse(r.raw).tag), ['new']);
    assert.deepEqual((await db.scan<{ payload: string }>('SELECT payload FROM alert_notifications ORDER BY id')).map((r) => JSON.parse(r.payload).n), ['old-pending', 'new-sent']);
    assert.deepEqual([deleted.quarantine, deleted.notifications], [1, 1]);
  });

  it('no rollup bucket ends before its cutoff; a month is kept until all of it is past', async () => {
    const rows = await rollupRows(db);
    for (const row of rows) assert.ok(!pastCutoff(row), `${row.level} ${new Date(row.bucket).toISOString()} is kept`);
    assert.ok(rows.some((r) => r.level === 'month' && r.bucket === Date.UTC(2024, 2, 1)), 'March is still there as a month');
    assert.ok(rows.some((r) => r.level === 'day' && r.bucket === Date.UTC(2024, 4, 6) && isSplit(r.dim)), '6 May\'s splits are kept');
    assert.ok(!rows.some((r) => r.bucket === Date.UTC(2024, 2, 7)), '7 March as a day is gone');
    assert.ok(deleted.rollups > 0);
    assert.equal(deleted.rollups, rollupsPast, 'every row past its cutoff was counted once');
    if (db.backend === 'postgres') {
      const listed = await db.scan<{ n: number }>('SELECT (SELECT COUNT(*) FROM uncounted_calls) + (SELECT COUNT(*) FROM uncounted_marks) AS n');
      assert.equal(listed[0]!.n, 0, 'the calls were counted before the purge: none is left listed, none was lost');
    }
  });

  it('whole buckets still give the same figures, repeat callers included; recent ranges are untouched', async () => {
    const may6 = await engine.summary(ranges.may6);
    assert.deepEqual(may6, before_.may6);
    assert.deepEqual([may6.calls, may6.completed, may6.repeatCallers.repeated], [4, 2, 1]);
    assert.deepEqual(await engine.summary(ranges.lastTwoDays), before_.lastTwoDays);
    assert.deepEqual(await engine.summary(ranges.march), before_.march, 'the month rollup still holds 7 March');
    assert.equal(before_.march!.calls, 2);
  });

  it('range edges and days whose rollups went read nothing (the documented loss)', async () => {
    assert.equal(before_.may6Partial!.calls, 3); // 11:50 to 12:10: the calls at 12:00 and 12:05
    assert.equal((await engine.summary(ranges.may6Partial)).calls, 0, 'the partial 15-minute slot is read from deleted calls');
    assert.equal(before_.march7!.calls, 2);
    assert.equal((await engine.summary(ranges.march7)).calls, 0, 'the day rollups of 7 March are gone');
  });

  it('running it again deletes nothing', async () => {
    assert.deepEqual(await applyRetention(store, POLICY, NOW), { calls: 0, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 });
  });
});

describe('callpulse retention, and the server\'s own run', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  function dataset(name: string): string {
    const now = Date.now();
    const lines = [
      ...Array.from({ length: 3 }, (_, i) => callbackFields({ CallSid: `CA-old-${i}`, Timestamp: new Date(now - 40 * DAY).toISOString() })),
      ...Array.from({ length: 2 }, (_, i) => callbackFields({ CallSid: `CA-recent-${i}`, Timestamp: new Date(now - DAY).toISOString() })),
    ];
    const path = join(dir, name);
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return path;
  }

  it('callpulse retention deletes what the configuration says and prints it', async () => {
    const db = join(dir, 'cli.db');
    assert.equal((await runCli(['import', dataset('cli.ndjson'), '--db', db])).code, 0);
    const cfg = join(dir, 'cli.yaml');
    writeFileSync(cfg, 'retention:\n  callsDays: 30\n');
    const result = await runCli(['retention', '--config', cfg, '--db', db, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { callsBefore: string; rollupsBefore: null; deleted: PurgeCounts };
    assert.deepEqual(report.deleted, { calls: 3, deliveries: 0, quarantine: 0, notifications: 0, rollups: 0 });
    assert.equal(report.rollupsBefore, null);
    assert.deepEqual(scan<{ call_sid: string }>(db, 'SELECT call_sid FROM calls ORDER BY call_sid').map((r) => r.call_sid), ['CA-recent-0', 'CA-recent-1']);
    const nothing = await runCli(['retention', '--db', db]);
    assert.deepEqual([nothing.code, nothing.stdout], [0, 'No retention is configured (retention.callsDays and retention.rollupsDays are 0): nothing was deleted.\n']);
  });

  it('the server applies it when it starts', async () => {
    const db = join(dir, 'serve.db');
    assert.equal((await runCli(['import', dataset('serve.ndjson'), '--db', db])).code, 0);
    const cfg = join(dir, 'serve.yaml');
    writeFileSync(cfg, 'retention:\n  callsDays: 30\n');
    const server = await startChildServer(['--db', db, '--config', cfg], { LOG_LEVEL: 'info' });
    try {
      for (let i = 0; i < 300 && !server.output().includes('retention: old data deleted'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(server.output(), /"calls":3,"deliveries":0,"quarantine":0,"notifications":0,"rollups":0,"msg":"retention: old data deleted"/);
      assert.equal(scan<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM calls')[0]!.n, 2);
    } finally {
      server.process.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });
});
