/**
 * @module
 * The PostgreSQL store's reads: a call and its deliveries, pages of calls, the quarantine, the numbers
 * table, and the plain scans of range edges (rows added in (created_at, id) order, as SQLite's index
 * gives them, so sums come out the same).
 */
import type pg from 'pg';
import type { CallFilter, RollupStats } from '../../metrics/rollups.js';
import type { CallGroupKind, CallListPage, CallListQuery, CallSource, DeliveryRecord, QuarantineEntry, RepeatCaller, RepeatCallerQuery, StoredCall } from '../call-store.js';
import { pgText } from './postgres-text.js';
import { groupStatsOfRows, statsOfRows, toQuarantineEntry, toStoredCall, type CallRow, type QuarantineRow, type ScanRow } from '../stored-rows.js';

const CALL_COLUMNS = `id, call_sid, account_sid, from_number, to_number, from_e164, to_e164, created_at, timestamp_text, status,
  duration_seconds, mos, source, received_at, raw, from_country, repeated`;

/** The read half of the store, over a pool. */
export function createReads(pool: pg.Pool) {
  async function selectCall(callSid: string): Promise<CallRow | undefined> {
    const { rows } = await pool.query<CallRow>({ name: 'cp_select_call', text: `SELECT ${CALL_COLUMNS} FROM calls WHERE call_sid = $1`, values: [pgText(callSid)] });
    return rows[0];
  }

  /** The rows of the calls in [from, to) that pass the filter, in (created_at, id) order. */
  async function scanRows(from: number, to: number, filter: CallFilter): Promise<ScanRow[]> {
    const params: unknown[] = [from, to];
    let sql = `SELECT created_at, account_sid, to_number, status, duration_seconds, mos, from_country, repeated
      FROM calls WHERE created_at >= $1 AND created_at < $2`;
    if (filter.number !== undefined) params.push(pgText(filter.number)), (sql += ` AND to_number = $${params.length}`);
    if (filter.account !== undefined) params.push(pgText(filter.account)), (sql += ` AND account_sid = $${params.length}`);
    return (await pool.query<ScanRow>(`${sql} ORDER BY created_at, id`, params)).rows;
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
      const { rows } = await pool.query<CallRow & { id: number }>(
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
      return rows.map(toQuarantineEntry);
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
      return statsOfRows(await scanRows(from, to, filter));
    },

    async scanCallGroups(from: number, to: number, filter: CallFilter, by: CallGroupKind): Promise<Map<string, RollupStats>> {
      return groupStatsOfRows(await scanRows(from, to, filter), by);
    },

    async listRepeatCallers({ from, to, filter, limit }: RepeatCallerQuery): Promise<RepeatCaller[]> {
      const { rows } = await pool.query<{ from: string; to: string; calls: number; repeated: number; first_call: number; last_call: number }>({
        name: 'cp_repeat_callers',
        text: `SELECT from_number AS "from", to_number AS "to", COUNT(*) AS calls, SUM(repeated::int)::bigint AS repeated,
            MIN(created_at) AS first_call, MAX(created_at) AS last_call
          FROM calls WHERE created_at >= $1 AND created_at < $2 AND from_e164
            AND ($3::text IS NULL OR to_number = $3) AND ($4::text IS NULL OR account_sid = $4)
          GROUP BY from_number, to_number HAVING SUM(repeated::int) > 0
          ORDER BY SUM(repeated::int) DESC, COUNT(*) DESC, from_number COLLATE "C", to_number COLLATE "C" LIMIT $5`,
        values: [from, to, filter.number === undefined ? null : pgText(filter.number), filter.account === undefined ? null : pgText(filter.account), limit],
      });
      return rows.map((row): RepeatCaller => ({
        from: row.from, to: row.to, calls: row.calls, repeated: row.repeated,
        firstCall: new Date(row.first_call), lastCall: new Date(row.last_call),
      }));
    },
  };
}
