/**
 * @module
 * The summary figures computed the plain way, from the stored call rows (read with SQL), with no code
 * from src/metrics: the reference the engine's rollups are compared against.
 */
import { scan } from './db-scan.js';
import type { TestDatabase } from './test-databases.js';

interface Row {
  call_sid: string;
  from_number: string;
  to_number: string;
  created_at: number;
  status: string;
  duration_seconds: number | null;
  mos: number | null;
}

/** A filter of the plain scan: the API's filters, and the group keys of the breakdowns. */
export interface PlainFilter {
  number?: string;
  account?: string;
  status?: string;
  /** Only calls from one of these callers. */
  callers?: readonly string[];
}

/**
 * True when the same E.164 caller called the same number again at most 24 h (inclusive) after `call`,
 * calls being ordered by Timestamp then CallSid; `all` is every stored call.
 */
function isRepeated(call: Row, all: readonly Row[]): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(call.from_number)) return false;
  return all.some(
    (other) =>
      other.from_number === call.from_number && other.to_number === call.to_number &&
      (other.created_at > call.created_at || (other.created_at === call.created_at && other.call_sid > call.call_sid)) &&
      other.created_at - call.created_at <= 24 * 3600_000,
  );
}

function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

const COLUMNS = 'SELECT call_sid, from_number, to_number, created_at, status, duration_seconds, mos FROM calls';

/** The plain query of the calls in [from, to) matching the filter (`?` placeholders), in the order they were stored. */
function callsQuery(from: number, to: number, filter: PlainFilter): [string, unknown[]] {
  let sql = `${COLUMNS} WHERE created_at >= ? AND created_at < ?`;
  const params: unknown[] = [from, to];
  if (filter.number !== undefined) (sql += ' AND to_number = ?'), params.push(filter.number);
  if (filter.account !== undefined) (sql += ' AND account_sid = ?'), params.push(filter.account);
  if (filter.status !== undefined) (sql += ' AND status = ?'), params.push(filter.status);
  return [`${sql} ORDER BY id`, params];
}

/** The summary of the calls in [from, to) matching the filter, from a plain scan of the calls table of a SQLite file. */
export function plainSummary(dbPath: string, from: number, to: number, filter: PlainFilter = {}) {
  const [sql, params] = callsQuery(from, to, filter);
  return summaryOfRows(scan<Row>(dbPath, sql, ...params), scan<Row>(dbPath, COLUMNS), filter);
}

/** The same, from a plain scan of any test database (SQLite or PostgreSQL). */
export async function plainSummaryIn(db: TestDatabase, from: number, to: number, filter: PlainFilter = {}) {
  const [sql, params] = callsQuery(from, to, filter);
  return summaryOfRows(await db.scan<Row>(sql, ...params), await db.scan<Row>(COLUMNS), filter);
}

/** The summary figures of the selected call rows, worked out the plain way; `all` is every stored call. */
function summaryOfRows(selected: Row[], all: readonly Row[], filter: PlainFilter) {
  const rows = selected.filter((r) => filter.callers === undefined || filter.callers.includes(r.from_number));
  const repeated = rows.filter((r) => isRepeated(r, all)).length;
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  const scores = rows.filter((r) => r.mos !== null).map((r) => Math.round(r.mos! * 100)).sort((a, b) => a - b);
  const durations = rows.filter((r) => r.status === 'completed' && r.duration_seconds !== null).map((r) => r.duration_seconds!).sort((a, b) => a - b);
  const band = (lo: number, hi: number) => (scores.length === 0 ? 0 : scores.filter((s) => s >= lo && s < hi).length / scores.length);
  const pct = (p: number) => {
    const v = nearestRank(scores, p);
    return v === null ? null : v / 100;
  };
  const totalSeconds = durations.reduce((a, b) => a + b, 0);
  return {
    calls: rows.length,
    completed: count('completed'),
    unsuccessful: rows.length - count('completed'),
    successRate: rows.length === 0 ? null : count('completed') / rows.length,
    statuses: { completed: count('completed'), failed: count('failed'), busy: count('busy'), 'no-answer': count('no-answer'), canceled: count('canceled') },
    mos: {
      scored: scores.length,
      mean: scores.length === 0 ? null : rows.filter((r) => r.mos !== null).reduce((a, r) => a + r.mos!, 0) / scores.length,
      p10: pct(10),
      p50: pct(50),
      p90: pct(90),
      bands: { excellent: band(434, Infinity), good: band(403, 434), fair: band(360, 403), poor: band(310, 360), bad: band(-Infinity, 310) },
      poorRate: scores.length === 0 ? null : scores.filter((s) => s < 360).length / scores.length,
    },
    duration: {
      totalSeconds,
      mean: durations.length === 0 ? null : totalSeconds / durations.length,
      p50: nearestRank(durations, 50),
      p90: nearestRank(durations, 90),
      short: durations.filter((d) => d < 10).length,
    },
    repeatCallers: { repeated, rate: rows.length === 0 ? null : repeated / rows.length },
  };
}
