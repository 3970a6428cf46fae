/**
 * The simulator's generator as a pure module: determinism by seed, and the properties that make its
 * traffic realistic, each checked by an independent scan of the generated calls over four weeks
 * (fixed seeds, so the statistics are exact numbers, not chance): the daily and weekly curves, per-number
 * failure rates, the bad-carrier MOS tail, log-normal durations, repeat callers, non-E.164 callers, and
 * every callback passing the webhook's validation.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseIncomingCallStatus } from '../../src/domain/call-event.js';
import { Prng } from '../../src/signalwire/prng.js';
import { DEFAULT_TRAFFIC_MODEL, TrafficGenerator, callbackFieldsOf, type SimulatedCall } from '../../src/signalwire/traffic-model.js';

const DAY = 86_400_000;
const TO = Date.UTC(2024, 3, 8); // Monday 8 Apr 2024 00:00 UTC
const FROM = TO - 28 * DAY; // four whole weeks

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('Prng', () => {
  it('the same seed gives the same sequence; another seed another one', () => {
    const a = new Prng(12345);
    const b = new Prng(12345);
    const c = new Prng(12346);
    const seqA = Array.from({ length: 100 }, () => a.uint32());
    assert.deepEqual(seqA, Array.from({ length: 100 }, () => b.uint32()));
    assert.notDeepEqual(seqA, Array.from({ length: 100 }, () => c.uint32()));
  });

  it('uniform in [0, 1) with the right mean; normal with the right mean and sd; UUID-shaped ids', () => {
    const rng = new Prng(7);
    const u = Array.from({ length: 100_000 }, () => rng.next());
    assert.ok(u.every((x) => x >= 0 && x < 1));
    const mean = u.reduce((s, x) => s + x, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    const n = Array.from({ length: 100_000 }, () => rng.normal(3, 2));
    const nMean = n.reduce((s, x) => s + x, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, x) => s + (x - nMean) ** 2, 0) / n.length);
    assert.ok(Math.abs(nMean - 3) < 0.03 && Math.abs(sd - 2) < 0.03, `normal ${nMean} ${sd}`);
    for (let i = 0; i < 50; i++) assert.match(rng.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('TrafficGenerator', () => {
  let calls: SimulatedCall[];
  before(() => {
    calls = [...new TrafficGenerator(2024).between(FROM, TO)];
  });

  it('is deterministic: the same seed and window give the same calls; another seed other calls', () => {
    const again = [...new TrafficGenerator(2024).between(FROM, FROM + 3 * DAY)];
    assert.deepEqual(again, calls.filter((c) => c.timestamp.getTime() < FROM + 3 * DAY));
    const other = [...new TrafficGenerator(2025).between(FROM, FROM + 3 * DAY)];
    assert.notDeepEqual(other.map((c) => c.callSid), again.map((c) => c.callSid));
  });

  it('gives calls inside the window, in order, with distinct CallSids, about callsPerDay a day', () => {
    let previous = FROM;
    for (const call of calls) {
      const t = call.timestamp.getTime();
      assert.ok(t >= previous && t < TO);
      assert.equal(t % 1000, 0, 'whole seconds');
      previous = t;
    }
    assert.equal(new Set(calls.map((c) => c.callSid)).size, calls.length);
    const expected = 28 * DEFAULT_TRAFFIC_MODEL.callsPerDay;
    assert.ok(Math.abs(calls.length - expected) / expected < 0.03, `${calls.length} calls, ${expected} expected`);
  });

  it('every callback passes the webhook validation, with the same values', () => {
    for (const call of calls) {
      const parsed = parseIncomingCallStatus(callbackFieldsOf(call));
      assert.ok(parsed.ok, JSON.stringify(callbackFieldsOf(call)));
      assert.equal(parsed.event.timestamp.getTime(), call.timestamp.getTime());
      assert.equal(parsed.event.mos, call.mos);
      assert.equal(parsed.event.durationSeconds, call.durationSeconds);
      assert.equal(parsed.event.status, call.status);
    }
  });

  it('follows the daily and weekly curves in local time (UTC-5)', () => {
    const perHour = new Array<number>(24).fill(0);
    const perWeekday = new Array<number>(7).fill(0); // Monday first
    for (const call of calls) {
      const local = new Date(call.timestamp.getTime() - 5 * 3_600_000);
      perHour[local.getUTCHours()]! += 1;
      perWeekday[(local.getUTCDay() + 6) % 7]! += 1;
    }
    // Busiest at 10:00 local, quietest between 02:00 and 04:00; hourly shares as the curve says.
    assert.equal(perHour.indexOf(Math.max(...perHour)), 10);
    assert.ok(perHour[10]! > 30 * perHour[3]!, `10:00 ${perHour[10]} vs 03:00 ${perHour[3]}`);
    const total = perHour.reduce((a, b) => a + b, 0);
    const curve = DEFAULT_TRAFFIC_MODEL.hourly;
    const curveTotal = curve.reduce((a, b) => a + b, 0);
    for (const hour of [9, 10, 11, 14, 15]) {
      const share = perHour[hour]! / total;
      const expected = curve[hour]! / curveTotal;
      assert.ok(Math.abs(share - expected) / expected < 0.1, `hour ${hour}: ${share} vs ${expected}`);
    }
    // Mondays busiest, Sundays quietest, weekdays several times the weekend.
    assert.equal(perWeekday.indexOf(Math.max(...perWeekday)), 0);
    assert.equal(perWeekday.indexOf(Math.min(...perWeekday)), 6);
    assert.ok(perWeekday[2]! > 2.5 * perWeekday[5]!);
  });

  it('each number has its own failure rate (the configured rate times the carriers\' mean factor)', () => {
    const carriers = DEFAULT_TRAFFIC_MODEL.carriers;
    const shareTotal = carriers.reduce((a, c) => a + c.share, 0);
    const meanFactor = carriers.reduce((a, c) => a + (c.share / shareTotal) * c.failureFactor, 0); // 1.19 by hand
    assert.ok(Math.abs(meanFactor - 1.19) < 1e-9);
    for (const profile of DEFAULT_TRAFFIC_MODEL.numbers) {
      const mine = calls.filter((c) => c.to === profile.number);
      const rate = mine.filter((c) => c.status === 'failed').length / mine.length;
      const expected = profile.failureRate * meanFactor;
      assert.ok(Math.abs(rate - expected) / expected < 0.25, `${profile.name}: ${rate} vs ${expected} over ${mine.length} calls`);
    }
    const rateOf = (n: string) => calls.filter((c) => c.to === n && c.status === 'failed').length / calls.filter((c) => c.to === n).length;
    assert.ok(rateOf('+15550100004') > 2 * rateOf('+15550100002'), 'after hours fails far more than support');
  });

  it('MOS: a good median and a low tail that comes from the bad carrier', () => {
    const scored = calls.filter((c) => c.mos !== null);
    const sorted = scored.map((c) => c.mos!).sort((a, b) => a - b);
    assert.ok(quantile(sorted, 0.5) >= 4.2 && quantile(sorted, 0.5) <= 4.35, `median ${quantile(sorted, 0.5)}`);
    const low = scored.filter((c) => c.mos! < 3.1);
    assert.ok(low.length / scored.length > 0.02 && low.length / scored.length < 0.07, `tail ${low.length / scored.length}`);
    assert.ok(low.filter((c) => c.carrier === 'bad').length / low.length > 0.95);
    assert.ok(sorted[0]! >= 1 && sorted.at(-1)! <= 4.5);
    assert.ok(calls.every((c) => (c.status === 'failed' ? c.mos === null && c.durationSeconds === 0 : true)));
  });

  it('durations of completed calls are log-normal around the median, plus quick hang-ups', () => {
    const completed = calls.filter((c) => c.status === 'completed').map((c) => c.durationSeconds).sort((a, b) => a - b);
    const p50 = quantile(completed, 0.5);
    const p90 = quantile(completed, 0.9);
    assert.ok(p50 >= 125 && p50 <= 160, `p50 ${p50}`);
    // For a log-normal, p90 / p50 = exp(1.2816 sigma) = 3.17 with sigma 0.9.
    assert.ok(p90 / p50 > 2.7 && p90 / p50 < 3.6, `p90/p50 ${p90 / p50}`);
    const short = completed.filter((d) => d < 10).length / completed.length;
    assert.ok(short > 0.03 && short < 0.1, `short ${short}`);
  });

  it('repeat callers: the same From to the same To within 24 hours, found by a plain scan', () => {
    const lastCall = new Map<string, number>();
    let repeatsFound = 0;
    for (const call of calls) {
      const key = `${call.from}|${call.to}`;
      const previous = lastCall.get(key);
      const isRepeat = call.from.startsWith('+') && previous !== undefined && call.timestamp.getTime() - previous < DAY;
      if (isRepeat) repeatsFound += 1;
      if (call.repeat) assert.ok(isRepeat, `${call.callSid} is marked a repeat without an earlier call from ${call.from} to ${call.to} in 24 h`);
      lastCall.set(key, call.timestamp.getTime());
    }
    assert.ok(repeatsFound / calls.length > 0.08 && repeatsFound / calls.length < 0.2, `repeats ${repeatsFound / calls.length}`);
  });

  it('a few callers are not E.164: anonymous and SIP URIs', () => {
    const anonymous = calls.filter((c) => c.from === 'anonymous').length / calls.length;
    const sip = calls.filter((c) => /^sip:[^@]+@[\w.]+$/.test(c.from)).length / calls.length;
    assert.ok(anonymous > 0.008 && anonymous < 0.025, `anonymous ${anonymous}`);
    assert.ok(sip > 0.005 && sip < 0.02, `sip ${sip}`);
    const others = calls.filter((c) => c.from !== 'anonymous' && !c.from.startsWith('sip:'));
    assert.ok(others.every((c) => /^\+[1-9]\d{6,14}$/.test(c.from)));
  });

  it('rateAt integrates to callsPerDay over a week', () => {
    const generator = new TrafficGenerator(1);
    let expected = 0;
    for (let t = FROM; t < FROM + 7 * DAY; t += 60_000) expected += generator.rateAt(t) * 60;
    assert.ok(Math.abs(expected / 7 - DEFAULT_TRAFFIC_MODEL.callsPerDay) < 1e-6 * DEFAULT_TRAFFIC_MODEL.callsPerDay);
  });
});
