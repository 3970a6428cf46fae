/**
 * Configuration: file, environment and flags merged in that order; every error names its key.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, requireSignalWireApi } from '../../src/config/schema.js';
import { tempDir } from '../helpers/test-server.js';

describe('loadConfig', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('defaults: loopback, port 3000, the embedded database, no keys', () => {
    const config = loadConfig({}, {});
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 3000);
    assert.equal(config.database, './data/callpulse.db');
    assert.deepEqual(config.signing.defaultKeys, []);
    assert.ok(Object.isFrozen(config.server));
  });

  it('flags override the environment, which overrides the file', () => {
    const path = file('a.yaml', 'server:\n  port: 4000\n  host: 127.0.0.2\ndatabase: from-file.db\n');
    const fromFile = loadConfig({ config: path }, {});
    assert.deepEqual([fromFile.server.port, fromFile.server.host, fromFile.database], [4000, '127.0.0.2', 'from-file.db']);
    const fromEnv = loadConfig({ config: path }, { PORT: '5000', DATABASE_URL: 'env.db' });
    assert.deepEqual([fromEnv.server.port, fromEnv.database], [5000, 'env.db']);
    const fromFlags = loadConfig({ config: path, port: '6000', db: 'flag.db' }, { PORT: '5000', DATABASE_URL: 'env.db' });
    assert.deepEqual([fromFlags.server.port, fromFlags.database], [6000, 'flag.db']);
  });

  it('per-project keys, with env: references resolved and rotation lists kept', () => {
    const path = file('keys.yaml', 'signalwire:\n  signingKeys:\n    AC-a: [env:KEY_A_NEW, env:KEY_A_OLD]\n    AC-b: literal-key-b\n');
    const config = loadConfig({ config: path }, { KEY_A_NEW: 'new', KEY_A_OLD: 'old' });
    assert.deepEqual(config.signing.projects.get('AC-a'), ['new', 'old']);
    assert.deepEqual(config.signing.projects.get('AC-b'), ['literal-key-b']);
  });

  it('names the key of every error', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['server:\n  prot: 1\n', {}, /^server\.prot is not a known setting/],
      ['serverr: {}\n', {}, /^serverr is not a known setting/],
      ['server:\n  port: 70000\n', {}, /^server\.port must be a whole number from 0 to 65535/],
      ['server:\n  publicUrl: ftp://x\n', {}, /^server\.publicUrl must be an http\(s\) origin/],
      ['signalwire:\n  signingKeys:\n    AC-a: env:MISSING\n', {}, /^signalwire\.signingKeys\.AC-a refers to environment variable MISSING, which is not set/],
      ['signalwire:\n  signingKeys:\n    AC-a: []\n', {}, /^signalwire\.signingKeys\.AC-a must list at least one signing key/],
      ['server: [1, 2\n', {}, /is not valid YAML/],
      ['', { TRUST_PROXY: 'maybe' }, /^server\.trustProxy must be true or false/],
    ];
    for (const [text, env, message] of cases) {
      const path = file('bad.yaml', text);
      assert.throws(() => loadConfig({ config: path }, env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
  });

  it('SignalWire REST settings: the space becomes its https origin, --space-url replaces it, each missing one is named', () => {
    for (const space of ['example', 'example.signalwire.com', 'https://Example.signalwire.com/']) {
      const config = loadConfig({}, { SIGNALWIRE_SPACE: space, SIGNALWIRE_PROJECT_ID: 'b3877c40-da60-4998-90ad-b792e98472af', SIGNALWIRE_API_TOKEN: 'PT-secret' });
      assert.deepEqual(requireSignalWireApi(config), {
        spaceUrl: 'https://example.signalwire.com', projectId: 'b3877c40-da60-4998-90ad-b792e98472af', apiToken: 'PT-secret',
      });
    }
    const fromFile = loadConfig({ config: file('sw.yaml', 'signalwire:\n  space: acme\n  projectId: p-1\n') }, { SIGNALWIRE_API_TOKEN: 't' });
    assert.equal(fromFile.signalwire.spaceUrl, 'https://acme.signalwire.com');
    assert.equal(fromFile.signalwire.projectId, 'p-1');
    const local = loadConfig({ spaceUrl: 'http://127.0.0.1:4567/' }, { SIGNALWIRE_SPACE: 'acme' });
    assert.equal(local.signalwire.spaceUrl, 'http://127.0.0.1:4567');

    const missing: Array<[Record<string, string>, RegExp]> = [
      [{}, /^SIGNALWIRE_SPACE is not set/],
      [{ SIGNALWIRE_SPACE: 'acme' }, /^SIGNALWIRE_PROJECT_ID is not set/],
      [{ SIGNALWIRE_SPACE: 'acme', SIGNALWIRE_PROJECT_ID: 'p' }, /^SIGNALWIRE_API_TOKEN is not set/],
    ];
    for (const [env, message] of missing) {
      assert.throws(() => requireSignalWireApi(loadConfig({}, env)), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
    const bad: Array<[Record<string, string | undefined>, Record<string, string>, RegExp]> = [
      [{}, { SIGNALWIRE_SPACE: 'not a space' }, /^SIGNALWIRE_SPACE must be your space name/],
      [{}, { SIGNALWIRE_PROJECT_ID: 'a/b' }, /^SIGNALWIRE_PROJECT_ID must be the Project ID/],
      [{ spaceUrl: 'http://api.example.com' }, {}, /^--space-url must use https unless it is a loopback address/],
      [{ spaceUrl: 'https://example.signalwire.com/api' }, {}, /^--space-url must be an https origin with no path/],
      [{ spaceUrl: 'nonsense' }, {}, /^--space-url must be a URL/],
    ];
    for (const [overrides, env, message] of bad) {
      assert.throws(() => loadConfig(overrides, env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
  });

  it('an API token never appears in an error', () => {
    const secret = 'PT-do-not-print-0123456789';
    try {
      requireSignalWireApi(loadConfig({}, { SIGNALWIRE_API_TOKEN: secret, SIGNALWIRE_PROJECT_ID: 'p' }));
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.doesNotMatch(error.message, /do-not-print/);
    }
  });
});
