/**
 * Group commit: batching, splitting at maxBatch, isolating a bad item, failing a whole batch when
 * storage is unavailable, batches in flight, and drain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallpulseError } from '../../src/domain/errors.js';
import { GroupCommitter } from '../../src/ingest/group-commit.js';

/** A writer that records each batch and answers each item doubled, failing on the item 'bad'. */
function recordingWriter() {
  const batches: number[][] = [];
  const write = async (items: readonly number[]): Promise<number[]> => {
    batches.push([...items]);
    if (items.includes(-1)) throw new Error('bad item');
    return items.map((n) => n * 2);
  };
  return { batches, write };
}

describe('GroupCommitter', () => {
  it('writes what is submitted together as one batch and answers each item in order', async () => {
    const { batches, write } = recordingWriter();
    const committer = new GroupCommitter(write, 100);
    const results = await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));
    assert.deepEqual(results, [2, 4, 6, 8]);
    assert.deepEqual(batches, [[1, 2, 3, 4]]);
  });

  it('splits at maxBatch', async () => {
    const { batches, write } = recordingWriter();
    const committer = new GroupCommitter(write, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit(n)));
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  });

  it('a bad item fails alone: the others of its batch are written one by one and answered', async () => {
    const { batches, write } = recordingWriter();
    const committer = new GroupCommitter(write, 100);
    const settled = await Promise.allSettled([1, -1, 3].map((n) => committer.submit(n)));
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value : null)), [2, null, 6]);
    assert.deepEqual(batches, [[1, -1, 3], [1], [-1], [3]]);
  });

  it('storage unavailable fails the whole batch at once, without retrying item by item', async () => {
    let calls = 0;
    const committer = new GroupCommitter(async (): Promise<number[]> => {
      calls += 1;
      throw new CallpulseError('CP_ERR_STORAGE_UNAVAILABLE', 'disk full');
    }, 100);
    const settled = await Promise.allSettled([1, 2, 3].map((n) => committer.submit(n)));
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'rejected']);
    assert.equal(calls, 1);
  });

  it('with maxInFlight 2, the next batch goes out while one is still committing; drain waits for both', async () => {
    const releases: Array<() => void> = [];
    const started: number[][] = [];
    const committer = new GroupCommitter(
      (items: readonly number[]) =>
        new Promise<number[]>((resolve) => {
          started.push([...items]);
          releases.push(() => resolve(items.map((n) => n)));
        }),
      100,
      {},
      2,
    );
    const first = committer.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = committer.submit(2);
    await new Promise((resolve) => setImmediate(resolve));
    const third = committer.submit(3);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [[1], [2]], 'two batches in flight, the third waits');
    let drained = false;
    const drain = committer.drain().then(() => (drained = true));
    releases[0]!();
    assert.equal(await first, 1);
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [[1], [2], [3]], 'a freed slot takes the waiting batch');
    releases[1]!();
    releases[2]!();
    assert.deepEqual(await Promise.all([second, third]), [2, 3]);
    await drain;
    assert.equal(drained, true);
    assert.equal(committer.inFlight, 0);
  });
});
