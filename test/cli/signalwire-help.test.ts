/**
 * The SignalWire commands (demo, numbers, reconcile, simulate): listed in the overview, `--help` on each,
 * and each one documented in the README's Command line table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/child-server.js';

const COMMANDS = ['demo', 'numbers', 'reconcile', 'simulate'];
const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const COMMAND_LINE = README.slice(README.indexOf('## Command line'), README.indexOf('## Error codes'));

describe('SignalWire commands: help and documentation', () => {
  it('the overview lists them', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
  });

  for (const name of COMMANDS) {
    it(`${name} --help prints its usage and exits 0; the README's command table documents it`, async () => {
      const result = await runCli([name, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: callpulse ${name}`));
      assert.match(COMMAND_LINE, new RegExp(`^\\| \`callpulse ${name}[ \`]`, 'm'));
    });
  }
});
