/**
 * @module
 * The `callpulse` command line: picks the command, handles `--help`, and turns every failure into
 * one sentence on stderr with a non-zero exit code (2 for usage errors, 1 otherwise).
 */
import { ConfigError } from '../config/schema.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';
import { alertsCommand } from './commands/alerts.js';
import { copyCommand } from './commands/copy.js';
import { demoCommand } from './commands/demo.js';
import { importCommand } from './commands/import.js';
import { migrateCommand } from './commands/migrate.js';
import { numbersCommand } from './commands/numbers.js';
import { quarantineCommand } from './commands/quarantine.js';
import { reconcileCommand } from './commands/reconcile.js';
import { reportCommand } from './commands/report.js';
import { retentionCommand } from './commands/retention.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';

const COMMANDS: readonly Command[] = [
  serveCommand, demoCommand, reportCommand, importCommand, quarantineCommand, numbersCommand, reconcileCommand, simulateCommand,
  alertsCommand, retentionCommand, migrateCommand, copyCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: callpulse <command> [options]

SignalWire incoming call status callbacks: verified, stored, and turned into call-center metrics.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "callpulse <command> --help" for a command's options.
`;
}

function oneSentence(error: unknown): string {
  if (error instanceof ConfigError) return `configuration error: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`callpulse: unknown command "${name}"; run "callpulse --help" for the list.\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      process.stdout.write(command.usage + '\n');
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    process.stderr.write(`callpulse ${name}: ${oneSentence(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
