/**
 * @module
 * The validated configuration: its shape, its defaults, and the one validator that turns raw settings
 * (file + environment + flags, merged by load.ts) into a frozen Config or an error naming the key.
 */

import { alertsConfig, type AlertsConfig } from './alerts.js';
import { privacyConfig, retentionConfig, type PrivacyConfig, type RetentionConfig } from './data-policy.js';
import { ConfigError, decimal, flag, integer, mapping, optionalText, text } from './values.js';

export { ConfigError } from './values.js';

/** Where the default embedded database lives. */
export const DEFAULT_DB_PATH = './data/callpulse.db';

/** The whole configuration; frozen once validated and passed in, never read from process.env elsewhere. */
export interface Config {
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** The public origin (and path prefix) SignalWire calls, e.g. `https://cp.example.com`; null: from the request. */
    readonly publicUrl: string | null;
    /** Honour X-Forwarded-Proto/-Host (and X-Forwarded-For for access) from a reverse proxy. */
    readonly trustProxy: boolean;
    /** Allow starting without signing keys on a non-loopback address. */
    readonly insecure: boolean;
  };
  /** A file path for SQLite, or a postgres:// URL. */
  readonly database: string;
  readonly signing: {
    /** Keys that verify callbacks of any project not listed in `projects` (SIGNALWIRE_SIGNING_KEY). */
    readonly defaultKeys: readonly string[];
    /** Project (AccountSid) -> its keys; several during key rotation. */
    readonly projects: ReadonlyMap<string, readonly string[]>;
  };
  readonly api: {
    /** When set, the read API needs `Authorization: Bearer <token>`; otherwise it answers loopback clients only. */
    readonly token: string | null;
  };
  readonly ingest: {
    /** The most callbacks committed in one transaction. */
    readonly maxBatch: number;
  };
  readonly metrics: {
    /** Scored calls below this MOS count as poor quality. */
    readonly poorQualityBelow: number;
    /** Completed calls shorter than this many seconds are short calls. */
    readonly shortCallSeconds: number;
  };
  /** The SignalWire Compatibility REST API (numbers, reconcile); each is null until set. */
  readonly signalwire: {
    /** The API origin: `https://{space}.signalwire.com` (SIGNALWIRE_SPACE), or `--space-url`. */
    readonly spaceUrl: string | null;
    /** The Project ID: the Basic-auth user and the `{AccountSid}` of every path (SIGNALWIRE_PROJECT_ID). */
    readonly projectId: string | null;
    /** The API token: the Basic-auth password (SIGNALWIRE_API_TOKEN). Never printed or logged. */
    readonly apiToken: string | null;
  };
  /** Green/amber/red colours of the wallboard's figures (and the dashboard's success-rate target line). */
  readonly wallboard: {
    /** Success rate as a fraction (0.9 = 90 %). */
    readonly successRate: Thresholds;
    /** Mean MOS, 1 to 5. */
    readonly mos: Thresholds;
  };
  /** The Prometheus exporter at /metrics. */
  readonly prometheus: {
    /** The busiest called numbers get their own `number` label; the others are summed as `other`. */
    readonly topNumbers: number;
    /** A bearer token that may read /metrics (besides the API token): CALLPULSE_METRICS_TOKEN. */
    readonly token: string | null;
  };
  readonly alerts: AlertsConfig;
  readonly retention: RetentionConfig;
  readonly privacy: PrivacyConfig;
  readonly logLevel: string;
}

/** What the REST client needs, all present (see {@link requireSignalWireApi}). */
export interface SignalWireApiSettings {
  readonly spaceUrl: string;
  readonly projectId: string;
  readonly apiToken: string;
}

/** A figure at or above `green` shows green, at or above `amber` amber, below `amber` red. */
export interface Thresholds {
  readonly green: number;
  readonly amber: number;
}

/** The default wallboard thresholds: 90 %/80 % success; MOS 4.03 (good band) and 3.60 (fair band). */
export const DEFAULT_WALLBOARD = {
  successRate: { green: 0.9, amber: 0.8 },
  mos: { green: 4.03, amber: 3.6 },
} as const;

