/**
 * What each rule reads and when it fires, over a real SQLite store with calls at chosen instants, against
 * figures worked out by hand; business hours and "the same hour of previous weeks" across DST.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isOpenAt, isWindowOpen } from '../../src/alerts/business-hours.js';
import { readRule, weeksBefore, type ReadingContext } from '../../src/alerts/rules.js';
import type { AlertRule, BusinessHours } from '../../src/config/alerts.js';
import { validateConfig } from '../../src/config/schema.js';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { MetricsEngine } from '../../src/metrics/engine.js';
import { DEFAULT_SUMMARY_OPTIONS } from '../../src/metrics/summary.js';
import type { CallStore, WriteItem } from '../../src/store/call-store.js';
import { createStore } from '../../src/store/index.js';
import { callbackFields, tempDir } from '../helpers/test-server.js';

const MINUTE = 60_000;
const NEW_YORK_OFFICE: BusinessHours = { timeZone: 'America/New_York', days: [0, 1, 2, 3, 4], from: 9 * 60, to: 18 * 60 };

describe('business hours', () => {
  it('an instant is inside when its local weekday is listed and its local time in [from, to)', () => {
    // Thursday 4 April 2024, New York on EDT (UTC-4).
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 3, 4, 13, 0)), true); // 09:00
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 3, 4, 12, 59)), false); // 08:59
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 3, 4, 21, 59)), true); // 17:59
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 3, 4, 22, 0)), false); // 18:00
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 3, 6, 15, 0)), false); // Saturday 11:00
    // Across the DST change of Sunday 10 March 2024: Friday on EST (UTC-5), Monday on EDT (UTC-4).
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 2, 8, 13, 30)), false); // Friday 08:30 EST
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 2, 8, 14, 0)), true); // Friday 09:00 EST
    assert.equal(isOpenAt(NEW_YORK_OFFICE, Date.UTC(2024, 2, 11, 13, 0)), true); // Monday 09:00 EDT
  });

  it('a window is open only when all of it is', () => {
    const thursday = (h: number, m: number): number => Date.UTC(2024, 3, 4, h, m);
    assert.equal(isWindowOpen(NEW_YORK_OFFICE, thursday(13, 0), thursday(13, 30)), true);
    assert.equal(isWindowOpen(NEW_YORK_OFFICE, thursday(12, 50), thursday(13, 20)), false); // starts before opening
    assert.equal(isWindowOpen(NEW_YORK_OFFICE, thursday(21, 30), thursday(22, 0)), true); // ends at closing
    assert.equal(isWindowOpen(NEW_YORK_OFFICE, thursday(21, 31), thursday(22, 1)), false);
    const allWeek: BusinessHours = { timeZone: 'Europe/Paris', days: [0, 1, 2, 3, 4, 5, 6], from: 0, to: 1440 };
    assert.equal(isWindowOpen(allWeek, Date.UTC(2024, 3, 4, 21, 30), Date.UTC(2024, 3, 4, 22, 30)), true, 'round the clock: across midnight');
    const weekdaysAllDay: BusinessHours = { timeZone: 'Europe/Paris', days: [0, 1, 2, 3, 4], from: 0, to: 1440 };
    // Friday 5 April 23:30 to Saturday 00:30 in Paris (UTC+2).
    assert.equal(isWindowOpen(weekdaysAllDay, Date.UTC(2024, 3, 5, 21, 30), Date.UTC(2024, 3, 5, 22, 30)), false, 'into a closed Saturday');
  });

  it('the same local hour of previous weeks, across DST', () => {
    const range = { from: Date.UTC(2024, 2, 12, 14, 0, 30), to: Date.UTC(2024, 2, 12, 15, 0, 30) }; // Tuesday 10:00:30 EDT
    assert.deepEqual(weeksBefore(range, 1, 'America/New_York'), { from: Date.UTC(2024, 2, 5, 15, 0, 30), to: Date.UTC(2024, 2, 5, 16, 0, 30) }); // 10:00:30 EST
    assert.deepEqual(weeksBefore(range, 2, 'America/New_York'), { from: Date.UTC(2024, 1, 27, 15, 0, 30), to: Date.UTC(2024, 1, 27, 16, 0, 30) });
    assert.deepEqual(weeksBefore(range, 1, 'UTC'), { from: range.from - 7 * 24 * 60 * MINUTE, to: range.to - 7 * 24 * 60 * MINUTE });
  });
});

describe('rule readings over a real store', () => {
  const { dir, cleanup } = tempDir();
  let store: CallStore;
  let context: ReadingContext;
  const T = Date.UTC(2024, 3, 4, 15, 0); // Thursday 11:00 in New York
  const A = '+15550003333';
  const B = '+15550004444';
  const C = '+15550005555';
  let sequence = 0;
  const call = (at: number, to: string, status: string, mos = ''): WriteItem => {
    sequence += 1;
    const parsed = parseIncomingCallStatus(callbackFields({
      CallSid: `CA-rule-${sequence}`, From: `+1555888${String(sequence).padStart(4, '0')}`, To: to, Timestamp: new Date(at).toISOString(),
      CallStatus: status, CallDuration: status === 'completed' ? '60' : '', AudioInMos: mos,
    }));
    assert.ok(parsed.ok);
    return { kind: 'call', event: parsed.event, raw: {}, source: 'import', delivery: { method: 'POST', contentType: null, receivedAt: new Date() } };
  };
  const many = (count: number, at: number, to: string, status = 'completed'): WriteItem[] => Array.from({ length: count }, () => call(at, to, status));
  /** A validated rule (with every default) from its YAML-like settings. */
  const rule = (settings: Record<string, unknown>, alerts: Record<string, unknown> = {}): AlertRule =>
    validateConfig({ alerts: { targets: [{ name: 't', url: 'http://127.0.0.1:9/' }], rules: [{ name: 'r', ...settings }], ...alerts } }).alerts.rules[0]!;

  before(async () => {
    store = await createStore(join(dir, 'rules.db'));
    context = { reader: new MetricsEngine(store), summaryOptions: DEFAULT_SUMMARY_OPTIONS, timeZone: 'UTC' };
    await store.writeBatch([
      // A, in the last 15 minutes: three scored calls (4.50, 3.00, 3.30), one unscored failure.
      call(T - 5 * MINUTE, A, 'completed', '4.50'), call(T - 6 * MINUTE, A, 'completed', '3.00'), call(T - 7 * MINUTE, A, 'completed', '3.30'),
      call(T - 8 * MINUTE, A, 'failed'),
      // B, in the last hour: 40 calls; in the same hour of the 4 weeks before: 10, 10, 0 and 20.
      ...many(40, T - 30 * MINUTE, B),
      ...many(10, T - 7 * 24 * 60 * MINUTE - 30 * MINUTE, B), ...many(10, T - 14 * 24 * 60 * MINUTE - 10 * MINUTE, B),
      ...many(20, T - 28 * 24 * 60 * MINUTE - 50 * MINUTE, B),
      // Outside those windows, never counted: just after the window of 3 weeks before, and just before the current one.
      ...many(7, T - 21 * 24 * 60 * MINUTE, B), ...many(5, T - 61 * MINUTE, B),
    ]);
  });
  after(async () => {
    await store.close();
    cleanup();
  });

  it('successRate: 3 of 4 completed is 75 %', async () => {
    const reading = await readRule(rule({ metric: 'successRate', below: 0.8, minCalls: 4, per: 'number' }), A, T, context);
    assert.deepEqual([reading.firing, reading.value, reading.calls], [true, 0.75, 4]);
    assert.equal(reading.message, `Success rate 75.0 % over the last 15 min on ${A} (3 of 4 calls completed), below 80.0 %`);
    const notEnough = await readRule(rule({ metric: 'successRate', below: 0.8, minCalls: 5, per: 'number' }), A, T, context);
    assert.deepEqual([notEnough.firing, notEnough.value], [null, null]);
    assert.equal(notEnough.message, `4 call(s) over the last 15 min on ${A}: fewer than the 5 needed to judge the success rate`);
  });

  it('mosMean, mosP10 and poorRate read the scored calls only', async () => {
    const mean = await readRule(rule({ metric: 'mosMean', below: 3.7, minCalls: 3, per: 'number' }), A, T, context);
    assert.equal(mean.firing, true);
    assert.ok(Math.abs(mean.value! - (4.5 + 3.0 + 3.3) / 3) < 1e-9);
    assert.equal(mean.message, `Mean MOS 3.60 over the last 15 min on ${A} (3 scored calls), below 3.70`);
    const p10 = await readRule(rule({ metric: 'mosP10', below: 3.0, minCalls: 3, per: 'number' }), A, T, context);
    assert.deepEqual([p10.firing, p10.value], [false, 3.0]); // nearest rank: the lowest of three; 3.00 is not below 3.00
    const poor = await readRule(rule({ metric: 'poorRate', above: 0.5, minCalls: 3, per: 'number' }), A, T, context);
    assert.deepEqual([poor.firing, poor.value], [true, 2 / 3]); // 3.00 and 3.30 are below 3.60
    const tooFew = await readRule(rule({ metric: 'mosMean', below: 3.7, minCalls: 4, per: 'number' }), A, T, context);
    assert.equal(tooFew.firing, null);
  });

  it('noCalls: fires on a silent line inside business hours only', async () => {
    const hours = { timeZone: 'America/New_York', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' };
    const deadLine = rule({ metric: 'noCalls', windowMinutes: 30, per: 'number', businessHours: hours });
    const silent = await readRule(deadLine, C, T, context);
    assert.deepEqual([silent.firing, silent.value, silent.message], [true, 0, `No calls at all over the last 30 min on ${C}, inside business hours`]);
    assert.equal((await readRule(deadLine, A, T, context)).firing, false);
    const earlyMorning = Date.UTC(2024, 3, 4, 13, 20); // 09:20: the window starts at 08:50, before opening
    assert.equal((await readRule(deadLine, C, earlyMorning, context)).firing, null);
    assert.equal((await readRule(deadLine, C, Date.UTC(2024, 3, 6, 15, 0), context)).firing, null); // Saturday
  });

  it('volume: above K times the mean of the same window in the previous weeks', async () => {
    const surge = rule({ metric: 'volume', above: 3, weeks: 4, windowMinutes: 60, minCalls: 10, per: 'number' });
    const reading = await readRule(surge, B, T, context);
    // (10 + 10 + 0 + 20) / 4 = 10 a week; 40 now is 4x.
    assert.deepEqual([reading.firing, reading.value, reading.baseline, reading.calls], [true, 4, 10, 40]);
    assert.equal(reading.message, `40 call(s) over the last 60 min on ${B}, 4.00× the usual 10.0 (mean of the same window in the previous 4 week(s)): above 3×`);
    const notSoMuch = await readRule(rule({ metric: 'volume', above: 5, weeks: 4, windowMinutes: 60, per: 'number' }), B, T, context);
    assert.deepEqual([notSoMuch.firing, notSoMuch.value], [false, 4]);
    const noHistory = await readRule(surge, A, T, context);
    assert.deepEqual([noHistory.firing, noHistory.value], [false, null], 'fewer calls than a surge needs, and no history');
  });

  it('an overall rule with numbers sums those numbers only', async () => {
    const reading = await readRule(rule({ metric: 'successRate', below: 0.95, minCalls: 1, windowMinutes: 60, numbers: [A, C] }), '', T, context);
    assert.deepEqual([reading.firing, reading.value, reading.calls], [true, 0.75, 4]);
    const all = await readRule(rule({ metric: 'successRate', below: 0.95, minCalls: 1, windowMinutes: 60 }), '', T, context);
    assert.deepEqual([all.firing, all.value, all.calls], [false, 43 / 44, 44]);
  });
});
