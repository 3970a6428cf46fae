/**
 * The dashboard in real headless Chromium against a real server on a temp SQLite file: a known dataset
 * sent as signed callbacks, the page's tiles and tables read and compared with hand-computed figures and
 * with /api/v1/summary; a new callback updates the page without a reload (SSE); caller-controlled text
 * (`<img src=x onerror=alert(1)>`) shows literally and never runs; CSP and no inline scripts; keyboard
 * use; the token kept in sessionStorage; screenshots in test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotPath, SKIP_WITHOUT_CHROMIUM } from '../helpers/browser.js';
import { callbackFields, postSignedCallback, startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'dashboard-browser-key';
const XSS_FROM = '<img src=x onerror=alert(1)>';
const XSS_TO = '<script>alert(2)</script>';
const N1 = '+15550000001';
const N2 = '+15550000002';

/** [minutes ago, status, duration, MOS, To] — the last 24 hours, then the 24 hours before. */
const CURRENT: Array<[number, string, string, string, string]> = [
  [30, 'completed', '60', '4.40', N1],
  [120, 'completed', '120', '3.50', N1],
  [180, 'failed', '0', '', N2],
  [300, 'completed', '30', '4.10', N2],
  [600, 'busy', '', '', N1],
  [1200, 'completed', '5', '2.91', N1],
];
const PREVIOUS: Array<[number, string, string, string, string]> = [
  [1800, 'completed', '100', '4.00', N1],
  [2400, 'failed', '0', '', N2],
];

/** The page's ways of writing figures, re-done here independently. */
const pct = (rate: number): string => `${(rate * 100).toFixed(1)} %`;

