/**
 * @module
 * What each alert rule reads and when it fires: the metrics engine's figures over the rule's sliding window
 * (the last W minutes before the evaluation), for all calls or one called number. A reading says the
 * condition holds, does not hold, or cannot be told (too few calls, a silent line outside business hours,
 * no history to compare with): then the alert keeps its state.
 */
import type { AlertRule } from '../config/alerts.js';
import { emptyStats, mergeStats, type CallFilter, type RollupStats } from '../metrics/rollups.js';
import { summarize, type Summary, type SummaryOptions } from '../metrics/summary.js';
import { instantOfLocal, localTime } from '../metrics/time-zone.js';
import { isWindowOpen } from './business-hours.js';

const MINUTE = 60_000;

/** Where rules read calls from: the metrics engine (its `stats` of a range and filter). */
export interface StatsReader {
  stats(range: { from: number; to: number }, filter?: CallFilter): Promise<RollupStats>;
}

/** One rule's reading of one subject (all calls, or one called number) at one instant. */
export interface RuleReading {
  /** True: the condition holds; false: it does not; null: the window cannot tell, the alert keeps its state. */
  firing: boolean | null;
  /** The figure compared with the threshold (a rate, a MOS, a count, or volume's ratio to the usual); null when none. */
  value: number | null;
  /** The calls in the window. */
  calls: number;
  /** The reading in one sentence. */
  message: string;
  /** volume: the mean of the same window in the previous weeks. */
  baseline?: number;
}

/** What a reading needs besides the rule. */
export interface ReadingContext {
  reader: StatsReader;
  summaryOptions: SummaryOptions;
  /** volume's zone for "the same local time of previous weeks". */
  timeZone: string;
}

const percent = (v: number): string => `${(v * 100).toFixed(1)} %`;
const mos = (v: number): string => v.toFixed(2);

/** The stats of a window for a subject: all calls, one number, or the sum of the rule's numbers. */
async function windowStats(rule: AlertRule, subject: string, range: { from: number; to: number }, reader: StatsReader): Promise<RollupStats> {
  if (subject !== '') return reader.stats(range, { number: subject });
  if (rule.numbers.length === 0) return reader.stats(range);
  const stats = emptyStats();
  for (const number of rule.numbers) mergeStats(stats, await reader.stats(range, { number }));
  return stats;
}

/** The window [from, to) moved `weeks` weeks back in local time (the same local hour, whatever DST did). */
export function weeksBefore(range: { from: number; to: number }, weeks: number, timeZone: string): { from: number; to: number } {
  const t = localTime(range.from, timeZone);
  const from = instantOfLocal(t.year, t.month, t.day - 7 * weeks, t.hour, t.minute, timeZone) + (range.from % MINUTE);
  return { from, to: from + (range.to - range.from) };
}

function scoreReading(rule: AlertRule, summary: Summary, window: string): RuleReading {
  const scored = summary.mos.scored;
  const threshold = rule.threshold!;
  if (scored < rule.minCalls) {
    return { firing: null, value: null, calls: summary.calls, message: `${scored} scored call(s) ${window}: fewer than the ${rule.minCalls} needed to judge quality` };
  }
  if (rule.metric === 'poorRate') {
    const value = summary.mos.poorRate!;
    const firing = value > threshold;
    return { firing, value, calls: summary.calls, message: `Poor-quality rate ${percent(value)} ${window} (${scored} scored calls), ${firing ? 'above' : 'at or below'} ${percent(threshold)}` };
  }
  const value = (rule.metric === 'mosMean' ? summary.mos.mean : summary.mos.p10)!;
  const firing = value < threshold;
  const label = rule.metric === 'mosMean' ? 'Mean MOS' : 'MOS p10';
  return { firing, value, calls: summary.calls, message: `${label} ${mos(value)} ${window} (${scored} scored calls), ${firing ? 'below' : 'at or above'} ${mos(threshold)}` };
}

/** Reads one rule for one subject ('' for all calls, else a called number) at instant `now`. */
export async function readRule(rule: AlertRule, subject: string, now: number, context: ReadingContext): Promise<RuleReading> {
  const range = { from: now - rule.windowMinutes * MINUTE, to: now };
  const window = `over the last ${rule.windowMinutes} min${subject === '' ? '' : ` on ${subject}`}`;
  const summary = summarize(await windowStats(rule, subject, range, context.reader), context.summaryOptions);
  const calls = summary.calls;
  switch (rule.metric) {
    case 'successRate': {
      if (calls < rule.minCalls) return { firing: null, value: null, calls, message: `${calls} call(s) ${window}: fewer than the ${rule.minCalls} needed to judge the success rate` };
      const value = summary.successRate!;
      const firing = value < rule.threshold!;
      return { firing, value, calls, message: `Success rate ${percent(value)} ${window} (${summary.completed} of ${calls} calls completed), ${firing ? 'below' : 'at or above'} ${percent(rule.threshold!)}` };
    }
    case 'mosMean':
    case 'mosP10':
    case 'poorRate':
      return scoreReading(rule, summary, window);
    case 'noCalls': {
      if (calls > 0) return { firing: false, value: calls, calls, message: `${calls} call(s) ${window}` };
      if (!isWindowOpen(rule.businessHours!, range.from, range.to)) {
        return { firing: null, value: 0, calls, message: `No calls ${window}, but that window is not wholly inside business hours` };
      }
      return { firing: true, value: 0, calls, message: `No calls at all ${window}, inside business hours` };
    }
    case 'volume': {
      let past = 0;
      for (let week = 1; week <= rule.weeks; week++) {
        past += (await windowStats(rule, subject, weeksBefore(range, week, context.timeZone), context.reader)).calls;
      }
      const baseline = past / rule.weeks;
      const usual = `the usual ${baseline.toFixed(1)} (mean of the same window in the previous ${rule.weeks} week(s))`;
      if (baseline === 0) {
        return { firing: calls < rule.minCalls ? false : null, value: null, calls, baseline, message: `${calls} call(s) ${window}; no calls in the same window of the previous ${rule.weeks} week(s) to compare with` };
      }
      const value = calls / baseline;
      const firing = calls >= rule.minCalls && calls > rule.threshold! * baseline;
      const verdict = firing ? `above ${rule.threshold}×` : calls < rule.minCalls ? `fewer than the ${rule.minCalls} calls a surge needs` : `at most ${rule.threshold}×`;
      return { firing, value, calls, baseline, message: `${calls} call(s) ${window}, ${value.toFixed(2)}× ${usual}: ${verdict}` };
    }
  }
}
