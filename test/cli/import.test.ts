/**
 * `callpulse import` as a real child process: NDJSON and CSV rows validated and deduplicated like webhook
 * callbacks, invalid rows quarantined with their line, and a second run storing nothing new.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/child-server.js';
import { countRows, scan } from '../helpers/db-scan.js';
import { callbackFields, tempDir } from '../helpers/test-server.js';

describe('callpulse import', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const dbPath = join(dir, 'import.db');

  it('imports NDJSON: valid rows stored, a repeated CallSid once, bad rows quarantined; twice changes nothing', async () => {
    const file = join(dir, 'calls.ndjson');
    writeFileSync(file, [
      JSON.stringify(callbackFields({ CallSid: 'CA-i1' })),
      JSON.stringify(callbackFields({ CallSid: 'CA-i2', CallStatus: 'failed', CallDuration: '0', AudioInMos: '' })),
      JSON.stringify(callbackFields({ CallSid: 'CA-i1' })),
      '{not json',
      JSON.stringify(callbackFields({ CallSid: 'CA-i3', CallStatus: 'ringing' })),
      '',
    ].join('\n'));
    const first = await runCli(['import', file, '--db', dbPath, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as Record<string, number>;
    assert.deepEqual({ ...report, seconds: 0 }, { rows: 5, accepted: 2, duplicates: 1, quarantined: 2, seconds: 0 });
    assert.deepEqual(scan(dbPath, 'SELECT call_sid, source FROM calls ORDER BY call_sid'), [
      { call_sid: 'CA-i1', source: 'import' }, { call_sid: 'CA-i2', source: 'import' },
    ]);
    const urls = scan<{ url: string }>(dbPath, 'SELECT url FROM quarantine ORDER BY id').map((r) => r.url);
    assert.deepEqual(urls, [`import:${file}#4`, `import:${file}#5`]);

    const again = JSON.parse((await runCli(['import', file, '--db', dbPath, '--json'])).stdout) as Record<string, number>;
    assert.equal(again.accepted, 0);
    assert.equal(again.duplicates, 3);
    assert.equal(countRows(dbPath, 'calls'), 2);
  });

  it('imports CSV with quoted cells', async () => {
    const file = join(dir, 'calls.csv');
    writeFileSync(file,
      'CallSid,AccountSid,From,To,Timestamp,CallStatus,CallDuration,AudioInMos,Note\r\n' +
      'CA-c1,AC1,+15551112222,+15553334444,"Thu, 04 Apr 2024 18:32:15 +0000",completed,61,4.20,"said ""hi"", then left"\r\n');
    const result = await runCli(['import', file, '--db', dbPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Imported 1 row\(s\) in [\d.]+ s \(\d+\/s\): 1 stored, 0 already stored, 0 quarantined\.\n$/);
    const [row] = scan<{ created_at: number; duration_seconds: number; raw: string }>(dbPath, "SELECT created_at, duration_seconds, raw FROM calls WHERE call_sid = 'CA-c1'");
    assert.equal(row!.created_at, Date.UTC(2024, 3, 4, 18, 32, 15));
    assert.equal(row!.duration_seconds, 61);
    assert.equal((JSON.parse(row!.raw) as { Note: string }).Note, 'said "hi", then left');
  });

  it('a missing file is one sentence, exit 1; no file argument is a usage error', async () => {
    const missing = await runCli(['import', join(dir, 'nope.ndjson'), '--db', dbPath]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^callpulse import: no file at .*nope\.ndjson\n$/);
    assert.equal((await runCli(['import', '--db', dbPath])).code, 2);
  });
});
