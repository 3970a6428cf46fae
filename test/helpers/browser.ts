/**
 * @module
 * Real headless Chromium for end-to-end tests: Debian's /usr/bin/chromium through playwright-core (never
 * a downloaded browser). Without it, the browser tests skip and say why.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** `false` when Chromium is there; otherwise the reason the browser tests are skipped. */
export const SKIP_WITHOUT_CHROMIUM: false | string = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: the browser tests need Debian's chromium package (apt-get install chromium)`;

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where screenshots go: test-results/ at the project root (gitignored). */
export function screenshotPath(name: string): string {
  const dir = fileURLToPath(new URL('../../../test-results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir + name;
}
