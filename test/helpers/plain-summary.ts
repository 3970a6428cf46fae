/**
 * @module
 * The summary figures computed the plain way, from the stored call rows (read with SQL), with no code
 * from src/metrics: the reference the engine's rollups are compared against.
 */
import { scan } from './db-scan.js';
import type { TestDatabase } from './test-databases.js';

interface Row {
  status: string;
  duration_seconds: number | null;
  mos: number | null;
}

function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

/** The plain query of the calls in [from, to) matching the filter (`?` placeholders), ordered as they were stored. */
function callsQuery(from: number, to: number, filter: { number?: string; account?: string }): [string, unknown[]] {
  let sql = 'SELECT status, duration_seconds, mos FROM calls WHERE created_at >= ? AND created_at < ?';
  const params: unknown[] = [from, to];
  if (filter.number !== undefined) (sql += ' AND to_number = ?'), params.push(filter.number);
  if (filter.account !== undefined) (sql += ' AND account_sid = ?'), params.push(filter.account);
  return [`${sql} ORDER BY id`, params];
}

/** The summary of the calls in [from, to) matching the filter, from a plain scan of the calls table of a SQLite file. */
export function plainSummary(dbPath: string, from: number, to: number, filter: { number?: string; account?: string } = {}) {
  const [sql, params] = callsQuery(from, to, filter);
  return summaryOfRows(scan<Row>(dbPath, sql, ...params));
}

/** The same, from a plain scan of any test database (SQLite or PostgreSQL). */
export async function plainSummaryIn(db: TestDatabase, from: number, to: number, filter: { number?: string; account?: string } = {}) {
  const [sql, params] = callsQuery(from, to, filter);
  return summaryOfRows(await db.scan<Row>(sql, ...params));
}

/** The summary figures of call rows, worked out the plain way. */
export function summaryOfRows(rows: Row[]) {
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
  };
}
