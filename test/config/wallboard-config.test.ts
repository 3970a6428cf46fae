/**
 * The wallboard's green/amber/red thresholds from the configuration file: defaults, values read from the
 * file, and an error naming the key for every mistake.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema.js';
import { tempDir } from '../helpers/test-server.js';

describe('wallboard thresholds in the configuration', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  let n = 0;
  function file(text: string): string {
    const path = join(dir, `wallboard-${n++}.yaml`);
    writeFileSync(path, text);
    return path;
  }

  it('defaults: success 90 % green, 80 % amber; MOS 4.03 green, 3.60 amber', () => {
    const config = loadConfig({}, {});
    assert.deepEqual(config.wallboard, { successRate: { green: 0.9, amber: 0.8 }, mos: { green: 4.03, amber: 3.6 } });
    assert.ok(Object.isFrozen(config.wallboard.mos));
  });

  it('reads both pairs from the file; a lone green lowers the default amber to it', () => {
    const config = loadConfig({ config: file('wallboard:\n  successRate: { green: 0.97, amber: 0.93 }\n  mos:\n    green: 3.5\n') }, {});
    assert.deepEqual(config.wallboard, { successRate: { green: 0.97, amber: 0.93 }, mos: { green: 3.5, amber: 3.5 } });
  });

  it('names the key of every error', () => {
    const cases: Array<[string, RegExp]> = [
      ['wallboard:\n  succesRate: {}\n', /^wallboard\.succesRate is not a known setting \(known: successRate, mos\)/],
      ['wallboard:\n  mos: { green: 4, red: 3 }\n', /^wallboard\.mos\.red is not a known setting \(known: green, amber\)/],
      ['wallboard:\n  successRate: { green: 90 }\n', /^wallboard\.successRate\.green must be a number from 0 to 1, got 90/],
      ['wallboard:\n  mos: { green: 4.0, amber: 6 }\n', /^wallboard\.mos\.amber must be a number from 1 to 5, got 6/],
      ['wallboard:\n  mos: { green: 3.6, amber: 4.0 }\n', /^wallboard\.mos\.amber must be at most wallboard\.mos\.green \(3\.6\), got 4/],
      ['wallboard:\n  mos: high\n', /^wallboard\.mos must be a mapping with green and amber/],
      ['wallboard: 3\n', /^wallboard must be a mapping with successRate and mos/],
      ['wallboard:\n  successRate: { green: "x" }\n', /^wallboard\.successRate\.green must be a number/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => loadConfig({ config: file(text) }, {}), (error: unknown) => error instanceof ConfigError && message.test(error.message), text);
    }
  });
});
