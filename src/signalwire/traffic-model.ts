/**
 * @module
 * Realistic inbound call-center traffic, as a pure generator (no I/O, no clock, no Math.random): the same
 * seed and the same times give the same calls. Used by `callpulse simulate`, `callpulse demo`, tests and
 * benchmarks.
 *
 * - Volume follows a daily curve (quiet nights, morning and afternoon peaks, a lunch dip) and a weekly one
 *   (busy Mondays, quiet weekends) in the call center's local time; arrivals are a Poisson process with
 *   that intensity (drawn by thinning).
 * - Each number has its own share of the volume and its own failure rate.
 * - Each call comes through a carrier; MOS is normal around the carrier's mean, and a bad carrier gives a
 *   low-MOS tail, more failures and more quick hang-ups.
 * - Durations of completed calls are log-normal, plus a share of quick hang-ups.
 * - Repeat callers: some calls come from a caller who called the same number in the past 24 hours
 *   (more often after a failed call).
 * - A few callers are not E.164: `anonymous` and SIP URIs.
 */
import type { CallStatus } from '../domain/call-event.js';
import { Prng } from './prng.js';

/** One called number of the simulated call center. */
export interface NumberProfile {
  number: string;
  name: string;
  /** Relative share of the calls. */
  share: number;
  /** Share of its calls that fail (on a good carrier). */
  failureRate: number;
}

/** A carrier the calls come through, and the audio quality it gives. */
export interface CarrierProfile {
  name: string;
  share: number;
  mosMean: number;
  mosSd: number;
  /** Multiplies the number's failure rate. */
  failureFactor: number;
  /** Share of completed calls that are quick hang-ups (1 to 12 s). */
  hangUpRate: number;
}

/** Everything the generator's realism depends on. */
export interface TrafficModel {
  accountSid: string;
  numbers: readonly NumberProfile[];
  carriers: readonly CarrierProfile[];
  /** Mean calls per day over a week. */
  callsPerDay: number;
  /** The call center's offset from UTC in minutes (the curves are in its local time). */
  utcOffsetMinutes: number;
  /** Relative volume per local hour, 0 to 23. */
  hourly: readonly number[];
  /** Relative volume per local weekday, Monday first. */
  weekday: readonly number[];
  /** Median duration of a completed call (seconds) and the log-normal sigma. */
  durationMedianSeconds: number;
  durationSigma: number;
  /** Share of calls that repeat an earlier caller of the same number within 24 hours (when there is one). */
  repeatRate: number;
  /** Share of new callers who are `anonymous`, and who call from a SIP URI. */
  anonymousRate: number;
  sipRate: number;
  /** Share of completed calls that come with no MOS (`0`). */
  noScoreRate: number;
}

/** The default call center: six numbers, three carriers (one bad), Eastern-time working hours. */
export const DEFAULT_TRAFFIC_MODEL: TrafficModel = Object.freeze({
  accountSid: 'c0ffee00-ca11-4ce0-8000-00000000de70',
  numbers: [
    { number: '+15550100001', name: 'Sales', share: 30, failureRate: 0.03 },
    { number: '+15550100002', name: 'Support', share: 35, failureRate: 0.05 },
    { number: '+15550100003', name: 'Billing', share: 15, failureRate: 0.04 },
    { number: '+15550100004', name: 'After hours', share: 5, failureRate: 0.12 },
    { number: '+15550100005', name: 'Partners', share: 10, failureRate: 0.02 },
    { number: '+15550100006', name: 'Soporte', share: 5, failureRate: 0.08 },
  ],
  carriers: [
    { name: 'good', share: 80, mosMean: 4.3, mosSd: 0.12, failureFactor: 1, hangUpRate: 0.05 },
    { name: 'fair', share: 14, mosMean: 3.95, mosSd: 0.25, failureFactor: 1.5, hangUpRate: 0.08 },
    { name: 'bad', share: 6, mosMean: 2.9, mosSd: 0.45, failureFactor: 3, hangUpRate: 0.2 },
  ],
  callsPerDay: 1500,
  utcOffsetMinutes: -300,
  hourly: [0.1, 0.06, 0.05, 0.05, 0.06, 0.12, 0.3, 0.7, 1.4, 2, 2.2, 2.1, 1.6, 1.7, 2, 1.9, 1.6, 1.2, 0.8, 0.55, 0.4, 0.3, 0.2, 0.14],
  weekday: [1.25, 1.1, 1.05, 1.05, 1, 0.35, 0.2],
  durationMedianSeconds: 150,
  durationSigma: 0.9,
  repeatRate: 0.12,
  anonymousRate: 0.015,
  sipRate: 0.01,
  noScoreRate: 0.01,
});

/** One simulated inbound call as it ended. */
export interface SimulatedCall {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
  /** The creation time, whole seconds. */
  timestamp: Date;
  status: Extract<CallStatus, 'completed' | 'failed'>;
  durationSeconds: number;
  /** Null: no score (a failed call, or a completed one without a score). */
  mos: number | null;
  carrier: string;
  /** True when the caller called the same number in the previous 24 hours. */
  repeat: boolean;
}

/** The callback's eight fields, as SignalWire sends them (`Timestamp` in RFC 2822, `+0000`). */
export function callbackFieldsOf(call: SimulatedCall): Record<string, string> {
  return {
    CallSid: call.callSid,
    AccountSid: call.accountSid,
    From: call.from,
    To: call.to,
    Timestamp: call.timestamp.toUTCString().replace(/GMT$/, '+0000'),
    CallStatus: call.status,
    CallDuration: String(call.durationSeconds),
    AudioInMos: call.mos === null ? (call.status === 'completed' ? '0' : '') : call.mos.toFixed(2),
  };
}

