/**
 * The dashboard's first render on the history database: `callpulse serve` (a child process) on the
 * cached database, Debian's Chromium (playwright-core) opening the dashboard on a fresh page each time,
 * timed from navigation to the moment every panel has loaded (`body[data-loaded]`). Skipped without Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { HISTORY_END } from './metrics-dataset.js';
import { median } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const BIN = fileURLToPath(new URL('../../bin/callpulse.js', import.meta.url));

/** The median first render of one dashboard view, ms. */
export interface RenderResult {
  view: string;
  medianMs: number;
  runs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServe(db: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port)], {
    stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'error' },
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('callpulse serve did not become ready on the history database');
}

/** Local datetime-input text (UTC) of an instant, as the dashboard's custom range takes it. */
function inputTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/** Times the dashboard's first render for a day and for 30 days of the history, `runs` fresh pages each; null without Chromium. */
export async function measureDashboardRender(db: string, runs: number, log: (line: string) => void): Promise<RenderResult[] | null> {
  if (!existsSync(CHROMIUM)) {
    log(`no ${CHROMIUM}: the dashboard render measurement is skipped`);
    return null;
  }
  const port = await freePort();
  const server = await startServe(db, port);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const views: Array<[string, number]> = [['last day of the history', 86_400_000], ['last 30 days of the history', 30 * 86_400_000]];
    const results: RenderResult[] = [];
    for (const [view, length] of views) {
      const url = `http://127.0.0.1:${port}/?range=custom&tz=UTC&from=${inputTime(HISTORY_END - length)}&to=${inputTime(HISTORY_END)}`;
      const times: number[] = [];
      for (let run = 0; run <= runs; run++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(url);
        await page.waitForSelector('body[data-loaded]', { timeout: 60_000 });
        const ms = await page.evaluate(() => Number(document.body.dataset.loaded) - performance.timeOrigin);
        await page.close();
        if (run > 0) times.push(ms); // the first load warms the server's caches and the browser's
      }
      results.push({ view, medianMs: median(times), runs });
      log(`dashboard, ${view}: first render ${median(times).toFixed(0)} ms (median of ${runs})`);
    }
    return results;
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}
