/**
 * @module
 * What a CLI command is, how its arguments are parsed (node:util parseArgs), and the usage error.
 * Every command gets `--help`; an unknown or malformed option is a one-sentence error (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error in how the command was called: printed as one sentence, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A command: its name, a one-line summary, its help text, its options, and what it does (returns the exit code). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Whether the command takes positional arguments (otherwise they are a usage error). */
  positionals?: boolean;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}

/** The options every command that reads or writes data takes. */
export const DATA_OPTIONS: OptionSpec = {
  db: { type: 'string' },
  config: { type: 'string' },
};

export const DATA_OPTIONS_HELP = `  --db PATH|URL      SQLite file or postgres:// URL (default: DATABASE_URL, else ./data/callpulse.db)
  --config FILE      configuration file (default: CALLPULSE_CONFIG, else ./callpulse.config.yaml if present)`;

/** Parses a command's arguments strictly; `--help` is handled by the caller. */
export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (!command.positionals && parsed.positionals.length > 0) {
      throw new UsageError(`${command.name} takes no argument "${parsed.positionals[0]}"; see callpulse ${command.name} --help`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, '').replace(/\.$/, '');
    throw new UsageError(`${message}; see callpulse ${command.name} --help`);
  }
}
