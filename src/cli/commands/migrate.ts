/**
 * @module
 * `callpulse migrate`: bring the database's schema up to date (SQLite file or PostgreSQL) and say what
 * was done. Every store also migrates when it opens; this lets an operator do it ahead of a deploy.
 */
import { loadConfig } from '../../config/load.js';
import { createStore } from '../../store/index.js';
import { DATA_OPTIONS, DATA_OPTIONS_HELP, type Command } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create or update the database schema (SQLite or PostgreSQL)',
  usage: `Usage: callpulse migrate [--db PATH|URL] [--config FILE]

Applies the schema migrations the database lacks and prints its schema version. Safe to run at any time
and from several machines at once: on PostgreSQL the migrations run under an advisory lock, in one
transaction. (serve, import and the other commands also migrate when they open the database.)

Options:
${DATA_OPTIONS_HELP}`,
  options: { ...DATA_OPTIONS },
  async run(values) {
    const config = loadConfig({ config: values.config as string | undefined, db: values.db as string | undefined });
    const store = await createStore(config.database);
    try {
      const { version, applied } = store.schema;
      process.stdout.write(
        applied.length === 0
          ? `${store.label}: schema already up to date at version ${version}.\n`
          : `${store.label}: applied ${applied.length} migration(s) (${applied.join('; ')}); schema now at version ${version}.\n`,
      );
    } finally {
      await store.close();
    }
    return 0;
  },
};
