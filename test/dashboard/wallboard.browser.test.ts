/**
 * The wallboard in real headless Chromium against the real `callpulse serve` process: today's and the
 * last 15 minutes' figures equal hand counts and /api/v1/summary, coloured by the thresholds of the
 * configuration file; after the server is stopped and started again on the same port and database file,
 * the page reconnects by itself and shows a call sent to the new process. Screenshot at 1920×1080.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotPath, SKIP_WITHOUT_CHROMIUM } from '../helpers/browser.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { callbackFields, postSignedCallback, tempDir, WEBHOOK } from '../helpers/test-server.js';

const KEY = 'wallboard-key';
/** Success green at 80 %, amber at 60 %; MOS green at 4.00, amber at 3.50. */
const CONFIG = 'wallboard:\n  successRate: { green: 0.8, amber: 0.6 }\n  mos: { green: 4.0, amber: 3.5 }\n';

/** [minutes ago, status, MOS] */
const CALLS: Array<[number, string, string]> = [
  [2, 'completed', '4.20'],
  [5, 'failed', ''],
  [40, 'completed', '3.00'],
  [50, 'completed', '3.60'],
];

function level(value: number | null, green: number, amber: number): string {
  if (value === null) return 'none';
  return value >= green ? 'green' : value >= amber ? 'amber' : 'red';
}

/** The figures of the calls since `from`, counted here by hand from the list above. */
function expected(calls: Array<[number, string, string]>, sentAt: number, from: number) {
  const inRange = calls.filter(([minutes]) => sentAt - minutes * 60_000 >= from);
  const completed = inRange.filter(([, status]) => status === 'completed').length;
  const scores = inRange.filter(([, , mos]) => mos !== '').map(([, , mos]) => Number(mos));
  const success = inRange.length === 0 ? null : completed / inRange.length;
  const mos = scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
  return {
    calls: String(inRange.length),
    success: success === null ? '–' : `${(success * 100).toFixed(1)} %`,
    successLevel: level(success === null ? null : Math.round(success * 1000) / 1000, 0.8, 0.6),
    mos: mos === null ? '–' : mos.toFixed(2),
    mosLevel: level(mos === null ? null : Math.round(mos * 100) / 100, 4.0, 3.5),
  };
}

describe('wallboard in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'wallboard.db');
  const config = join(dir, 'callpulse.config.yaml');
  const env = { SIGNALWIRE_SIGNING_KEY: KEY, LOG_LEVEL: 'info', CALLPULSE_API_TOKEN: '' };
  let server: ChildServer;
  let browser: Browser;
  let page: Page;
  let sentAt = 0;

  before(async () => {
    writeFileSync(config, CONFIG);
    server = await startChildServer(['--db', db, '--config', config], env);
    sentAt = Date.now();
    for (const [i, [minutes, CallStatus, AudioInMos]] of CALLS.entries()) {
      const fields = callbackFields({ CallSid: `CA-wall-${i}`, Timestamp: new Date(sentAt - minutes * 60_000).toISOString(), CallStatus, CallDuration: CallStatus === 'completed' ? '30' : '0', AudioInMos });
      assert.equal((await postSignedCallback(server.baseUrl + WEBHOOK, KEY, fields)).status, 200);
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, timezoneId: 'UTC' });
    await page.goto(`${server.baseUrl}/wallboard?tz=UTC`);
    await page.waitForSelector('body[data-loaded]');
  });
  after(async () => {
    await browser?.close();
    if (server && server.process.exitCode === null) {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    cleanup();
  });

  async function figure(id: string): Promise<{ text: string; level: string; verdict: string }> {
    const locator = page.locator(`#${id}`);
    return {
      text: await locator.locator('.big').innerText(),
      level: (await locator.getAttribute('data-level')) ?? '',
      verdict: await locator.locator('.verdict').innerText(),
    };
  }

  it('today and the last 15 minutes: hand-counted figures, equal to the summary API, coloured by the configured thresholds', async () => {
    const midnight = new Date(new Date(sentAt).toISOString().slice(0, 10) + 'T00:00:00Z').getTime();
    const periods = [
      { prefix: 'today', want: expected(CALLS, sentAt, midnight), api: `/api/v1/summary?from=${new Date(midnight).toISOString()}` },
      { prefix: 'last15', want: expected(CALLS, sentAt, sentAt - 15 * 60_000), api: '/api/v1/summary?since=15m' },
    ];
    assert.deepEqual(periods[1]!.want, { calls: '2', success: '50.0 %', successLevel: 'red', mos: '4.20', mosLevel: 'green' });
    for (const { prefix, want, api } of periods) {
      assert.equal((await figure(`${prefix}-calls`)).text, want.calls, prefix);
      const success = await figure(`${prefix}-success`);
      assert.deepEqual([success.text, success.level], [want.success, want.successLevel], prefix);
      const mos = await figure(`${prefix}-mos`);
      assert.deepEqual([mos.text, mos.level], [want.mos, want.mosLevel], prefix);
      const summary = (await (await fetch(server.baseUrl + api)).json()) as { calls: number };
      assert.equal(String(summary.calls), want.calls, `${prefix} equals the API`);
    }
    assert.equal((await figure('last15-success')).verdict, '✕ critical', 'the colour is also written');
    assert.equal((await figure('last15-mos')).verdict, '✓ on target');
    assert.equal(await page.locator('#wb-status').innerText(), 'Live');
    const overflow = await page.evaluate(() => [document.documentElement.scrollWidth > innerWidth, document.documentElement.scrollHeight > innerHeight]);
    assert.deepEqual(overflow, [false, false], 'fits 1920×1080 without scrolling');
    await page.screenshot({ path: screenshotPath('wallboard.png') });
  });

  it('reconnects by itself after the server restarts on the same port and file, and shows new calls', async () => {
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const port = new URL(server.baseUrl).port;
    server.process.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    await page.waitForFunction(() => document.body.classList.contains('stale'), undefined, { timeout: 15_000 });
    assert.match(await page.locator('#wb-status').innerText(), /^Reconnecting…/);
    server = await startChildServer(['--db', db, '--config', config, '--port', port], env);
    assert.equal(server.baseUrl, `http://127.0.0.1:${port}`);
    await page.waitForFunction(() => document.getElementById('wb-status')?.textContent === 'Live', undefined, { timeout: 20_000 });
    const fields = callbackFields({ CallSid: 'CA-wall-after', Timestamp: new Date(Date.now() - 60_000).toISOString(), CallStatus: 'completed', CallDuration: '30', AudioInMos: '4.40' });
    assert.equal((await postSignedCallback(server.baseUrl + WEBHOOK, KEY, fields)).status, 200);
    await page.waitForFunction(() => document.querySelector('#last15-calls .big')?.textContent === '3', undefined, { timeout: 15_000 });
    // Last 15 minutes now: 3 calls, 2 completed (66.7 %, amber); MOS 4.20 and 4.40 (4.30, green).
    assert.deepEqual([(await figure('last15-success')).text, (await figure('last15-success')).level], ['66.7 %', 'amber']);
    assert.deepEqual([(await figure('last15-mos')).text, (await figure('last15-mos')).level], ['4.30', 'green']);
    assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'no reload');
    assert.equal(await page.evaluate(() => document.body.classList.contains('stale')), false);
  });
});
