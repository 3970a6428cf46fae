/**
 * @module
 * `GET /api/v1/live`: Server-Sent Events of newly stored calls for the dashboard and wallboard. Calls are
 * sent in small batches (every 250 ms at most, the latest 50 of each batch with the batch's full count),
 * a comment line keeps idle connections open, a client that stops reading is cut off (it reconnects),
 * and every stream ends when the server closes so shutdown never waits on a browser.
 */
import type { FastifyInstance } from 'fastify';
import type { LiveCall, LiveFeed } from '../../ingest/live-feed.js';

/** How often batched calls go out. */
const FLUSH_MS = 250;
/** How many calls one event carries at most (the newest). */
const MAX_CALLS_PER_EVENT = 50;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A client with more than this much unsent data is cut off. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** What the browser waits before reconnecting on its own. */
const RETRY_MS = 2000;

/** Registers the route; the returned function ends every open stream (call it before closing the server). */
export function registerLiveRoutes(app: FastifyInstance, feed: LiveFeed): () => void {
  const open = new Set<() => void>();

  app.get('/api/v1/live', (request, reply) => {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    let pending: LiveCall[] = [];
    let count = 0;
    let flushTimer: NodeJS.Timeout | null = null;
    const send = (text: string): void => {
      if (response.writableLength > MAX_BUFFERED_BYTES) return end();
      response.write(text);
    };
    const flush = (): void => {
      flushTimer = null;
      if (count === 0) return;
      send(`event: calls\ndata: ${JSON.stringify({ count, calls: pending })}\n\n`);
      pending = [];
      count = 0;
    };
    const unsubscribe = feed.subscribe((call) => {
      count += 1;
      pending.push(call);
      if (pending.length > MAX_CALLS_PER_EVENT) pending.shift();
      flushTimer ??= setTimeout(flush, FLUSH_MS);
    });
    const heartbeat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS);
    function end(): void {
      if (!open.delete(end)) return;
      unsubscribe();
      clearInterval(heartbeat);
      if (flushTimer) clearTimeout(flushTimer);
      response.end();
    }
    open.add(end);
    request.raw.on('close', end);
    response.on('error', end);
    send(`retry: ${RETRY_MS}\nevent: hello\ndata: ${JSON.stringify({ time: new Date().toISOString() })}\n\n`);
  });

  return () => {
    for (const end of [...open]) end();
  };
}
