/**
 * @module
 * The PostgreSQL store's reads: a call and its deliveries, pages of calls, the quarantine, the numbers
 * table, and the plain scans of range edges (rows added in (created_at, id) order, as SQLite's index
 * gives them, so sums come out the same).
 */
import type pg from 'pg';
import type { CallStatus } from '../../domain/call-event.js';
import { addCall, emptyStats, type CallFilter, type RollupStats } from '../../metrics/rollups.js';
import type { CallListPage, CallListQuery, CallSource, DeliveryRecord, QuarantineEntry, StoredCall } from '../call-store.js';
import { pgText } from './postgres-text.js';

interface CallRow {
  id: number;
  call_sid: string;
  account_sid: string;
  from_number: string;
  to_number: string;
  from_e164: boolean;
  to_e164: boolean;
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

interface ScanRow {
  created_at: number;
  account_sid: string;
  to_number: string;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
}

const CALL_COLUMNS = `id, call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at, timestamp_text, status,
  duration_seconds, mos, source, received_at, raw`;

function toStoredCall(row: CallRow): StoredCall {
  return {
    callSid: row.call_sid,
    accountSid: row.account_sid,
    from: row.from_number,
    to: row.to_number,
    fromIsE164: row.from_e164,
    toIsE164: row.to_e164,
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

/** The read half of the store, over a pool. */
export function createReads(pool: pg.Pool) {
  async function selectCall(callSid: string): Promise<CallRow | undefined> {
    const { rows } = await pool.query<CallRow>({ name: 'cp_select_call', text: `SELECT ${CALL_COLUMNS} FROM calls WHERE call_sid = $1`, values: [pgText(callSid)] });
    return rows[0];
  }

  return {
    async getCall(callSid: string): Promise<StoredCall | null> {
      const row = await selectCall(callSid);
      return row ? toStoredCall(row) : null;
    },

    async listCalls(query: CallListQuery): Promise<CallListPage> {
      const where = ['created_at >= $1', 'created_at < $2'];
      const params: unknown[] = [query.from, query.to];
      const add = (clause: string, value: unknown): void => {
        params.push(value);
        where.push(clause.replace('?', `$${params.length}`));
      };
      if (query.filter.number !== undefined) add('to_number = ?', pgText(query.filter.number));
      if (query.filter.account !== undefined) add('account_sid = ?', pgText(query.filter.account));
      if (query.status !== undefined) add('status = ?', query.status);
      if (query.mosBelow !== undefined) add('mos < ?', query.mosBelow);
      if (query.minDuration !== undefined) add('duration_seconds >= ?', query.minDuration);
      if (query.after !== undefined) {
        params.push(query.after.createdAt, query.after.id);
        where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
      }
      params.push(query.limit + 1);
      const { rows } = await pool.query<CallRow>(
        `SELECT ${CALL_COLUMNS} FROM calls WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        calls: page.map(toStoredCall),
        next: rows.length > query.limit && last ? { createdAt: last.created_at, id: last.id } : null,
      };
    },

    async listDeliveries(callSid: string): Promise<DeliveryRecord[]> {
      const first = await selectCall(callSid);
      if (!first) return [];
      const { rows } = await pool.query<{ received_at: number; source: string }>({
        name: 'cp_select_repeats', text: 'SELECT received_at, source FROM deliveries WHERE call_sid = $1 ORDER BY id', values: [first.call_sid],
      });
      return [
        { callSid, receivedAt: new Date(first.received_at), outcome: 'accepted', source: first.source as CallSource },
        ...rows.map((row): DeliveryRecord => ({ callSid, receivedAt: new Date(row.received_at), outcome: 'duplicate', source: row.source as CallSource })),
      ];
    },

    async listQuarantine({ includeReplayed, limit }: { includeReplayed: boolean; limit: number }): Promise<QuarantineEntry[]> {
      const { rows } = await pool.query<QuarantineRow>(
        `SELECT * FROM quarantine ${includeReplayed ? '' : 'WHERE replayed_at IS NULL'} ORDER BY id LIMIT $1`,
        [Math.min(limit, Number.MAX_SAFE_INTEGER)],
      );
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

    async accountsOfNumber(number: string): Promise<string[]> {
      const { rows } = await pool.query<{ account_sid: string }>({
        name: 'cp_accounts_of_number', text: 'SELECT account_sid FROM numbers WHERE number = $1 ORDER BY account_sid COLLATE "C"', values: [pgText(number)],
      });
      return rows.map((row) => row.account_sid);
    },

    async listNumbers(): Promise<Array<{ account: string; number: string }>> {
      // COLLATE "C": byte order, as SQLite sorts text.
      const { rows } = await pool.query<{ account: string; number: string }>(
        'SELECT account_sid AS account, number FROM numbers ORDER BY number COLLATE "C", account_sid COLLATE "C"',
      );
      return rows;
    },

    async scanCalls(from: number, to: number, filter: CallFilter): Promise<RollupStats> {
      const params: unknown[] = [from, to];
      let sql = 'SELECT created_at, account_sid, to_number, status, duration_seconds, mos FROM calls WHERE created_at >= $1 AND created_at < $2';
      if (filter.number !== undefined) params.push(pgText(filter.number)), (sql += ` AND to_number = $${params.length}`);
      if (filter.account !== undefined) params.push(pgText(filter.account)), (sql += ` AND account_sid = $${params.length}`);
      const { rows } = await pool.query<ScanRow>(`${sql} ORDER BY created_at, id`, params);
      const stats = emptyStats();
      for (const row of rows) {
        addCall(stats, {
          createdAt: row.created_at, accountSid: row.account_sid, to: row.to_number,
          status: row.status as CallStatus, durationSeconds: row.duration_seconds, mos: row.mos,
        });
      }
      return stats;
    },
  };
}
