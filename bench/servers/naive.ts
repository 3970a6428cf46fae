/**
 * The naive server, what a user writes first: Express, express.urlencoded, and better-sqlite3 in its
 * default journal mode, one INSERT (its own implicit transaction, so one commit) per request, then 200.
 * It does not verify signatures. Usage: node dist/bench/servers/naive.js PORT DB_PATH
 */
import Database from 'better-sqlite3';
import express from 'express';

const port = Number(process.argv[2]);
const dbPath = process.argv[3];
if (!dbPath) throw new Error('usage: naive.js PORT DB_PATH');

const db = new Database(dbPath);
db.exec(`CREATE TABLE IF NOT EXISTS calls (
  call_sid TEXT PRIMARY KEY, account_sid TEXT, from_number TEXT, to_number TEXT,
  timestamp TEXT, status TEXT, duration INTEGER, mos REAL)`);
const insert = db.prepare('INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?)');

const app = express();
app.use(express.urlencoded({ extended: false }));
app.post('/webhooks/signalwire/call-status', (request, response) => {
  const b = request.body as Record<string, string>;
  insert.run(b.CallSid, b.AccountSid, b.From, b.To, b.Timestamp, b.CallStatus, Number(b.CallDuration), Number(b.AudioInMos));
  response.sendStatus(200);
});

app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  db.close();
  process.exit(0);
});
