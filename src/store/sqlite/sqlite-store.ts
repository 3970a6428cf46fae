/**
 * @module
 * The embedded SQLite store (better-sqlite3): WAL, `synchronous=FULL` so a commit is fsync'd before
 * any callback is acknowledged, versioned migrations on open, one transaction per write batch.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CallStatus } from '../../domain/call-event.js';
import { CallpulseError } from '../../domain/errors.js';
import type {
  CallSource, CallStore, CallWrite, DeliveryRecord, QuarantineEntry, QuarantineWrite, StoreHealth, StoredCall, WriteItem, WriteOutcome,
} from '../call-store.js';
import { MIGRATIONS } from './migrations/index.js';

/** Options for opening a SQLite store. */
export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing, in ms. */
  busyTimeoutMs?: number;
}

interface CallRow {
  call_sid: string;
  account_sid: string;
  from_number: string;
  to_number: string;
  from_e164: number;
  to_e164: number;
  created_at: number;
  timestamp_text: string;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
  source: string;
  received_at: number;
  raw: string;
}

interface QuarantineRow {
  id: number;
  received_at: number;
  method: string;
  content_type: string | null;
  url: string;
  problems: string;
  raw: string;
  replayed_at: number | null;
}

function runMigrations(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
}

/** SQLite result codes that mean "storage cannot take writes now", rather than "this item is bad". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|PERM)/;

function asStorageError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) {
    return new CallpulseError('CP_ERR_STORAGE_UNAVAILABLE', `SQLite cannot write: ${code}`);
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new CallpulseError('CP_ERR_STORAGE_UNAVAILABLE', 'the SQLite database is closed');
  }
  return error;
}

function toStoredCall(row: CallRow): StoredCall {
  return {
    callSid: row.call_sid,
    accountSid: row.account_sid,
    from: row.from_number,
    to: row.to_number,
    fromIsE164: row.from_e164 === 1,
    toIsE164: row.to_e164 === 1,
    timestamp: new Date(row.created_at),
    timestampText: row.timestamp_text,
    status: row.status as CallStatus,
    durationSeconds: row.duration_seconds,
    mos: row.mos,
    source: row.source as CallSource,
    receivedAt: new Date(row.received_at),
    raw: JSON.parse(row.raw) as Record<string, unknown>,
  };
}

/** Opens (creating if needed) a SQLite store at `path` and applies pending migrations. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): CallStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
  db.pragma('foreign_keys = ON');
  runMigrations(db);

  const insertCall = db.prepare(`INSERT INTO calls (call_sid, account_sid, from_number, to_number, from_e164, to_e164,
      created_at, timestamp_text, status, duration_seconds, mos, source, received_at, raw)
    VALUES (@callSid, @accountSid, @from, @to, @fromE164, @toE164, @createdAt, @timestampText, @status, @duration, @mos,
      @source, @receivedAt, @raw)
    ON CONFLICT (call_sid) DO NOTHING`);
  const insertDelivery = db.prepare(`INSERT INTO deliveries (call_sid, received_at, outcome, source, method, content_type, raw)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const insertQuarantine = db.prepare(`INSERT INTO quarantine (received_at, method, content_type, url, problems, raw)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const markReplayed = db.prepare('UPDATE quarantine SET replayed_at = ? WHERE id = ?');
  const selectCall = db.prepare('SELECT * FROM calls WHERE call_sid = ?');
  const selectDeliveries = db.prepare('SELECT * FROM deliveries WHERE call_sid = ? ORDER BY id');

  function writeCall(item: CallWrite): WriteOutcome {
    const { event, delivery } = item;
    const raw = JSON.stringify(item.raw);
    const inserted = insertCall.run({
      callSid: event.callSid,
      accountSid: event.accountSid,
      from: event.from,
      to: event.to,
      fromE164: event.fromIsE164 ? 1 : 0,
      toE164: event.toIsE164 ? 1 : 0,
      createdAt: event.timestamp.getTime(),
      timestampText: event.timestampText,
      status: event.status,
      duration: event.durationSeconds,
      mos: event.mos,
      source: item.source,
      receivedAt: delivery.receivedAt.getTime(),
      raw,
    }).changes === 1;
    const outcome = inserted ? 'accepted' : 'duplicate';
    insertDelivery.run(
      event.callSid, delivery.receivedAt.getTime(), outcome, item.source, delivery.method, delivery.contentType, inserted ? null : raw,
    );
    if (item.quarantineId !== undefined) markReplayed.run(Date.now(), item.quarantineId);
    return outcome;
  }

  function writeQuarantine(item: QuarantineWrite): WriteOutcome {
    const { delivery } = item;
    insertQuarantine.run(
      delivery.receivedAt.getTime(), delivery.method, delivery.contentType, item.url, JSON.stringify(item.problems), JSON.stringify(item.raw),
    );
    return 'quarantined';
  }

  const writeAll = db.transaction((items: readonly WriteItem[]) =>
    items.map((item) => (item.kind === 'call' ? writeCall(item) : writeQuarantine(item))),
  );

  return {
    capabilities: { synchronousWrites: true },

    async writeBatch(items) {
      try {
        return writeAll.immediate(items);
      } catch (error) {
        throw asStorageError(error);
      }
    },

    async getCall(callSid) {
      const row = selectCall.get(callSid) as CallRow | undefined;
      return row ? toStoredCall(row) : null;
    },

    async listDeliveries(callSid) {
      const rows = selectDeliveries.all(callSid) as Array<{ call_sid: string; received_at: number; outcome: string; source: string }>;
      return rows.map((row): DeliveryRecord => ({
        callSid: row.call_sid,
        receivedAt: new Date(row.received_at),
        outcome: row.outcome as DeliveryRecord['outcome'],
        source: row.source as CallSource,
      }));
    },

    async listQuarantine({ includeReplayed, limit }) {
      const rows = db
        .prepare(`SELECT * FROM quarantine ${includeReplayed ? '' : 'WHERE replayed_at IS NULL'} ORDER BY id LIMIT ?`)
        .all(limit) as QuarantineRow[];
      return rows.map((row): QuarantineEntry => ({
        id: row.id,
        receivedAt: new Date(row.received_at),
        method: row.method,
        contentType: row.content_type,
        url: row.url,
        problems: JSON.parse(row.problems) as QuarantineEntry['problems'],
        raw: JSON.parse(row.raw) as Record<string, unknown>,
        replayedAt: row.replayed_at === null ? null : new Date(row.replayed_at),
      }));
    },

    async health(): Promise<StoreHealth> {
      try {
        const version = db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null;
        const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
        db.transaction(() => undefined).immediate(); // takes the write lock: fails when another writer holds it too long
        return { writable: true, migrationsApplied: version === latest };
      } catch (error) {
        return { writable: false, migrationsApplied: false, detail: (error as Error).message };
      }
    },

    async close() {
      if (db.open) db.close();
    },
  };
}
