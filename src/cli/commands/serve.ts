/**
 * @module
 * `callpulse serve`: run the receiver, API and dashboard until SIGTERM/SIGINT.
 */
import { loadConfig } from '../../config/load.js';
import { runServer } from '../../server.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, type Command } from '../command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'receive SignalWire call status callbacks and serve the API',
  usage: `Usage: callpulse serve [--host 127.0.0.1] [--port 3000] [--db PATH] [--config FILE] [--public-url URL] [--insecure]

Receives incoming call status callbacks at POST|GET /webhooks/signalwire/call-status, verifies their
signatures, and stores them. Stops gracefully on SIGTERM or Ctrl-C.

Options:
  --host ADDRESS     address to listen on (default: HOST, else 127.0.0.1)
  --port N           port to listen on (default: PORT, else 3000)
${DATA_OPTIONS_HELP}
  --public-url URL   the public origin SignalWire calls, e.g. https://cp.example.com (default: PUBLIC_URL)
  --insecure         allow listening on a non-loopback address without a signing key

Environment: SIGNALWIRE_SIGNING_KEY, CALLPULSE_API_TOKEN, TRUST_PROXY, PUBLIC_URL, HOST, PORT, DATABASE_URL, LOG_LEVEL.`,
  options: {
    ...DATA_OPTIONS,
    host: { type: 'string' },
    port: { type: 'string' },
    'public-url': { type: 'string' },
    insecure: { type: 'boolean' },
  },
  async run(values) {
    const config = loadConfig({
      config: values.config as string | undefined,
      db: values.db as string | undefined,
      host: values.host as string | undefined,
      port: values.port as string | undefined,
      publicUrl: values['public-url'] as string | undefined,
      insecure: values.insecure as boolean | undefined,
    });
    const code = await runServer(config);
    process.exit(code);
  },
};
