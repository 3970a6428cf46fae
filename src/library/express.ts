/**
 * @module
 * `callpulse/express`: the callback handler as Express middleware, which is also a plain node:http
 * request listener (Connect, `http.createServer`). It reads the raw body itself (or takes the Buffer of
 * `express.raw()`), rebuilds the public URL from `originalUrl`, and answers as the callpulse service does.
 * It loads neither Express nor Fastify, nor any database driver.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signatureOf } from '../signature/verify.js';
import { createCallStatusHandler, type CallbackAnswer, type CallStatusHandlerOptions } from './call-status-handler.js';
import { readNodeBody } from './node-body.js';

export type {
  AcceptedBody, CallbackAnswer, CallbackContext, CallOutcome, CallStatusHandlerOptions, InvalidCallback,
} from './call-status-handler.js';

/** A request handler for Express, Connect or node:http. It always answers; it never calls `next`. */
export type CallStatusMiddleware = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;

/** What Express adds to a request that the middleware reads. */
interface ExpressRequest extends IncomingMessage {
  originalUrl?: string;
  body?: unknown;
  /** Set by Express's body parsers once they have read the body. */
  _body?: boolean;
}

const EMPTY = Buffer.alloc(0);

function send(response: ServerResponse, answer: CallbackAnswer): void {
  if (response.headersSent) return;
  const text = JSON.stringify(answer.body);
  response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Creates Express middleware for SignalWire's incoming call status callback: raw body (up to `bodyLimit`),
 * public URL (`publicUrl`, else the Host header, or `X-Forwarded-Proto`/`-Host` when `trustProxy` is on;
 * Express's own `trust proxy` setting is not used), signature, parsing, then `onCall` with the
 * {@link CallStatusEvent}. It answers 200, or 400, 403, 405, 413, 415, 422 with `{ error, code, details? }`.
 *
 * Mount it before any body parser that would read the body (`express.json()`, `express.urlencoded()`):
 * the signature covers the exact bytes. `express.raw()` in front of it is fine.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { callStatusMiddleware } from 'callpulse/express';
 *
 * const app = express();
 * const onCallStatus = callStatusMiddleware({ keys: process.env.SIGNALWIRE_SIGNING_KEY!, onCall: (event) => console.log(event) });
 * app.post('/webhooks/signalwire/call-status', onCallStatus);
 * app.get('/webhooks/signalwire/call-status', onCallStatus);
 * ```
 */
export function callStatusMiddleware(options: CallStatusHandlerOptions): CallStatusMiddleware {
  const handler = createCallStatusHandler(options);

  async function serve(request: ExpressRequest, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = handler.urlOf(request.originalUrl ?? request.url ?? '/', request.headers, 'encrypted' in request.socket);
    let rawBody: Buffer = EMPTY;
    if (method === 'POST') {
      if (Buffer.isBuffer(request.body)) {
        rawBody = request.body;
      } else if (request._body === true || request.readableEnded) {
        const why = 'callpulse: the callback body was already read by another middleware (express.json(), express.urlencoded()...), so its signature cannot be checked: mount callStatusMiddleware before them, or put express.raw({ type: () => true }) in front of it';
        send(response, handler.fail(new Error(why)));
        return;
      } else {
        const body = await readNodeBody(request, handler.bodyLimit);
        if (body === 'aborted') return;
        if (body === 'too-large') {
          send(response, handler.tooLarge());
          response.on('finish', () => request.destroy());
          return;
        }
        rawBody = body;
      }
    }
    const answer = await handler.handle({
      method, url, contentType: request.headers['content-type'], rawBody, signature: signatureOf(request.headers),
    });
    send(response, answer);
  }

  return (request, response) => {
    serve(request, response).catch((error: unknown) => send(response, handler.fail(error)));
  };
}
