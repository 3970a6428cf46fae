/**
 * @module
 * Starts a real Fastify, Express or Hono app on a real port (127.0.0.1, random) with one of the library's
 * callback handlers mounted on the service's webhook path, for the library tests.
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import type { CallStatusHandlerOptions } from '../../src/library/call-status-handler.js';
import { callStatusMiddleware } from '../../src/library/express.js';
import { callStatusPlugin } from '../../src/library/fastify.js';
import { createWebHandler } from '../../src/library/web-handler.js';
import { WEBHOOK } from './test-server.js';

/** The frameworks the library ships a handler for. */
export const FRAMEWORKS = ['fastify', 'express', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** A running app with a callback handler at {@link WEBHOOK}. */
export interface LibraryApp {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** baseUrl + the webhook path: the URL a signature covers when nothing rewrites it. */
  webhookUrl: string;
  close(): Promise<void>;
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Starts `framework` with the handler. Besides the webhook, every app has `POST /echo` answering the JSON
 * body it parsed with its own body parser, to show the handler leaves the app's other routes alone.
 */
export async function startLibraryApp(framework: Framework, options: CallStatusHandlerOptions): Promise<LibraryApp> {
  let server: Server;
  if (framework === 'fastify') {
    const app = Fastify();
    await app.register(callStatusPlugin, options);
    app.post('/echo', async (request) => ({ echo: request.body }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    server = app.server;
    const baseUrl = `http://127.0.0.1:${portOf(server)}`;
    return { baseUrl, webhookUrl: baseUrl + WEBHOOK, close: () => app.close() };
  }
  if (framework === 'express') {
    const app = express();
    const onCallStatus = callStatusMiddleware(options);
    app.post(WEBHOOK, onCallStatus);
    app.get(WEBHOOK, onCallStatus);
    app.post('/echo', express.json(), (request, response) => {
      response.json({ echo: request.body });
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
  } else {
    const app = new Hono();
    const onCallStatus = createWebHandler(options);
    app.on(['GET', 'POST'], WEBHOOK, (c) => onCallStatus(c.req.raw));
    app.post('/echo', async (c) => c.json({ echo: await c.req.json() }));
    server = await new Promise<Server>((resolve) => {
      const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(listening as Server));
    });
  }
  const baseUrl = `http://127.0.0.1:${portOf(server)}`;
  return { baseUrl, webhookUrl: baseUrl + WEBHOOK, close: () => closeServer(server) };
}

/** An answer read over raw node:http. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * POSTs `chunks` over raw node:http (chunked transfer unless `content-length` is given), so that a body can
 * grow past a limit while the server reads it. A server that stops reading may reset the socket: EPIPE and
 * ECONNRESET after the answer are ignored.
 */
export function rawPost(url: string, chunks: string[], headers: Record<string, string> = {}): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST', headers },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    request.on('error', (error) => (/EPIPE|ECONNRESET/.test(error.message) ? undefined : reject(error)));
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}
