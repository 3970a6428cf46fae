/**
 * @module
 * The dashboard (`/`) and wallboard (`/wallboard`) pages and their assets (`/assets/NAME`), built by
 * esbuild into dist/dashboard and served from memory with a strict Content-Security-Policy: scripts and
 * styles from this origin only, no inline code, no framing. The pages hold no data (the API does, under
 * its own access rule), so they are served to anyone who can reach the server.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CallpulseError } from '../../domain/errors.js';

/** Where `npm run build` puts the pages and assets (dist/dashboard, beside dist/src). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

/** The policy of every page and asset: nothing inline, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  void reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache')
    .header('etag', file.etag)
    .type(file.type);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.send(file.body);
}

/** Registers the pages and assets read from `dir` (default: the built dist/dashboard). */
export function registerDashboardRoutes(app: FastifyInstance, dir = DASHBOARD_DIR): void {
  const files = loadFiles(dir);
  const page = (name: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const file = files.get(name);
    if (!file) throw new CallpulseError('CP_ERR_NOT_FOUND', 'the dashboard is not built: run npm run build');
    return send(request, reply, file);
  };
  app.get('/', page('index.html'));
  app.get('/wallboard', page('wallboard.html'));
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const file = request.params.name.endsWith('.html') ? undefined : files.get(request.params.name);
    if (!file) throw new CallpulseError('CP_ERR_NOT_FOUND', `no asset named ${request.params.name.slice(0, 80)}`);
    return send(request, reply, file);
  });
}
