/**
 * Builds the dashboard and wallboard into dist/dashboard: esbuild bundles and minifies the browser
 * TypeScript (with uPlot) and the style sheets; the HTML pages and the icon are copied as they are.
 * Run by `npm run build` after tsc has type-checked everything.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/dashboard');
const out = join(root, 'dist/dashboard');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['dashboard.ts', 'wallboard.ts', 'dashboard.css', 'wallboard.css'].map((name) => join(source, name)),
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome109', 'firefox115', 'safari15'],
  legalComments: 'none',
  logLevel: 'warning',
});
for (const name of readdirSync(source)) {
  if (name.endsWith('.html') || name.endsWith('.svg')) copyFileSync(join(source, name), join(out, name));
}
