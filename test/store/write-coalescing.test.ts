/**
 * Batches waiting for the SQLite writer thread share one commit (write-coalescing.ts), and each is still
 * answered on its own: first with a recording writer (which batches were written together), then through
 * a real store whose writer thread is held up by another connection's write lock, so that batches
 * certainly queue behind it; what is stored is then read back with a plain query.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createStore } from '../../src/store/index.js';
import type { CallWrite, WriteOutcome } from '../../src/store/call-store.js';
import { writeCoalesced } from '../../src/store/sqlite/write-coalescing.js';
import type { WriteRow } from '../../src/store/sqlite/write-rows.js';
import { callWrite } from '../helpers/call-writes.js';
import { tempDir } from '../helpers/test-server.js';

/** Quarantine rows stand in for any row; the url names it, and 'bad' makes the transaction fail. */
function row(name: string): WriteRow {
  return ['quarantine', 0, 'POST', null, name, '[]', '{}'];
}

/** A writer that records each transaction (the names of its rows) and fails one that holds 'bad'. */
function recordingWriter(error: Error = new Error('constraint failed')) {
  const transactions: string[][] = [];
  const write = (rows: readonly WriteRow[]): WriteOutcome[] => {
    const names = rows.map((r) => r[4] as string);
    transactions.push(names);
    if (names.includes('bad')) throw error;
    return names.map((name) => (name.startsWith('dup') ? 'duplicate' : 'accepted'));
  };
  return { transactions, write };
}

describe('writeCoalesced', () => {
  it('writes the waiting batches in one transaction and gives each batch its own outcomes', () => {
    const { transactions, write } = recordingWriter();
    const results = writeCoalesced([[row('a1'), row('dup-a2')], [row('b1')], [row('dup-c1'), row('c2')]], write, () => false);
    assert.deepEqual(transactions, [['a1', 'dup-a2', 'b1', 'dup-c1', 'c2']]);
    assert.deepEqual(results, [
      { ok: true, outcomes: ['accepted', 'duplicate'] },
      { ok: true, outcomes: ['accepted'] },
      { ok: true, outcomes: ['duplicate', 'accepted'] },
    ]);
  });

  it('when the shared transaction fails, writes each batch on its own: only the bad batch fails', () => {
    const error = new Error('NOT NULL constraint failed');
    const { transactions, write } = recordingWriter(error);
    const results = writeCoalesced([[row('a1')], [row('bad'), row('b2')], [row('c1')]], write, () => false);
    assert.deepEqual(transactions, [['a1', 'bad', 'b2', 'c1'], ['a1'], ['bad', 'b2'], ['c1']]);
    assert.deepEqual(results, [{ ok: true, outcomes: ['accepted'] }, { ok: false, error }, { ok: true, outcomes: ['accepted'] }]);
  });

  it('a failure that would hit every batch (storage unavailable) fails them all at once, without retrying', () => {
    const error = new Error('SQLITE_FULL: database or disk is full');
    const { transactions, write } = recordingWriter(error);
    const results = writeCoalesced([[row('a1')], [row('bad')]], write, (e) => e === error);
    assert.deepEqual(transactions, [['a1', 'bad']]);
    assert.deepEqual(results, [{ ok: false, error }, { ok: false, error }]);
  });

  it('a lone batch is written once, its failure returned', () => {
    const { transactions, write } = recordingWriter();
    assert.deepEqual(writeCoalesced([[row('a1')]], write, () => false), [{ ok: true, outcomes: ['accepted'] }]);
    const [failed] = writeCoalesced([[row('bad')]], write, () => false);
    assert.equal(failed!.ok, false);
    assert.deepEqual(transactions, [['a1'], ['bad']]);
  });
});

function fields(sid: string, minute: number): Record<string, string> {
  return {
    CallSid: sid, AccountSid: 'AC1', From: '+14155550100', To: '+15550000001', Timestamp: `2024-03-01T10:${String(minute).padStart(2, '0')}:00Z`,
    CallStatus: 'completed', CallDuration: '30', AudioInMos: '4.10',
  };
}

describe('the SQLite writer thread with batches waiting', () => {
  it('answers each waiting batch with its own outcomes; a batch that cannot be written fails alone', async () => {
    const { dir, cleanup } = tempDir('callpulse-coalesce-');
    const path = join(dir, 'calls.db');
    const store = await createStore(path);
    try {
      await store.writeBatch([callWrite(fields('CA-0', 0))]); // the writer thread is up
      const blocker = new Database(path);
      blocker.exec('BEGIN IMMEDIATE'); // the next write waits for this lock; the batches after it queue up
      const broken = callWrite(fields('CA-bad', 9));
      const brokenWrite = { ...broken, event: { ...broken.event, callSid: null } } as unknown as CallWrite; // NOT NULL: the insert fails
      const answers = [
        store.writeBatch([callWrite(fields('CA-1', 1))]),
        store.writeBatch([callWrite(fields('CA-2', 2)), callWrite(fields('CA-1', 1))]),
        store.writeBatch([brokenWrite]),
        store.writeBatch([callWrite(fields('CA-3', 3)), callWrite(fields('CA-0', 0))]),
      ].map((answer) => answer.then((outcomes) => ({ outcomes }), (error: Error) => ({ error: error.message })));
      await new Promise((resolve) => setTimeout(resolve, 300));
      blocker.exec('COMMIT');
      blocker.close();
      const settled = await Promise.all(answers);
      assert.deepEqual(settled[0], { outcomes: ['accepted'] });
      assert.deepEqual(settled[1], { outcomes: ['accepted', 'duplicate'] });
      assert.match((settled[2] as { error: string }).error, /NOT NULL/);
      assert.deepEqual(settled[3], { outcomes: ['accepted', 'duplicate'] });

      const reader = new Database(path, { readonly: true });
      try {
        assert.deepEqual(reader.prepare('SELECT call_sid FROM calls ORDER BY call_sid').pluck().all(), ['CA-0', 'CA-1', 'CA-2', 'CA-3']);
        assert.deepEqual(reader.prepare('SELECT call_sid FROM deliveries ORDER BY id').pluck().all(), ['CA-1', 'CA-0'], 'every repeat delivery is logged once');
        // The caller called the same number at 10:00, 10:01, 10:02, 10:03: all but the last are repeated calls.
        assert.deepEqual(reader.prepare('SELECT call_sid FROM calls WHERE repeated = 1 ORDER BY call_sid').pluck().all(), ['CA-0', 'CA-1', 'CA-2']);
      } finally {
        reader.close();
      }
    } finally {
      await store.close();
      cleanup();
    }
  });
});