/** Raw settings after merging sources: every value as found (strings from env and flags, anything from YAML). */
export interface RawSettings {
  host?: unknown;
  port?: unknown;
  publicUrl?: unknown;
  trustProxy?: unknown;
  insecure?: unknown;
  database?: unknown;
  signingKey?: unknown;
  projectKeys?: unknown;
  apiToken?: unknown;
  maxBatch?: unknown;
  poorQualityBelow?: unknown;
  shortCallSeconds?: unknown;
  /** The file's `wallboard` section as found. */
  wallboard?: unknown;
  /** The file's `prometheus`, `alerts`, `retention` and `privacy` sections as found (env:NAME references resolved). */
  prometheus?: unknown;
  alerts?: unknown;
  retention?: unknown;
  privacy?: unknown;
  /** CALLPULSE_PRIVACY_KEY and CALLPULSE_METRICS_TOKEN. */
  privacyKey?: unknown;
  metricsToken?: unknown;
  logLevel?: unknown;
  /** SIGNALWIRE_SPACE or signalwire.space: `example`, `example.signalwire.com` or `https://example.signalwire.com`. */
  space?: unknown;
  /** `--space-url`: an origin that replaces the space's (a local fake in tests, a proxy). */
  spaceUrl?: unknown;
  projectId?: unknown;
  swApiToken?: unknown;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function publicUrl(key: string, value: unknown): string | null {
  const url = optionalText(key, value);
  if (url === null) return null;
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(url)) {
    throw new ConfigError(key, `must be an http(s) origin with an optional path, like https://cp.example.com, got "${url}"`);
  }
  return url.replace(/\/+$/, '');
}

function keyList(key: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new ConfigError(key, 'must list at least one signing key');
  return list.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new ConfigError(`${key}[${i}]`, 'must be a non-empty string (the key itself, resolved from env:NAME by load.ts)');
    }
    return item;
  });
}

function projectKeys(key: string, value: unknown): Map<string, string[]> {
  const projects = new Map<string, string[]>();
  if (value === undefined || value === null) return projects;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(key, 'must map each project (AccountSid) to a key or a list of keys');
  }
  for (const [project, keys] of Object.entries(value)) projects.set(project, keyList(`${key}.${project}`, keys));
  return projects;
}

