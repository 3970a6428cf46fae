/**
 * The history the metrics benchmark imports: N calls to 200 numbers of two projects over two years,
 * written as a CSV file of callback fields (what `callpulse import` reads). Deterministic (a seeded
 * PRNG), with the shape of a real call center: a daily and weekly volume curve, ~88% completed, a MOS
 * distribution with a bad tail, log-normal durations, callers who call back, callers from a few
 * countries and some anonymous ones. Time order is kept, as an export of history would be.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const NUMBERS = 200;
const ACCOUNTS = ['AC' + 'a'.repeat(32), 'AC' + 'b'.repeat(32)];
const HEADER = 'CallSid,AccountSid,From,To,Timestamp,CallStatus,CallDuration,AudioInMos\n';

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Relative call volume by hour of day (a call-center day: quiet nights, a late-morning peak). */
const HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 20, 19, 16, 17, 18, 17, 15, 12, 8, 6, 4, 3, 2, 1];
/** Relative volume by weekday, Monday first. */
const WEEKLY = [10, 10, 9, 9, 8, 4, 2];

/** Caller prefixes: mostly North America, some UK, France and Australia. */
const CALLER_PREFIXES = ['+1415555', '+1416555', '+1212555', '+4420718', '+3314268', '+6129123'];

/** Writes `calls` calls ending at `end` (epoch ms), spread over `days` (two years by default), to `path`. */
export async function writeHistoryCsv(path: string, calls: number, end: number, days = 730, seed = 42): Promise<void> {
  const random = prng(seed);
  const start = end - days * 86_400_000;
  // Hours of the two years with their weights, so that calls follow the daily and weekly curves.
  const hours = Math.round((end - start) / 3_600_000);
  const cumulative = new Float64Array(hours);
  let total = 0;
  for (let h = 0; h < hours; h++) {
    const at = new Date(start + h * 3_600_000);
    total += HOURLY[at.getUTCHours()]! * WEEKLY[(at.getUTCDay() + 6) % 7]!;
    cumulative[h] = total;
  }
  const out = createWriteStream(path);
  out.write(HEADER);
  let chunk = '';
  let hour = 0;
  const recentCallers: string[] = [];
  for (let i = 0; i < calls; i++) {
    // The i-th call's hour: the hour where the cumulative weight passes its share (calls stay in time order).
    const target = ((i + 0.5) / calls) * total;
    while (cumulative[hour]! < target) hour += 1;
    const at = start + hour * 3_600_000 + Math.floor(random() * 3_600_000);
    const number = Math.floor(random() * random() * NUMBERS); // some numbers far busier than others
    const account = ACCOUNTS[number % 2]!;
    const to = '+1800555' + String(1000 + number);
    let from: string;
    const r = random();
    if (r < 0.02) from = 'anonymous';
    else if (r < 0.12 && recentCallers.length > 0) from = recentCallers[Math.floor(random() * recentCallers.length)]!; // calls back
    else {
      const prefix = CALLER_PREFIXES[Math.floor(random() * random() * CALLER_PREFIXES.length)]!;
      from = prefix + String(Math.floor(random() * 10_000)).padStart(4, '0');
      recentCallers[i % 500] = from;
    }
    const s = random();
    const status = s < 0.88 ? 'completed' : s < 0.94 ? 'failed' : s < 0.97 ? 'no-answer' : s < 0.99 ? 'busy' : 'canceled';
    // Log-normal talk time, median ~2.5 minutes.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const duration = status === 'completed' ? String(Math.min(7200, Math.round(Math.exp(5 + 0.9 * normal)))) : status === 'failed' ? '0' : '';
    // MOS: mostly 4.0-4.5, a bad-carrier tail down to 1.
    const q = random();
    const mos = status !== 'completed' ? '' : q < 0.05 ? '' : q < 0.12 ? (1 + random() * 2.5).toFixed(2) : (3.9 + random() * 0.6).toFixed(2);
    // Random CallSids, as SignalWire's are: ordered ones would flatter the CallSid index.
    const sid = [random(), random(), random(), random()].map((x) => Math.floor(x * 2 ** 32).toString(16).padStart(8, '0')).join('');
    chunk += `CA${sid},${account},${from},${to},${new Date(at).toISOString()},${status},${duration},${mos}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