describe('dashboard in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const problems: string[] = [];

  before(async () => {
    server = await startTestServer({ signingKey: KEY });
    const now = Date.now();
    let n = 0;
    for (const [minutes, CallStatus, CallDuration, AudioInMos, To] of [...CURRENT, ...PREVIOUS]) {
      const fields = callbackFields({
        CallSid: `CA-dash-${n++}`, Timestamp: new Date(now - minutes * 60_000).toISOString(), CallStatus, CallDuration, AudioInMos, To,
        ...(minutes === 1200 ? { CallerName: 'Ann <b>bold</b>' } : {}),
      });
      assert.equal((await postSignedCallback(server.webhookUrl, KEY, fields)).status, 200);
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${server.baseUrl}/?range=24h&tz=UTC`);
    await page.waitForSelector('body[data-loaded]');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const text = (selector: string): Promise<string> => page.locator(selector).innerText();
  const tableRows = (selector: string): Promise<string[][]> =>
    page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => (c.textContent ?? '').trim())));

  it('tiles: the hand-computed figures, equal to /api/v1/summary, with the change against the previous 24 hours', async () => {
    // Current: 6 calls, 4 completed; MOS 4.40, 3.50, 4.10, 2.91 (mean 3.7275, 2 below 3.60); completed durations 60, 120, 30, 5.
    // Previous: 2 calls, 1 completed; MOS 4.00; duration 100.
    assert.equal(await text('#tile-calls'), '6');
    assert.equal(await text('#tile-success'), '66.7 %');
    assert.equal(await text('#tile-mos'), '3.73');
    assert.equal(await text('#tile-poor'), '50.0 %');
    assert.equal(await text('#tile-duration'), '54 s');
    assert.match(await text('#change-calls'), /\+200\.0 % vs previous period/);
    assert.match(await text('#change-success'), /\+16\.7 pp \(better\)/);
    assert.match(await text('#change-mos'), /−0\.27 \(worse\)/);
    assert.match(await text('#change-poor'), /\+50\.0 pp \(worse\)/);
    assert.match(await text('#change-duration'), /−46 s vs/);
    // Repeat callers (one caller throughout): now N1 at 1200, 600 and 120 min ago and N2 at 300 are each followed
    // by a call to the same number within 24 h: 4 of 6. Before: N1 at 1800 (then 1200), not N2 at 2400 (next 2100 min later): 1 of 2.
    assert.equal(await text('#tile-repeat'), '66.7 %');
    assert.match(await text('#change-repeat'), /\+16\.7 pp \(worse\)/);
    const summary = (await (await fetch(`${server.baseUrl}/api/v1/summary?since=24h`)).json()) as {
      calls: number; successRate: number; mos: { mean: number; poorRate: number }; duration: { mean: number };
    };
    assert.equal(await text('#tile-calls'), String(summary.calls));
    assert.equal(await text('#tile-success'), pct(summary.successRate));
    assert.equal(await text('#tile-mos'), summary.mos.mean.toFixed(2));
    assert.equal(await text('#tile-poor'), pct(summary.mos.poorRate));
    assert.equal(await text('#tile-duration'), `${Math.round(summary.duration.mean)} s`);
  });

  it('charts have table alternatives with the same counts; the heat map holds every call', async () => {
    const volume = await tableRows('#table-volume');
    const sum = (column: number): number => volume.reduce((total, row) => total + Number(row[column]), 0);
    assert.deepEqual([sum(1), sum(2), sum(3), sum(4), sum(5), sum(6)], [4, 1, 1, 0, 0, 6]); // completed, failed, busy, no-answer, canceled, total
    assert.deepEqual(await tableRows('#table-mos-dist table:first-of-type'), [
      ['excellent', '1', '25.0 %'], ['good', '1', '25.0 %'], ['fair', '0', '0.0 %'], ['poor', '1', '25.0 %'], ['bad', '1', '25.0 %'],
    ]);
    const durations = (await tableRows('#table-duration-dist')).filter((row) => row[1] !== '0');
    assert.deepEqual(durations, [
      ['0 s to under 10 s', '1'], ['30 s to under 1 min 00 s', '1'], ['1 min 00 s to under 2 min 00 s', '1'], ['2 min 00 s to under 5 min 00 s', '1'],
    ]);
    const heat = await page.$$eval('#heatmap td', (cells) => cells.reduce((total, c) => total + Number(c.textContent || 0), 0));
    assert.equal(heat, 6);
    assert.equal(await page.locator('#plot-volume canvas').count() > 0, true, 'uPlot drew the volume chart');
    assert.equal(await page.locator('#plot-mos-dist svg rect').count(), 4, 'one bar per MOS bin with calls');
  });

  it('top numbers: one row per number, busiest first, sortable with the keyboard', async () => {
    assert.deepEqual((await tableRows('#numbers-table')).map((r) => r.slice(0, 3)), [[N1, '4', '75.0 %'], [N2, '2', '50.0 %']]);
    await page.locator('#numbers-table th button', { hasText: 'Calls' }).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual((await tableRows('#numbers-table')).map((r) => r[0]), [N2, N1]);
    assert.equal(await page.locator('#numbers-table th[aria-sort="ascending"]').innerText(), 'Calls ▲');
    await page.keyboard.press('Enter');
    assert.deepEqual((await tableRows('#numbers-table')).map((r) => r[0]), [N1, N2]);
  });

  it('worst-quality calls, lowest MOS first; a call opens its full record with the raw fields, from the keyboard', async () => {
    const worst = await tableRows('#worst-table');
    assert.deepEqual(worst.map((r) => r[0]), ['2.91', '3.50', '4.10', '4.40']);
    await page.locator('#worst-table tbody tr').first().locator('button').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('#call-dialog');
    await dialog.locator('table.raw').waitFor();
    const raw = await page.$$eval('#call-dialog table.raw tr', (rows) => Object.fromEntries(rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent])));
    assert.equal(raw.CallerName, 'Ann <b>bold</b>', 'an extra raw field, shown as text');
    assert.equal(raw.AudioInMos, '2.91');
    assert.equal(raw.CallSid, 'CA-dash-5');
    assert.equal(await page.locator('#call-dialog b').count(), 0);
    await page.keyboard.press('Escape');
    assert.equal(await dialog.isVisible(), false);
  });

  it('a new signed callback updates the tiles, tables and recent feed without a reload; its hostile From and To stay text', async () => {
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const started = Date.now();
    const fields = callbackFields({
      CallSid: 'CA-dash-live', From: XSS_FROM, To: XSS_TO, Timestamp: new Date(Date.now() - 60_000).toISOString(),
      CallStatus: 'completed', CallDuration: '200', AudioInMos: '1.50',
    });
    assert.equal((await postSignedCallback(server.webhookUrl, KEY, fields)).status, 200);
    await page.waitForFunction(() => document.getElementById('tile-calls')?.textContent === '7', undefined, { timeout: 15_000 });
    console.log(`# the tiles showed the new call ${Date.now() - started} ms after it was sent`);
    assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'no reload');
    // 7 calls, 5 completed; the new MOS 1.50 is the worst.
    assert.equal(await text('#tile-success'), '71.4 %');
    await page.waitForFunction(() => document.querySelector('#recent li .from')?.textContent?.includes('onerror'), undefined, { timeout: 15_000 });
    assert.equal(await page.locator('#recent li .from').first().textContent(), XSS_FROM);
    assert.equal(await page.locator('#recent li .to').first().textContent(), XSS_TO);
    await page.waitForFunction(() => document.querySelector('#worst-table tbody td')?.textContent === '1.50', undefined, { timeout: 15_000 });
    const worst = (await tableRows('#worst-table'))[0]!;
    assert.deepEqual([worst[2], worst[3]], [XSS_FROM, XSS_TO]);
    assert.ok((await tableRows('#numbers-table')).some((row) => row[0] === XSS_TO), 'the hostile To is a row of the top numbers, as text');
    await page.locator('#recent li button').first().click();
    await page.locator('#call-dialog table.raw').waitFor();
    const from = await page.$$eval('#call-dialog table.raw tr', (rows) => rows.find((r) => r.querySelector('th')!.textContent === 'From')!.querySelector('td')!.textContent);
    assert.equal(from, XSS_FROM);
    await page.keyboard.press('Escape');
    // Nothing ran: no dialog, no injected image or script element.
    assert.deepEqual(dialogs, []);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('script:not([src])').count(), 0);
    await page.screenshot({ path: screenshotPath('dashboard.png'), fullPage: true });
  });

  it('served with a strict Content-Security-Policy and no inline script or style; no violation or error in the page', async () => {
    for (const path of ['/', '/wallboard', '/assets/dashboard.js', '/assets/dashboard.css']) {
      const response = await fetch(server.baseUrl + path);
      assert.equal(response.status, 200, path);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.match(csp, /style-src 'self'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      if (path === '/' || path === '/wallboard') {
        const html = await response.text();
        for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\ssrc="\/assets\/[\w.-]+\.js"/, `${path}: ${tag}`);
        assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=|javascript:/i, path);
        assert.doesNotMatch(html, /https?:\/\//, `${path} loads nothing from elsewhere`);
      }
    }
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
    assert.deepEqual(problems, []);
  });

  it('dark theme, and usable on a phone', async () => {
    await page.locator('#theme-toggle').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.screenshot({ path: screenshotPath('dashboard-dark.png'), fullPage: true });
    await page.locator('#theme-toggle').click();
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, timezoneId: 'UTC' });
    try {
      await phone.goto(`${server.baseUrl}/?range=24h&tz=UTC`);
      await phone.waitForSelector('body[data-loaded]');
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, 'no sideways scrolling of the page');
      assert.equal(await phone.locator('#tile-calls').innerText(), '7');
      await phone.screenshot({ path: screenshotPath('dashboard-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('every form control has a label', async () => {
    const unlabelled = await page.$$eval('input, select', (controls) =>
      controls.filter((c) => !(c as HTMLInputElement).labels?.length && !c.getAttribute('aria-label')).map((c) => c.id));
    assert.deepEqual(unlabelled, []);
  });
});

describe('dashboard behind an API token, in Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  it('asks for the token once, keeps it in sessionStorage, and reads the figures with it', async () => {
    const server = await startTestServer({ signingKey: KEY, apiToken: 'browser-token' });
    const browser = await launchChromium();
    try {
      assert.equal((await postSignedCallback(server.webhookUrl, KEY, callbackFields({ Timestamp: new Date(Date.now() - 60_000).toISOString() }))).status, 200);
      const page = await browser.newPage();
      await page.goto(`${server.baseUrl}/?range=24h`);
      await page.locator('#token-panel').waitFor();
      await page.getByLabel(/CALLPULSE_API_TOKEN/).fill('browser-token');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('tile-calls')?.textContent === '1');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('callpulse.token')), 'browser-token');
      assert.equal(await page.evaluate(() => localStorage.getItem('callpulse.token')), null, 'never kept beyond the session');
      await page.reload();
      await page.waitForFunction(() => document.getElementById('tile-calls')?.textContent === '1');
      assert.equal(await page.locator('#token-panel').isVisible(), false);
      await page.waitForFunction(() => document.getElementById('live-status')?.textContent === 'Live');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
