/**
 * The floor under `callpulse import`, run as a child process of the import benchmark: the same CSV's rows
 * turned into the same column values (the raw fields as JSON included) in memory first, untimed; then only
 * their inserts are timed: one prepared statement, transactions of 50,000 rows, no validation, no repeat
 * callers, no rollups. It is what SQLite itself can insert through better-sqlite3 on this machine. Modes:
 * `bare` inserts into a copy of the calls table with no index at all; `dedupe` adds the one index any
 * idempotent import needs, the unique CallSid. Prints `{ rows, seconds }` as JSON.
 *
 * Usage: node dist/bench/import-floor.js CSV DB bare|dedupe
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { openDatabase } from '../src/store/sqlite/sqlite-database.js';

const COLUMNS = `call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at, timestamp_text, status,
  duration_seconds, mos, source, received_at, method, content_type, raw, from_country`;
const TRANSACTION_ROWS = 50_000;

async function main(csv: string, path: string, mode: string): Promise<void> {
  if (mode !== 'bare' && mode !== 'dedupe') throw new Error(`mode must be bare or dedupe, got "${mode}"`);
  const db = openDatabase(path);
  // The calls table's columns with none of its constraints or indexes.
  db.exec('CREATE TABLE floor_calls AS SELECT * FROM calls WHERE 0');
  if (mode === 'dedupe') db.exec('CREATE UNIQUE INDEX floor_calls_call_sid ON floor_calls (call_sid)');
  const insert = db.prepare(`INSERT INTO floor_calls (${COLUMNS}) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')})
    ${mode === 'dedupe' ? 'ON CONFLICT (call_sid) DO NOTHING' : ''}`);
  const insertAll = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  let header: string[] | null = null;
  const rows: unknown[][] = [];
  for await (const line of createInterface({ input: createReadStream(csv, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (line === '') continue;
    const cells = line.split(',');
    if (header === null) {
      header = cells;
      continue;
    }
    const raw: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) raw[header[i]!] = cells[i]!;
    const [sid, account, from, to, timestamp, status, duration, mos] = cells as [string, string, string, string, string, string, string, string];
    rows.push([
      sid, account, from, to, from.startsWith('+') ? 1 : 0, to.startsWith('+') ? 1 : 0, Date.parse(timestamp), timestamp, status,
      duration === '' ? null : Number(duration), mos === '' ? null : Number(mos), 'import', Date.now(), 'IMPORT', 'text/csv', JSON.stringify(raw), null,
    ]);
  }
  const started = performance.now();
  for (let at = 0; at < rows.length; at += TRANSACTION_ROWS) insertAll(rows.slice(at, at + TRANSACTION_ROWS));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  console.log(JSON.stringify({ rows: rows.length, seconds }));
}

const [csv, path, mode] = process.argv.slice(2);
main(csv!, path!, mode!).catch((error: unknown) => {
  console.error(`import-floor: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