/** True for a loopback host name or address (where plain http cannot leak credentials). */
function isLoopbackHost(host: string): boolean {
  const plain = host.replace(/^\[|\]$/g, '');
  return plain === 'localhost' || plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/** The REST API origin: `--space-url` as given (https, or http on loopback), else built from the space name. */
function spaceOrigin(space: unknown, spaceUrl: unknown): string | null {
  const override = optionalText('--space-url', spaceUrl);
  if (override !== null) {
    let url: URL;
    try {
      url = new URL(override);
    } catch {
      throw new ConfigError('--space-url', `must be a URL like https://example.signalwire.com, got "${override}"`);
    }
    const bare = url.pathname.replace(/\/+$/, '') === '' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    if (!bare || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError('--space-url', `must be an https origin with no path, like https://example.signalwire.com, got "${override}"`);
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new ConfigError('--space-url', `must use https unless it is a loopback address (the API token is sent with every request), got "${override}"`);
    }
    return url.origin;
  }
  const name = optionalText('SIGNALWIRE_SPACE', space);
  if (name === null) return null;
  const host = name.trim().replace(/^https:\/\//i, '').replace(/\/+$/, '').toLowerCase();
  const match = /^([a-z0-9][a-z0-9-]*)(\.signalwire\.com)?$/.exec(host);
  if (!match) {
    throw new ConfigError('SIGNALWIRE_SPACE', `must be your space name, like example for example.signalwire.com, got "${name}"`);
  }
  return `https://${match[1]}.signalwire.com`;
}

function projectId(value: unknown): string | null {
  const id = optionalText('SIGNALWIRE_PROJECT_ID', value);
  if (id !== null && !/^[A-Za-z0-9-]{1,64}$/.test(id)) {
    throw new ConfigError('SIGNALWIRE_PROJECT_ID', 'must be the Project ID shown in your SignalWire dashboard (letters, digits and dashes, like a UUID)');
  }
  return id;
}

/**
 * The REST API settings, all present, or a ConfigError naming the first one missing (never its value).
 */
export function requireSignalWireApi(config: Config): SignalWireApiSettings {
  const { spaceUrl, projectId: id, apiToken } = config.signalwire;
  if (spaceUrl === null) {
    throw new ConfigError('SIGNALWIRE_SPACE', 'is not set: give your space name (example for example.signalwire.com), signalwire.space in the config file, or --space-url');
  }
  if (id === null) throw new ConfigError('SIGNALWIRE_PROJECT_ID', 'is not set: give the Project ID from your SignalWire dashboard (API page), or signalwire.projectId in the config file');
  if (apiToken === null) throw new ConfigError('SIGNALWIRE_API_TOKEN', 'is not set: create an API token with the Numbers and Voice scopes in your SignalWire dashboard (API page)');
  return { spaceUrl, projectId: id, apiToken };
}

function thresholds(key: string, value: unknown, defaults: Thresholds, min: number, max: number): Thresholds {
  const given = mapping(key, value, ['green', 'amber']);
  const green = decimal(`${key}.green`, given.green, defaults.green, min, max);
  const amber = decimal(`${key}.amber`, given.amber, Math.min(defaults.amber, green), min, max);
  if (amber > green) throw new ConfigError(`${key}.amber`, `must be at most ${key}.green (${green}), got ${amber}`);
  return { green, amber };
}

function wallboard(value: unknown): Config['wallboard'] {
  const given = mapping('wallboard', value, ['successRate', 'mos']);
  return {
    successRate: thresholds('wallboard.successRate', given.successRate, DEFAULT_WALLBOARD.successRate, 0, 1),
    mos: thresholds('wallboard.mos', given.mos, DEFAULT_WALLBOARD.mos, 1, 5),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Map)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Validates merged raw settings into a frozen Config; throws a ConfigError naming the first bad key. */
export function validateConfig(raw: RawSettings): Config {
  const signingKey = optionalText('SIGNALWIRE_SIGNING_KEY', raw.signingKey);
  const logLevel = text('logLevel', raw.logLevel, 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  return deepFreeze({
    server: {
      host: text('server.host', raw.host, '127.0.0.1'),
      port: integer('server.port', raw.port, 3000, 0, 65535),
      publicUrl: publicUrl('server.publicUrl', raw.publicUrl),
      trustProxy: flag('server.trustProxy', raw.trustProxy),
      insecure: flag('server.insecure', raw.insecure),
    },
    database: text('database', raw.database, DEFAULT_DB_PATH),
    signing: {
      defaultKeys: signingKey === null ? [] : [signingKey],
      projects: projectKeys('signalwire.signingKeys', raw.projectKeys),
    },
    api: { token: optionalText('CALLPULSE_API_TOKEN', raw.apiToken) },
    ingest: { maxBatch: integer('ingest.maxBatch', raw.maxBatch, 1000, 1, 100_000) },
    metrics: {
      poorQualityBelow: decimal('metrics.poorQualityBelow', raw.poorQualityBelow, 3.6, 1, 5),
      shortCallSeconds: integer('metrics.shortCallSeconds', raw.shortCallSeconds, 10, 0, 86_400),
    },
    signalwire: {
      spaceUrl: spaceOrigin(raw.space, raw.spaceUrl),
      projectId: projectId(raw.projectId),
      apiToken: optionalText('SIGNALWIRE_API_TOKEN', raw.swApiToken),
    },
    wallboard: wallboard(raw.wallboard),
    prometheus: {
      topNumbers: integer('prometheus.topNumbers', mapping('prometheus', raw.prometheus, ['topNumbers']).topNumbers, 20, 0, 1000),
      token: optionalText('CALLPULSE_METRICS_TOKEN', raw.metricsToken),
    },
    alerts: alertsConfig(raw.alerts),
    retention: retentionConfig(raw.retention),
    privacy: privacyConfig(raw.privacy, raw.privacyKey),
    logLevel,
  });
}

/** True when the configuration has at least one signing key (callbacks are verified). */
export function hasSigningKeys(config: Config): boolean {
  return config.signing.defaultKeys.length > 0 || config.signing.projects.size > 0;
}