const DAY_MS = 86_400_000;
const SIP_DOMAINS = ['pbx.example.com', 'sip.example.net', 'voip.example.org'];

/**
 * A number's recent callers (E.164 only: others cannot be recognised calling again), oldest first, with
 * those older than 24 hours dropped from the front in O(1) amortised time.
 */
class RecentCallers {
  private items: Array<{ from: string; at: number }> = [];
  private head = 0;

  add(from: string, at: number): void {
    this.items.push({ from, at });
  }

  /** Forgets the callers at or before `cutoff`. */
  forgetUntil(cutoff: number): void {
    while (this.head < this.items.length && this.items[this.head]!.at <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  pick(rng: Prng): string {
    return this.items[this.head + rng.int(this.size)]!.from;
  }
}

/** Generates calls from a seed and a model; keeps the last 24 hours of callers per number for repeats. */
export class TrafficGenerator {
  private readonly rng: Prng;
  private readonly maxRate: number;
  private readonly hourlyMean: number;
  private readonly weekdayMean: number;
  /** Per called number: its callers of the last 24 hours, and those whose call failed. */
  private readonly recent = new Map<string, { all: RecentCallers; failed: RecentCallers }>();

  constructor(seed: number, readonly model: TrafficModel = DEFAULT_TRAFFIC_MODEL) {
    this.rng = new Prng(seed);
    this.hourlyMean = model.hourly.reduce((a, b) => a + b, 0) / model.hourly.length;
    this.weekdayMean = model.weekday.reduce((a, b) => a + b, 0) / model.weekday.length;
    this.maxRate = (model.callsPerDay / 86_400) * (Math.max(...model.hourly) / this.hourlyMean) * (Math.max(...model.weekday) / this.weekdayMean);
  }

  /** The expected calls per second at an instant: the daily and weekly curves in local time. */
  rateAt(time: number): number {
    const local = new Date(time + this.model.utcOffsetMinutes * 60_000);
    const hour = local.getUTCHours();
    const weekday = (local.getUTCDay() + 6) % 7; // Monday = 0
    return (this.model.callsPerDay / 86_400) * (this.model.hourly[hour]! / this.hourlyMean) * (this.model.weekday[weekday]! / this.weekdayMean);
  }

  /** The calls created in [from, to) (epoch ms), oldest first, following the volume curves. */
  *between(from: number, to: number): Generator<SimulatedCall> {
    if (!(this.maxRate > 0)) return;
    let time = from;
    for (;;) {
      time += this.rng.exponential(this.maxRate) * 1000;
      if (time >= to) return;
      if (this.rng.next() * this.maxRate < this.rateAt(time)) yield this.callAt(time);
    }
  }

  /** One call created at `time` (epoch ms; whole seconds are kept). Calls should come in time order. */
  callAt(time: number): SimulatedCall {
    const { rng, model } = this;
    const at = Math.floor(time / 1000) * 1000;
    const profile = rng.weighted(model.numbers, (n) => n.share);
    const carrier = rng.weighted(model.carriers, (c) => c.share);
    const recent = this.recentCallers(profile.number, at);
    let from: string;
    let repeat = false;
    if (recent.all.size > 0 && rng.chance(model.repeatRate)) {
      // Callers whose call failed are likelier to try again.
      from = recent.failed.size > 0 && rng.chance(0.5) ? recent.failed.pick(rng) : recent.all.pick(rng);
      repeat = true;
    } else {
      from = this.newCaller();
    }
    const failed = rng.chance(Math.min(0.95, profile.failureRate * carrier.failureFactor));
    let durationSeconds = 0;
    let mos: number | null = null;
    if (!failed) {
      durationSeconds = rng.chance(carrier.hangUpRate)
        ? 1 + rng.int(12)
        : Math.min(4 * 3600, Math.max(1, Math.round(rng.logNormal(Math.log(model.durationMedianSeconds), model.durationSigma))));
      if (!rng.chance(model.noScoreRate)) mos = Math.round(Math.min(4.5, Math.max(1, rng.normal(carrier.mosMean, carrier.mosSd))) * 100) / 100;
    }
    if (from.startsWith('+')) {
      recent.all.add(from, at);
      if (failed) recent.failed.add(from, at);
    }
    return {
      callSid: rng.uuid(),
      accountSid: model.accountSid,
      from,
      to: profile.number,
      timestamp: new Date(at),
      status: failed ? 'failed' : 'completed',
      durationSeconds,
      mos,
      carrier: carrier.name,
      repeat,
    };
  }

  /** The number's callers of the last 24 hours before `at` (older ones are forgotten). */
  private recentCallers(number: string, at: number): { all: RecentCallers; failed: RecentCallers } {
    let recent = this.recent.get(number);
    if (!recent) {
      recent = { all: new RecentCallers(), failed: new RecentCallers() };
      this.recent.set(number, recent);
    }
    recent.all.forgetUntil(at - DAY_MS);
    recent.failed.forgetUntil(at - DAY_MS);
    return recent;
  }

  private newCaller(): string {
    const { rng, model } = this;
    const roll = rng.next();
    if (roll < model.anonymousRate) return 'anonymous';
    if (roll < model.anonymousRate + model.sipRate) return `sip:caller${1000 + rng.int(9000)}@${rng.pick(SIP_DOMAINS)}`;
    if (rng.chance(0.05)) return `+4420${String(rng.int(100_000_000)).padStart(8, '0')}`;
    return `+1${200 + rng.int(800)}${200 + rng.int(800)}${String(rng.int(10_000)).padStart(4, '0')}`;
  }
}
