/**
 * @module
 * `callpulse numbers list|configure`: see where each incoming number sends its status callbacks, and point
 * the chosen numbers at our webhook through SignalWire's REST API (idempotent, verified by reading back).
 */
import { WEBHOOK_PATH } from '../../http/webhook-handler.js';
import {
  CALLBACK_METHODS, callbackUrlProblem, configureNumbers, listIncomingNumbers, pointsAt, selectNumbers,
  type CallbackMethod, type ConfigureResult, type IncomingNumber,
} from '../../signalwire/numbers.js';
import { UsageError, type Command } from '../command.js';
import { API_OPTIONS, API_OPTIONS_HELP, apiClientFrom } from '../signalwire-api.js';
import { renderTable } from '../table.js';

type Values = Record<string, string | boolean | string[] | undefined>;

/** Ours when it is the URL given (or PUBLIC_URL's webhook); with neither, when its path is our webhook's. */
function oursTest(url: string | null): (n: IncomingNumber) => boolean {
  if (url !== null) return (n) => pointsAt(n, { url });
  return (n) => {
    try {
      return new URL(n.statusCallback).pathname === WEBHOOK_PATH;
    } catch {
      return false;
    }
  };
}

async function list(values: Values): Promise<number> {
  const { config, client } = apiClientFrom(values);
  const given = values.url as string | undefined;
  const url = given ?? (config.server.publicUrl === null ? null : config.server.publicUrl + WEBHOOK_PATH);
  const numbers = await listIncomingNumbers(client);
  const ours = oursTest(url);
  if (values.format === 'json') {
    process.stdout.write(JSON.stringify({ url, numbers: numbers.map((n) => ({ ...n, ours: ours(n) })) }, null, 2) + '\n');
    return 0;
  }
  if (numbers.length === 0) {
    process.stdout.write('This project has no incoming numbers.\n');
    return 0;
  }
  const rows = numbers.map((n) => [n.phoneNumber, n.sid, n.statusCallback || '(none)', n.statusCallbackMethod, ours(n) ? 'yes' : 'NO']);
  process.stdout.write(renderTable(['number', 'sid', 'status callback', 'method', 'ours'], rows));
  const others = numbers.filter((n) => !ours(n)).length;
  const where = url ?? `a URL ending in ${WEBHOOK_PATH} (give --url or set PUBLIC_URL to check the exact URL)`;
  process.stdout.write(`\n${numbers.length} number(s); ${others} do not send their status callbacks to ${where}.\n`);
  return 0;
}

function resultRow(result: ConfigureResult): string[] {
  const outcome = result.outcome === 'failed' ? `FAILED: ${result.detail ?? ''}` : result.outcome;
  return [result.number.phoneNumber, result.number.sid, outcome];
}

async function configure(values: Values): Promise<number> {
  const url = values.url as string | undefined;
  if (url === undefined) throw new UsageError(`numbers configure needs --url, e.g. --url https://calls.example.com${WEBHOOK_PATH}`);
  const problem = callbackUrlProblem(url, values['allow-http'] === true);
  if (problem !== null) throw new UsageError(problem);
  const method = ((values.method as string | undefined) ?? 'POST').toUpperCase();
  if (!(CALLBACK_METHODS as readonly string[]).includes(method)) throw new UsageError(`--method must be POST or GET, got "${String(values.method)}"`);
  const wanted = (values.number as string[] | undefined) ?? [];
  const all = values.all === true;
  if (all && wanted.length > 0) throw new UsageError('give either --all or --number, not both');
  if (!all && wanted.length === 0) throw new UsageError('say which numbers to configure: --number +1... (repeatable) or --all');
  const dryRun = values['dry-run'] === true;

  const { client } = apiClientFrom(values);
  const chosen = selectNumbers(await listIncomingNumbers(client), wanted, all);
  const target = { url, method: method as CallbackMethod };
  const results = await configureNumbers(client, chosen, target, { dryRun });
  const count = (outcome: ConfigureResult['outcome']): number => results.filter((r) => r.outcome === outcome).length;
  const failed = count('failed');
  if (values.format === 'json') {
    const rows = results.map((r) => ({ phoneNumber: r.number.phoneNumber, sid: r.number.sid, outcome: r.outcome, ...(r.detail ? { detail: r.detail } : {}) }));
    process.stdout.write(JSON.stringify({ target, dryRun, results: rows }, null, 2) + '\n');
  } else {
    process.stdout.write(renderTable(['number', 'sid', 'result'], results.map(resultRow)));
    process.stdout.write(
      dryRun
        ? `\n--dry-run: ${count('would update')} would be pointed at ${method} ${url}; ${count('unchanged')} already are. Nothing was changed.\n`
        : `\n${count('updated')} updated and verified, ${count('unchanged')} already right, ${failed} failed.\n`,
    );
  }
  if (failed > 0) {
    process.stderr.write(`callpulse numbers: ${failed} number(s) could not be configured; see the table above.\n`);
    return 1;
  }
  return 0;
}

export const numbersCommand: Command = {
  name: 'numbers',
  summary: 'list incoming numbers and point their status callbacks at callpulse',
  usage: `Usage: callpulse numbers list [--url URL] [--format table|json]
       callpulse numbers configure --url URL (--number +1... [--number ...] | --all) [--method POST|GET]
                                   [--dry-run] [--allow-http] [--format table|json]

list        every incoming number of the project with its StatusCallback and method; "ours" says whether
            it points at --url (default: PUBLIC_URL + ${WEBHOOK_PATH})
configure   sets StatusCallback and StatusCallbackMethod on the chosen numbers; numbers already right are
            left alone, each update is read back to verify it; running it twice changes nothing

Options:
  --url URL          our webhook, e.g. https://calls.example.com${WEBHOOK_PATH} (https unless --allow-http)
  --number NUMBER    with configure: a number to configure, in E.164 (repeat for several)
  --all              with configure: every incoming number of the project
  --method METHOD    with configure: POST (default) or GET
  --dry-run          with configure: show what would change, change nothing
  --allow-http       with configure: accept an http:// URL (callbacks then travel unencrypted)
  --format FORMAT    table (default) or json
${API_OPTIONS_HELP}`,
  options: {
    ...API_OPTIONS,
    url: { type: 'string' },
    number: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    method: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'allow-http': { type: 'boolean' },
    format: { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const [action, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`numbers takes one action, got "${extra}" too`);
    if (values.format !== undefined && values.format !== 'table' && values.format !== 'json') {
      throw new UsageError(`--format must be table or json, got "${String(values.format)}"`);
    }
    if (action === 'list') {
      for (const flag of ['number', 'all', 'method', 'dry-run', 'allow-http']) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to numbers configure, not numbers list`);
      }
      return list(values);
    }
    if (action === 'configure') return configure(values);
    throw new UsageError(action === undefined ? 'numbers needs an action: list or configure' : `unknown numbers action "${action}"; use list or configure`);
  },
};
