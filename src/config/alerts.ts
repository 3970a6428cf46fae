/**
 * @module
 * The `alerts` section of the configuration: where notifications go (targets), the rules, business hours,
 * and how deliveries are retried; validated into frozen values, every error naming the rule and field
 * (`alerts.rules.dead-line.windowMinutes must be ...`). The server refuses to start on any of them.
 */
import { ConfigError, decimal, integer, isTimeZone, isUnset, list, mapping, text } from './values.js';

/** What a rule watches. */
export const ALERT_METRICS = ['successRate', 'mosMean', 'mosP10', 'poorRate', 'noCalls', 'volume'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** How a notification's body is shaped: callpulse's own JSON, or Slack's incoming-webhook form (`text`). */
export const TARGET_FORMATS = ['json', 'slack'] as const;
export type TargetFormat = (typeof TARGET_FORMATS)[number];

/** Local opening hours: on these weekdays, from `from` to `to` (minutes after local midnight) in the zone. */
export interface BusinessHours {
  readonly timeZone: string;
  /** 0 = Monday ... 6 = Sunday. */
  readonly days: readonly number[];
  /** Minutes after local midnight, 0 to 1439. */
  readonly from: number;
  /** Minutes after local midnight, after `from`; 1440 is the end of the day. */
  readonly to: number;
}

/** A webhook URL notifications are POSTed to. */
export interface AlertTarget {
  readonly name: string;
  /** A secret (a Slack URL is a credential): never logged, only its origin. */
  readonly url: string;
  readonly format: TargetFormat;
  /** Extra request headers (an Authorization header, say). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One alert rule. */
export interface AlertRule {
  readonly name: string;
  readonly metric: AlertMetric;
  /**
   * The threshold: successRate, mosMean and mosP10 fire below it; poorRate fires above it; volume fires
   * above this many times the usual volume. Null for noCalls.
   */
  readonly threshold: number | null;
  /** The sliding window: the last this many minutes before each evaluation. */
  readonly windowMinutes: number;
  /** The fewest calls (scored calls for the MOS metrics) the window needs before the rule can say anything. */
  readonly minCalls: number;
  /** One alert for all calls, or one per called number. */
  readonly per: 'overall' | 'number';
  /** Only these called numbers (per number, or their sum overall); empty: every number. */
  readonly numbers: readonly string[];
  /** noCalls: when a silent line means trouble. */
  readonly businessHours: BusinessHours | null;
  /** volume: how many previous weeks the same local window is averaged over. */
  readonly weeks: number;
  /** The least time between two firing notifications of the same alert. */
  readonly cooldownMinutes: number;
  /** The names of the targets notified. */
  readonly targets: readonly string[];
}

/** The whole alerts section. */
export interface AlertsConfig {
  readonly evaluateEverySeconds: number;
  /** The zone of volume's "same hour of previous weeks", and the default of business hours. */
  readonly timeZone: string;
  readonly targets: readonly AlertTarget[];
  readonly rules: readonly AlertRule[];
  readonly delivery: {
    /** Attempts per notification before giving up (the first one included). */
    readonly attempts: number;
    /** The wait after the first failure; it doubles after each one, up to `maxBackoffSeconds`. */
    readonly backoffSeconds: number;
    readonly maxBackoffSeconds: number;
    /** How long one attempt may take. */
    readonly timeoutSeconds: number;
  };
}

const SECTION_KEYS = ['evaluateEverySeconds', 'timeZone', 'cooldownMinutes', 'businessHours', 'delivery', 'targets', 'rules'];
const TARGET_KEYS = ['name', 'url', 'format', 'headers'];
const DELIVERY_KEYS = ['attempts', 'backoffSeconds', 'maxBackoffSeconds', 'timeoutSeconds'];
const HOURS_KEYS = ['timeZone', 'days', 'from', 'to'];
const COMMON_RULE_KEYS = ['name', 'metric', 'windowMinutes', 'per', 'numbers', 'cooldownMinutes', 'notify'];

/** Each metric's own keys, its threshold key and range, and its default window and minimum of calls. */
const METRIC_RULES: Record<AlertMetric, { keys: string[]; threshold: { key: 'below' | 'above'; min: number; max: number } | null; window: number; minCalls: number }> = {
  successRate: { keys: ['below', 'minCalls'], threshold: { key: 'below', min: 0, max: 1 }, window: 15, minCalls: 10 },
  mosMean: { keys: ['below', 'minCalls'], threshold: { key: 'below', min: 1, max: 5 }, window: 15, minCalls: 10 },
  mosP10: { keys: ['below', 'minCalls'], threshold: { key: 'below', min: 1, max: 5 }, window: 15, minCalls: 10 },
  poorRate: { keys: ['above', 'minCalls'], threshold: { key: 'above', min: 0, max: 1 }, window: 15, minCalls: 10 },
  noCalls: { keys: ['businessHours'], threshold: null, window: 30, minCalls: 0 },
  volume: { keys: ['above', 'minCalls', 'weeks'], threshold: { key: 'above', min: 1, max: 1000 }, window: 60, minCalls: 10 },
};

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function day(key: string, value: unknown): number {
  const index = typeof value === 'string' ? DAY_NAMES.indexOf(value.trim().slice(0, 3).toLowerCase()) : -1;
  const fullOrShort = typeof value === 'string' && /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*$/i.test(value.trim());
  if (index < 0 || !fullOrShort) throw new ConfigError(key, `must be a weekday (mon, tue, wed, thu, fri, sat or sun), got ${JSON.stringify(value)}`);
  return index;
}

function clock(key: string, value: unknown, allowEndOfDay: boolean): number {
  const match = typeof value === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(value.trim()) : null;
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  const valid = match !== null && Number(match[2]) < 60 && (minutes < 1440 || (allowEndOfDay && minutes === 1440));
  if (!valid) {
    throw new ConfigError(key, `must be a local time "HH:MM" in quotes (00:00 to ${allowEndOfDay ? '24:00' : '23:59'}), got ${JSON.stringify(value)}`);
  }
  return minutes;
}

function timeZone(key: string, value: unknown, fallback: string): string {
  const zone = text(key, value, fallback);
  if (!isTimeZone(zone)) throw new ConfigError(key, `must be an IANA time zone name like America/New_York, got "${zone}"`);
  return zone;
}

function businessHours(key: string, value: unknown, defaultZone: string): BusinessHours | null {
  if (value === undefined || value === null) return null;
  const given = mapping(key, value, HOURS_KEYS);
  for (const required of ['days', 'from', 'to']) {
    if (isUnset(given[required])) throw new ConfigError(`${key}.${required}`, 'is required');
  }
  const days = [...new Set(list(`${key}.days`, given.days).map((d, i) => day(`${key}.days[${i}]`, d)))].sort();
  if (days.length === 0) throw new ConfigError(`${key}.days`, 'must list at least one weekday');
  const from = clock(`${key}.from`, given.from, false);
  const to = clock(`${key}.to`, given.to, true);
  if (to <= from) throw new ConfigError(`${key}.to`, `must be after ${key}.from (hours that span midnight: give the two days' hours as 24:00 and 00:00 on consecutive days)`);
  return { timeZone: timeZone(`${key}.timeZone`, given.timeZone, defaultZone), days, from, to };
}

function name(key: string, value: unknown): string {
  const result = text(key, value, '');
  if (result === '') throw new ConfigError(key, 'is required');
  if (!NAME.test(result)) throw new ConfigError(key, `must be letters, digits, - and _ (at most 64, starting with a letter or digit), got "${result}"`);
  return result;
}

function webhookUrl(key: string, value: unknown): string {
  const url = text(key, value, '');
  if (url === '') throw new ConfigError(key, 'is required (a webhook URL, or env:NAME to read it from the environment)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(key, 'must be an http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError(key, 'must be an http(s) URL');
  return url;
}

function targets(key: string, value: unknown): AlertTarget[] {
  const result: AlertTarget[] = [];
  list(key, value).forEach((item, i) => {
    const given = mapping(`${key}[${i}]`, item, TARGET_KEYS);
    const targetName = name(`${key}[${i}].name`, given.name);
    const at = `${key}.${targetName}`;
    if (result.some((t) => t.name === targetName)) throw new ConfigError(`${key}[${i}].name`, `"${targetName}" is used by another target`);
    const format = text(`${at}.format`, given.format, 'json');
    if (!(TARGET_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`${at}.format`, `must be one of ${TARGET_FORMATS.join(', ')}, got "${format}"`);
    const headers: Record<string, string> = {};
    const givenHeaders = given.headers ?? {};
    if (typeof givenHeaders !== 'object' || Array.isArray(givenHeaders)) throw new ConfigError(`${at}.headers`, 'must map header names to values');
    for (const [header, headerValue] of Object.entries(givenHeaders)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) throw new ConfigError(`${at}.headers.${header}`, 'is not a valid header name');
      if (typeof headerValue !== 'string') throw new ConfigError(`${at}.headers.${header}`, 'must be a string');
      headers[header] = headerValue;
    }
    result.push({ name: targetName, url: webhookUrl(`${at}.url`, given.url), format: format as TargetFormat, headers });
  });
  return result;
}

function numbers(key: string, value: unknown): string[] {
  return list(key, value).map((item, i) => {
    if (typeof item === 'number') throw new ConfigError(`${key}[${i}]`, `must be quoted ("+${item}"): YAML reads an unquoted +1555... as a number`);
    if (typeof item !== 'string' || item.trim() === '') throw new ConfigError(`${key}[${i}]`, 'must be a called number as a string, like "+15551230000"');
    return item.trim();
  });
}

function rule(key: string, value: unknown, defaults: { cooldownMinutes: number; businessHours: BusinessHours | null; timeZone: string }, targetNames: readonly string[]): AlertRule {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(key, 'must be a mapping with name, metric and the metric\'s settings');
  const raw = value as Record<string, unknown>;
  const ruleName = name(`${key}.name`, raw.name);
  const at = `alerts.rules.${ruleName}`;
  const metric = text(`${at}.metric`, raw.metric, '');
  if (!(ALERT_METRICS as readonly string[]).includes(metric)) {
    throw new ConfigError(`${at}.metric`, `must be one of ${ALERT_METRICS.join(', ')}, got ${JSON.stringify(raw.metric ?? null)}`);
  }
  const spec = METRIC_RULES[metric as AlertMetric];
  for (const field of Object.keys(raw)) {
    if (!COMMON_RULE_KEYS.includes(field) && !spec.keys.includes(field)) {
      throw new ConfigError(`${at}.${field}`, `is not a setting of a ${metric} rule (its settings: ${[...COMMON_RULE_KEYS, ...spec.keys].join(', ')})`);
    }
  }
  let threshold: number | null = null;
  if (spec.threshold) {
    const { key: thresholdKey, min, max } = spec.threshold;
    if (isUnset(raw[thresholdKey])) throw new ConfigError(`${at}.${thresholdKey}`, `is required for a ${metric} rule`);
    threshold = decimal(`${at}.${thresholdKey}`, raw[thresholdKey], 0, min, max);
  }
  const per = text(`${at}.per`, raw.per, 'overall');
  if (per !== 'overall' && per !== 'number') throw new ConfigError(`${at}.per`, `must be overall or number, got "${per}"`);
  const notify = list(`${at}.notify`, raw.notify).map((target, i) => {
    if (typeof target !== 'string' || !targetNames.includes(target)) {
      throw new ConfigError(`${at}.notify[${i}]`, `must name a target of alerts.targets (${targetNames.join(', ') || 'none is defined'}), got ${JSON.stringify(target)}`);
    }
    return target;
  });
  const hours = metric === 'noCalls' ? (businessHours(`${at}.businessHours`, raw.businessHours, defaults.timeZone) ?? defaults.businessHours) : null;
  if (metric === 'noCalls' && hours === null) {
    throw new ConfigError(`${at}.businessHours`, 'is required for a noCalls rule (or set alerts.businessHours); for a line open around the clock give days mon to sun, from "00:00" to "24:00"');
  }
  const windowMinutes = integer(`${at}.windowMinutes`, raw.windowMinutes, spec.window, 1, 1440);
  // The rule looks at windows that lie wholly inside business hours: a window longer than the open hours never does.
  const roundTheClock = hours !== null && hours.from === 0 && hours.to === 1440;
  if (hours && !roundTheClock && windowMinutes > hours.to - hours.from) {
    throw new ConfigError(`${at}.windowMinutes`, `must fit inside the business hours (${hours.to - hours.from} minutes a day), got ${windowMinutes}`);
  }
  return {
    name: ruleName,
    metric: metric as AlertMetric,
    threshold,
    windowMinutes,
    minCalls: spec.keys.includes('minCalls') ? integer(`${at}.minCalls`, raw.minCalls, spec.minCalls, 1, 1_000_000) : 0,
    per,
    numbers: numbers(`${at}.numbers`, raw.numbers),
    businessHours: hours,
    weeks: metric === 'volume' ? integer(`${at}.weeks`, raw.weeks, 4, 1, 12) : 0,
    cooldownMinutes: integer(`${at}.cooldownMinutes`, raw.cooldownMinutes, defaults.cooldownMinutes, 0, 10_080),
    targets: notify.length > 0 ? notify : [...targetNames],
  };
}

/** Validates the `alerts` section (env:NAME references already resolved by load.ts). */
export function alertsConfig(value: unknown): AlertsConfig {
  const given = mapping('alerts', value, SECTION_KEYS);
  const zone = timeZone('alerts.timeZone', given.timeZone, 'UTC');
  const targetList = targets('alerts.targets', given.targets);
  const targetNames = targetList.map((t) => t.name);
  const defaults = {
    cooldownMinutes: integer('alerts.cooldownMinutes', given.cooldownMinutes, 30, 0, 10_080),
    businessHours: businessHours('alerts.businessHours', given.businessHours, zone),
    timeZone: zone,
  };
  const rules: AlertRule[] = [];
  list('alerts.rules', given.rules).forEach((item, i) => {
    const parsed = rule(`alerts.rules[${i}]`, item, defaults, targetNames);
    if (rules.some((r) => r.name === parsed.name)) throw new ConfigError(`alerts.rules[${i}].name`, `"${parsed.name}" is used by another rule`);
    rules.push(parsed);
  });
  if (rules.length > 0 && targetList.length === 0) {
    throw new ConfigError('alerts.targets', 'must list at least one webhook when rules are defined (where would they be sent?)');
  }
  const delivery = mapping('alerts.delivery', given.delivery, DELIVERY_KEYS);
  const backoffSeconds = decimal('alerts.delivery.backoffSeconds', delivery.backoffSeconds, 5, 0.01, 3600);
  const maxBackoffSeconds = decimal('alerts.delivery.maxBackoffSeconds', delivery.maxBackoffSeconds, Math.max(600, backoffSeconds), backoffSeconds, 86_400);
  return {
    evaluateEverySeconds: integer('alerts.evaluateEverySeconds', given.evaluateEverySeconds, 60, 1, 86_400),
    timeZone: zone,
    targets: targetList,
    rules,
    delivery: {
      attempts: integer('alerts.delivery.attempts', delivery.attempts, 8, 1, 100),
      backoffSeconds,
      maxBackoffSeconds,
      timeoutSeconds: decimal('alerts.delivery.timeoutSeconds', delivery.timeoutSeconds, 10, 0.1, 120),
    },
  };
}

/** The origin of a target's URL, for logs (the path of a Slack URL is its secret). */
export function targetOrigin(target: AlertTarget): string {
  try {
    return new URL(target.url).origin;
  } catch {
    return '(invalid URL)';
  }
}
