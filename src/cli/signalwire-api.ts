/**
 * @module
 * What the commands that call SignalWire's REST API share: their options (`--space-url`, `--timeout`,
 * `--config`), their help lines, and the client built from the configuration. Retries are reported on
 * stderr so a slow run explains itself.
 */
import { loadConfig } from '../config/load.js';
import { requireSignalWireApi, type Config } from '../config/schema.js';
import { SignalWireRestClient } from '../signalwire/rest-client.js';
import type { OptionSpec } from './command.js';
import { parseDuration } from './durations.js';

/** The options of every command that calls the REST API. */
export const API_OPTIONS: OptionSpec = {
  'space-url': { type: 'string' },
  timeout: { type: 'string' },
  config: { type: 'string' },
};

export const API_OPTIONS_HELP = `  --space-url URL    the API's origin instead of https://$SIGNALWIRE_SPACE.signalwire.com (https, or http on loopback)
  --timeout LENGTH   time allowed for each request (default 15s); 429, 5xx and timeouts are retried 4 times
  --config FILE      configuration file (default: CALLPULSE_CONFIG, else ./callpulse.config.yaml if present)

Environment: SIGNALWIRE_SPACE, SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN (a token with the Numbers and Voice scopes).`;

/** The configuration (with `--db` when the command takes it) and a REST client for it. */
export function apiClientFrom(values: Record<string, unknown>): { config: Config; client: SignalWireRestClient } {
  const timeoutMs = values.timeout === undefined ? 15_000 : parseDuration('--timeout', String(values.timeout), 100, 600_000);
  const config = loadConfig({
    config: values.config as string | undefined,
    db: values.db as string | undefined,
    spaceUrl: values['space-url'] as string | undefined,
  });
  const api = requireSignalWireApi(config);
  const client = new SignalWireRestClient({
    ...api,
    timeoutMs,
    onRetry: ({ attempt, delayMs, reason }) =>
      process.stderr.write(`SignalWire: ${reason}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s\n`),
  });
  return { config, client };
}
