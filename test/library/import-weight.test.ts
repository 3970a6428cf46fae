/**
 * What importing each library entry loads, seen from a real consumer: a child process in a temp folder
 * whose node_modules/callpulse links to this package imports the entry by its package name, with a module
 * resolve hook (module.register) that logs every module resolved, and the CommonJS module cache read after.
 * The main entry must load no web framework, no database driver, no dashboard, no third-party package at
 * all; and no entry may have side effects (output, files, open handles).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/test-server.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;

const PROBE = `
import { register, createRequire } from 'node:module';
const [log, entry] = process.argv.slice(2);
register('./hooks.mjs', import.meta.url, { data: { log } });
const resourcesBefore = process.getActiveResourcesInfo().sort();
const exported = Object.keys(await import(entry)).sort();
const resourcesAfter = process.getActiveResourcesInfo().sort();
const cjs = Object.keys(createRequire(import.meta.url).cache);
process.send({ exported, cjs, resourcesBefore, resourcesAfter }, () => process.exit(0));
`;

interface Probe {
  /** Every module URL the ESM resolver returned while importing the entry. */
  resolved: string[];
  /** Every file in the CommonJS module cache after the import. */
  cjs: string[];
  exported: string[];
  resourcesBefore: string[];
  resourcesAfter: string[];
  stdout: string;
  stderr: string;
  /** What the consumer's folder holds after the import. */
  files: string[];
}

describe('importing the library entries', () => {
  let dir: string;
  let cleanup: () => void;
  before(() => {
    ({ dir, cleanup } = tempDir('callpulse-consumer-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PACKAGE_ROOT, join(dir, 'node_modules', 'callpulse'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    writeFileSync(join(dir, 'probe.mjs'), PROBE);
  });
  after(() => cleanup());

  async function probe(entry: string): Promise<Probe> {
    const log = join(dir, `resolved-${entry.replace(/\W/g, '_')}.log`);
    writeFileSync(log, '');
    const child = spawn(process.execPath, ['probe.mjs', log, entry], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const message = new Promise<Omit<Probe, 'resolved' | 'stdout' | 'stderr' | 'files'>>((resolve) => child.once('message', resolve as never));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `the probe failed: ${stderr}`);
    const files = readdirSync(dir).filter((name) => !name.startsWith('resolved-')).sort();
    return { ...(await message), resolved: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout, stderr, files };
  }

  const distUrl = pathToFileURL(join(PACKAGE_ROOT, 'dist/src/')).href;
  const ours = (url: string): string => url.slice(distUrl.length);
  const thirdParty = (urls: string[]): string[] => urls.filter((url) => url.includes('/node_modules/') && !url.startsWith(distUrl));
  const packagesIn = (urls: string[]): string[] =>
    [...new Set(thirdParty(urls).map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? url))].sort();

  function assertNoSideEffects(result: Probe): void {
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, '');
    const count = (list: string[]): Map<string, number> => list.reduce((map, kind) => map.set(kind, (map.get(kind) ?? 0) + 1), new Map<string, number>());
    const before = count(result.resourcesBefore);
    for (const [kind, n] of count(result.resourcesAfter)) {
      assert.ok(n <= (before.get(kind) ?? 0), `the import left ${kind} open (no timer, socket, file or worker may be)`);
    }
    assert.deepEqual(result.files, ['hooks.mjs', 'node_modules', 'package.json', 'probe.mjs'], 'no file or folder created');
  }

  function assertOnlyLibraryCode(result: Probe): void {
    const loaded = result.resolved.filter((url) => url.startsWith(distUrl)).map(ours);
    assert.ok(loaded.includes('library/index.js') || loaded.some((file) => file.startsWith('library/')), 'the entry itself was resolved');
    for (const file of loaded) {
      assert.doesNotMatch(file, /^(dashboard|store|cli|metrics|config)\/|^server\.js$|^http\/(app|routes\/)/, `${file} must not load with the library entry`);
    }
    assert.deepEqual(packagesIn(result.resolved), [], 'no third-party package is resolved');
    assert.deepEqual(packagesIn(result.cjs.map((path) => pathToFileURL(path).href)), [], 'no third-party package in the CommonJS cache');
  }

  it("'callpulse' loads no framework, no database driver, no dashboard, no third-party package, and has no side effects", async () => {
    const result = await probe('callpulse');
    assert.ok(result.resolved.some((url) => url.endsWith('/dist/src/library/index.js')), 'resolved through the package exports');
    assert.ok(result.exported.includes('verifySignalWireSignature') && result.exported.includes('createWebHandler'));
    assertOnlyLibraryCode(result);
    assertNoSideEffects(result);
  });

  it("'callpulse/express' and 'callpulse/fastify' do not load Express or Fastify themselves", async () => {
    for (const entry of ['callpulse/express', 'callpulse/fastify']) {
      const result = await probe(entry);
      assertOnlyLibraryCode(result);
      assertNoSideEffects(result);
    }
  });

  it("'callpulse/store' loads the SQLite driver (so the probe does see drivers), but no framework or dashboard", async () => {
    const result = await probe('callpulse/store');
    const packages = [...new Set([...packagesIn(result.resolved), ...packagesIn(result.cjs.map((path) => pathToFileURL(path).href))])];
    assert.ok(packages.includes('better-sqlite3'), `better-sqlite3 among ${packages.join(', ')}`);
    for (const framework of ['fastify', 'express', 'hono', 'uplot', 'pino']) assert.ok(!packages.includes(framework), `${framework} must not load`);
    assert.ok(!result.resolved.some((url) => url.includes('/dist/src/dashboard/') || url.includes('/dist/dashboard/')));
    assert.deepEqual(result.exported, ['createCallStore']);
    assertNoSideEffects(result);
  });
});
