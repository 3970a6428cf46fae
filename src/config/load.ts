/**
 * @module
 * Loads the configuration: the YAML file (`--config`, else CALLPULSE_CONFIG, else ./callpulse.config.yaml
 * when present), then environment variables, then command-line flags, each overriding the one before;
 * validated once into a frozen Config. The only module that reads process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig, type Config, type RawSettings } from './schema.js';

/** Flags a command may pass; each overrides the file and the environment. */
export interface ConfigOverrides {
  config?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  db?: string | undefined;
  insecure?: boolean | undefined;
  publicUrl?: string | undefined;
  /** `--space-url`: the SignalWire REST API origin, instead of the one SIGNALWIRE_SPACE names. */
  spaceUrl?: string | undefined;
  /** A signing key that replaces SIGNALWIRE_SIGNING_KEY (the demo generates one per session). */
  signingKey?: string | undefined;
}

const DEFAULT_CONFIG_FILE = 'callpulse.config.yaml';

/** Which keys each section of the file may hold: anything else is a mistake worth naming. */
const FILE_SHAPE: Record<string, readonly string[] | null> = {
  server: ['host', 'port', 'publicUrl', 'trustProxy', 'insecure'],
  database: null,
  signalwire: ['signingKeys', 'space', 'projectId'],
  ingest: ['maxBatch'],
  metrics: ['poorQualityBelow', 'shortCallSeconds'],
  wallboard: ['successRate', 'mos'],
  // These sections check their own keys, deeper than two levels (config/alerts.ts, config/data-policy.ts).
  prometheus: null,
  alerts: null,
  retention: null,
  privacy: null,
  logLevel: null,
};

type FileSettings = Record<string, Record<string, unknown> | unknown>;

function readConfigFile(path: string): FileSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('--config', `names a file that cannot be read: ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, `is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(path, 'must hold a YAML mapping');
  for (const [section, value] of Object.entries(parsed)) {
    if (!(section in FILE_SHAPE)) throw new ConfigError(section, `is not a known setting (known: ${Object.keys(FILE_SHAPE).join(', ')})`);
    const keys = FILE_SHAPE[section];
    if (keys && value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        if (!keys.includes(key)) throw new ConfigError(`${section}.${key}`, `is not a known setting (known: ${keys.join(', ')})`);
      }
    }
  }
  return parsed as FileSettings;
}

function section(file: FileSettings, name: string): Record<string, unknown> {
  const value = file[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(name, 'must be a mapping');
  return value as Record<string, unknown>;
}

/** Replaces `env:NAME` key references by the variable's value, so secrets stay out of the file. */
function resolveKeyReferences(keys: unknown, env: NodeJS.ProcessEnv): unknown {
  if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) return keys;
  const resolveOne = (project: string, key: unknown): unknown => {
    if (typeof key !== 'string' || !key.startsWith('env:')) return key;
    const name = key.slice(4);
    const value = env[name];
    if (!value) throw new ConfigError(`signalwire.signingKeys.${project}`, `refers to environment variable ${name}, which is not set`);
    return value;
  };
  return Object.fromEntries(
    Object.entries(keys).map(([project, value]) => [
      project,
      Array.isArray(value) ? value.map((key) => resolveOne(project, key)) : resolveOne(project, value),
    ]),
  );
}

/**
 * Replaces every `env:NAME` string anywhere inside `value` by the variable's value, so secrets (webhook URLs,
 * header values, the privacy key) stay out of the file; an unset variable is an error naming the key.
 */
function resolveEnvReferences(value: unknown, key: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith('env:')) return value;
    const name = value.slice(4);
    const resolved = env[name];
    if (!resolved) throw new ConfigError(key, `refers to environment variable ${name}, which is not set`);
    return resolved;
  }
  if (Array.isArray(value)) return value.map((item, i) => resolveEnvReferences(item, `${key}[${i}]`, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, resolveEnvReferences(inner, `${key}.${name}`, env)]));
  }
  return value;
}

/** True when the file's privacy section turns privacy mode on (schema.ts validates the value itself). */
function privacyEnabled(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const on = (value as Record<string, unknown>).hashCallers;
  return on === true || (typeof on === 'string' && ['1', 'true', 'yes', 'on'].includes(on.trim().toLowerCase()));
}

function pick<T>(...values: T[]): T | undefined {
  return values.find((value) => value !== undefined && value !== null && value !== '');
}

/** Builds the Config from file, environment and flags; throws ConfigError naming the key on any problem. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const path = pick(overrides.config, env.CALLPULSE_CONFIG) ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const file = path === undefined ? {} : readConfigFile(path);
  const server = section(file, 'server');
  const signalwire = section(file, 'signalwire');
  const raw: RawSettings = {
    host: pick(overrides.host, env.HOST, server.host),
    port: pick(overrides.port, env.PORT, server.port),
    publicUrl: pick(overrides.publicUrl, env.PUBLIC_URL, server.publicUrl),
    trustProxy: pick(env.TRUST_PROXY, server.trustProxy),
    insecure: pick(overrides.insecure || undefined, server.insecure),
    database: pick(overrides.db, env.DATABASE_URL, file.database),
    signingKey: pick(overrides.signingKey, env.SIGNALWIRE_SIGNING_KEY),
    projectKeys: resolveKeyReferences(signalwire.signingKeys, env),
    apiToken: env.CALLPULSE_API_TOKEN,
    maxBatch: section(file, 'ingest').maxBatch,
    poorQualityBelow: section(file, 'metrics').poorQualityBelow,
    shortCallSeconds: section(file, 'metrics').shortCallSeconds,
    wallboard: file.wallboard,
    prometheus: file.prometheus,
    alerts: resolveEnvReferences(file.alerts, 'alerts', env),
    retention: file.retention,
    // The privacy key is only needed (and its variable only read) when privacy mode is on.
    privacy: privacyEnabled(file.privacy) ? resolveEnvReferences(file.privacy, 'privacy', env) : file.privacy,
    privacyKey: env.CALLPULSE_PRIVACY_KEY,
    metricsToken: env.CALLPULSE_METRICS_TOKEN,
    logLevel: pick(env.LOG_LEVEL, file.logLevel),
    space: pick(env.SIGNALWIRE_SPACE, signalwire.space),
    spaceUrl: overrides.spaceUrl,
    projectId: pick(env.SIGNALWIRE_PROJECT_ID, signalwire.projectId),
    swApiToken: env.SIGNALWIRE_API_TOKEN,
  };
  return validateConfig(raw);
}
