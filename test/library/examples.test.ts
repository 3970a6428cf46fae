/**
 * The runnable examples (examples/fastify.js, express.js, hono.js), each started as a real child process on
 * a free port: a callback signed by the independent signer is answered 200 and reaches the example's code
 * (its log line), a tampered one 403; the Fastify example's summary counts the stored call; SIGTERM ends each
 * with exit code 0; and without a signing key each refuses to start.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { formBody, signForm, signUrl } from '../helpers/independent-signer.js';
import { callbackFields, tempDir, WEBHOOK } from '../helpers/test-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KEY = 'PSK_example_key';

interface Running {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<number | string>;
}

function startExample(name: string, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [join('examples', `${name}.js`)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve({ child, baseUrl: match[1]!, output: () => output, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`examples/${name}.js exited (${code}) before listening:\n${output}`)));
  });
}

/** Resolves once the example's output matches `pattern` (it logs after answering, so wait for the line). */
async function outputMatching(running: Running, pattern: RegExp): Promise<string> {
  let ended = false;
  void running.exited.then(() => (ended = true));
  while (!pattern.test(running.output())) {
    if (ended) throw new Error(`the example ended without printing ${pattern}:\n${running.output()}`);
    await Promise.race([new Promise((resolve) => running.child.stdout!.once('data', resolve)), running.exited]);
  }
  return running.output();
}

for (const name of ['fastify', 'express', 'hono']) {
  describe(`examples/${name}.js`, () => {
    let running: Running;
    let cleanup: () => void;
    before(async () => {
      const temp = tempDir('callpulse-example-');
      cleanup = temp.cleanup;
      running = await startExample(name, { SIGNALWIRE_SIGNING_KEY: KEY, DATABASE: join(temp.dir, 'example.db') });
    });
    after(() => {
      running.child.kill('SIGKILL');
      cleanup();
    });

    it('answers a signed form callback 200 and hands the event to its code', async () => {
      const url = running.baseUrl + WEBHOOK;
      const params = Object.entries(callbackFields({ CallSid: `CA-example-${name}` }));
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(KEY, url, params) },
        body: formBody(params),
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { result: 'accepted', callSid: `CA-example-${name}` });
      const output = await outputMatching(running, new RegExp(`call CA-example-${name} completed`));
      assert.match(output, new RegExp(`call CA-example-${name} completed from \\+15551230001 42 s MOS 4\\.21`));
    });

    it('answers a signed GET callback 200 and a tampered one 403', async () => {
      const url = `${running.baseUrl + WEBHOOK}?${formBody(Object.entries(callbackFields({ CallSid: `CA-example-get-${name}` })))}`;
      const response = await fetch(url, { headers: { 'x-signalwire-signature': signUrl(KEY, url) } });
      assert.equal(response.status, 200);
      const tampered = await fetch(url.replace('CallDuration=42', 'CallDuration=4200'), { headers: { 'x-signalwire-signature': signUrl(KEY, url) } });
      assert.equal(tampered.status, 403);
      assert.equal(((await tampered.json()) as { code: string }).code, 'CP_ERR_SIGNATURE_INVALID');
    });

    if (name === 'fastify') {
      it('stores the calls: its summary counts them', async () => {
        const summary = (await (await fetch(`${running.baseUrl}/summary`)).json()) as { calls: number; completed: number; mos: { mean: number } };
        // two calls were sent, both on 2024-04-04, which is not in the last 24 hours: the summary must not count them
        assert.equal(summary.calls, 0);
        const recent = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
        const url = running.baseUrl + WEBHOOK;
        const params = Object.entries(callbackFields({ CallSid: 'CA-example-recent', Timestamp: recent, AudioInMos: '3.5' }));
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signForm(KEY, url, params) },
          body: formBody(params),
        });
        assert.equal(response.status, 200);
        const later = (await (await fetch(`${running.baseUrl}/summary`)).json()) as { calls: number; completed: number; mos: { mean: number } };
        assert.deepEqual([later.calls, later.completed, later.mos.mean], [1, 1, 3.5]);
      });
    }

    it('stops with exit code 0 on SIGTERM', async () => {
      running.child.kill('SIGTERM');
      assert.equal(await running.exited, 0);
    });
  });
}

describe('examples without a signing key', () => {
  for (const name of ['fastify', 'express', 'hono']) {
    it(`examples/${name}.js refuses to start and says why`, async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
      delete env.SIGNALWIRE_SIGNING_KEY;
      const child = spawn(process.execPath, [join('examples', `${name}.js`)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 2);
      assert.match(stderr, /Set SIGNALWIRE_SIGNING_KEY/);
    });
  }
});
