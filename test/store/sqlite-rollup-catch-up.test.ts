/**
 * SQLite counts calls into the rollups behind the inserts (migration 4): these tests check that figures
 * are exact at every moment — before the catch-up, after it, and after a process that wrote calls died
 * before counting them — and that the stored rollup rows end equal to a plain scan of the calls. A real
 * child process writes and exits without closing its store, so its calls are certainly left uncounted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createStore } from '../../src/store/index.js';
import type { CallStore } from '../../src/store/call-store.js';
import { callWrite } from '../helpers/call-writes.js';
import { tempDir } from '../helpers/test-server.js';

const MARCH = { level: 'month', start: Date.UTC(2024, 2, 1) } as const;
const MARCH_1 = { level: 'day', start: Date.UTC(2024, 2, 1) } as const;

function fields(sid: string, at: string, mos: string, to = '+15550000001'): Record<string, string> {
  return { CallSid: sid, AccountSid: 'AC1', From: '+14155550100', To: to, Timestamp: at, CallStatus: 'completed', CallDuration: '30', AudioInMos: mos };
}

/** Reads the file with its own connection: progress, pending marks, the stored '*' month row and a plain scan. */
function inspect(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      countedThrough: db.prepare('SELECT counted_through FROM rollup_progress').pluck().get() as number,
      lastId: db.prepare('SELECT COALESCE(MAX(id), 0) FROM calls').pluck().get() as number,
      pendingMarks: db.prepare('SELECT COUNT(*) FROM rollup_pending_marks').pluck().get() as number,
      stored: db.prepare(`SELECT calls, repeated, mos_count, mos_sum FROM rollups WHERE level = 'month' AND dim = '*' AND bucket = ?`).get(MARCH.start) as
        { calls: number; repeated: number; mos_count: number; mos_sum: number } | undefined,
      scan: db.prepare(`SELECT COUNT(*) AS calls, SUM(repeated) AS repeated, COUNT(mos) AS mos_count FROM calls WHERE created_at >= ? AND created_at < ?`)
        .get(MARCH.start, Date.UTC(2024, 3, 1)) as { calls: number; repeated: number; mos_count: number },
    };
  } finally {
    db.close();
  }
}

/** Waits until every call is counted (the writer counts them ~100 ms after a write). */
async function counted(path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const state = inspect(path);
    if (state.countedThrough === state.lastId && state.pendingMarks === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the rollups did not count the calls within 5 s');
}

/** Writes callbacks from a child process that exits as soon as they are committed, without closing its store. */
function writeAndDie(path: string, writes: Array<Record<string, string>>): void {
  const script = `
    const { createStore } = await import(${JSON.stringify(new URL('../../src/store/index.js', import.meta.url).href)});
    const { callWrite } = await import(${JSON.stringify(new URL('../helpers/call-writes.js', import.meta.url).href)});
    const store = await createStore(${JSON.stringify(path)});
    const outcomes = await store.writeBatch(${JSON.stringify(writes)}.map((f) => callWrite(f)));
    process.stdout.write(JSON.stringify(outcomes));
    process.exit(0);`;
  const file = join(dirname(path), 'write-and-die.mjs'); // a file, not -e: the store's worker thread inherits node's flags
  writeFileSync(file, script);
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), writes.map(() => 'accepted'));
}

async function withFile(work: (path: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir('callpulse-catch-up-');
  try {
    await work(join(dir, 'calls.db'));
  } finally {
    cleanup();
  }
}

async function monthStats(store: CallStore) {
  const stats = await store.readRollups([MARCH], ['*']);
  return { calls: stats.calls, repeated: stats.repeated, mosCount: stats.mosCount, mosSum: stats.mosSum };
}

describe('SQLite rollups counted behind the inserts', () => {
  it('are exact right after a write, and the stored rows equal a plain scan once counted', async () => {
    await withFile(async (path) => {
      const store = await createStore(path);
      try {
        await store.writeBatch([callWrite(fields('CA-1', '2024-03-01T00:00:00Z', '4.40'))]);
        assert.deepEqual(await monthStats(store), { calls: 1, repeated: 0, mosCount: 1, mosSum: 4_400_000 });
        await counted(path);
        // CA-2 makes the counted CA-1 a repeated call: the mark is pending until the next catch-up.
        await store.writeBatch([callWrite(fields('CA-2', '2024-03-01T10:00:00Z', '3.10'))]);
        assert.deepEqual(await monthStats(store), { calls: 2, repeated: 1, mosCount: 2, mosSum: 7_500_000 });
        assert.equal((await store.readRollupGroups([MARCH_1], 'c:', 'split')).get('US')!.repeated, 1);
        await counted(path);
        assert.deepEqual(await monthStats(store), { calls: 2, repeated: 1, mosCount: 2, mosSum: 7_500_000 });
        const state = inspect(path);
        assert.deepEqual(state.stored, { calls: 2, repeated: 1, mos_count: 2, mos_sum: 7_500_000 });
        assert.deepEqual(state.scan, { calls: 2, repeated: 1, mos_count: 2 });
      } finally {
        await store.close();
      }
    });
  });

  it('counts the calls of a process that died before counting them, and their marks, exactly', async () => {
    await withFile(async (path) => {
      const first = await createStore(path);
      await first.writeBatch([callWrite(fields('CA-1', '2024-03-01T00:00:00Z', '4.40'))]);
      await first.close(); // counts what it wrote
      assert.equal(inspect(path).countedThrough, 1);

      writeAndDie(path, [fields('CA-2', '2024-03-01T10:00:00Z', '3.10'), fields('CA-3', '2024-03-01T11:00:00Z', '', '+15550000002')]);
      const left = inspect(path);
      assert.deepEqual([left.countedThrough, left.lastId, left.pendingMarks], [1, 3, 1], 'the child left two calls and a mark uncounted');
      assert.deepEqual(left.stored, { calls: 1, repeated: 0, mos_count: 1, mos_sum: 4_400_000 });

      // Another connection holds the write lock, so the store cannot count them when it opens: reads add them.
      const blocker = new Database(path);
      blocker.exec('BEGIN IMMEDIATE');
      const store = await createStore(path);
      try {
        assert.equal(inspect(path).countedThrough, 1, 'still uncounted');
        assert.deepEqual(await monthStats(store), { calls: 3, repeated: 1, mosCount: 2, mosSum: 7_500_000 });
        const byNumber = await store.readRollupGroups([MARCH_1], 'a:AC1|n:', 'base');
        assert.deepEqual([...byNumber].map(([number, s]) => [number, s.calls, s.repeated]).sort(), [['+15550000001', 2, 1], ['+15550000002', 1, 0]]);
        const series = await store.readRollupSeries('quarter', Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 2), ['*']);
        assert.deepEqual([...series].map(([bucket, s]) => [new Date(bucket).toISOString(), s.calls]), [
          ['2024-03-01T00:00:00.000Z', 1], ['2024-03-01T10:00:00.000Z', 1], ['2024-03-01T11:00:00.000Z', 1],
        ]);
        blocker.exec('ROLLBACK');
        await store.writeBatch([callWrite(fields('CA-4', '2024-03-02T12:00:00Z', '4.00', '+15550000002'))]);
        await counted(path);
        const state = inspect(path);
        assert.deepEqual(state.stored, { calls: 4, repeated: 1, mos_count: 3, mos_sum: 11_500_000 });
        assert.deepEqual(state.scan, { calls: 4, repeated: 1, mos_count: 3 });
      } finally {
        if (blocker.inTransaction) blocker.exec('ROLLBACK');
        blocker.close();
        await store.close();
      }
    });
  });
});
