/**
 * @module
 * `POST|GET /webhooks/signalwire/call-status` as a plain node:http handler. This is the hot path: every
 * callback goes through it, so it skips the framework's routing and hooks (about a tenth of the CPU per
 * callback) and does only what the route needs: read the raw body up to 64 KiB, rebuild the public URL,
 * hand the request to ingest, and answer after the commit. app.ts puts it in front of the framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTooLarge, CallpulseError, errorBody } from '../domain/errors.js';
import { silentLogger, type Logger } from '../domain/logger.js';
import type { Ingest } from '../ingest/ingest.js';
import { signatureOf } from '../signature/verify.js';
import { publicUrlOf, type PublicUrlSettings } from './public-url.js';

export const WEBHOOK_PATH = '/webhooks/signalwire/call-status';

/** What the webhook handler needs. */
export interface WebhookHandlerOptions {
  ingest: Ingest;
  urls: PublicUrlSettings;
  bodyLimit: number;
  logger?: Logger;
  /** True once the server is closing: new callbacks get 503 instead of being half-handled. */
  isClosing: () => boolean;
}

/** True for the requests this handler serves: POST or GET on the webhook path (any query string). */
export function isWebhookRequest(request: IncomingMessage): boolean {
  const url = request.url ?? '';
  const pathMatches = url.startsWith(WEBHOOK_PATH) && (url.length === WEBHOOK_PATH.length || url[WEBHOOK_PATH.length] === '?');
  return pathMatches && (request.method === 'POST' || request.method === 'GET');
}

function send(response: ServerResponse, status: number, body: object, close = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  if (close) headers.connection = 'close';
  response.writeHead(status, headers);
  response.end(text);
}

function sendError(response: ServerResponse, error: CallpulseError, close = false): void {
  send(response, error.status, errorBody(error), close);
}

/** Builds the node:http handler for the webhook route. */
export function createWebhookHandler(options: WebhookHandlerOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const { ingest, urls, bodyLimit, isClosing } = options;
  const logger = options.logger ?? silentLogger;
  const tooLarge = (): CallpulseError => bodyTooLarge(bodyLimit);

  async function answer(request: IncomingMessage, response: ServerResponse, rawBody: Buffer): Promise<void> {
    try {
      const result = await ingest.receive({
        method: request.method!,
        url: publicUrlOf(request.url!, request.headers, urls, 'encrypted' in request.socket),
        contentType: request.headers['content-type'],
        rawBody,
        signature: signatureOf(request.headers),
      });
      // During shutdown the answer closes the connection: an idle keep-alive socket would hold the server open.
      send(response, result.status, result.body, isClosing());
    } catch (error) {
      logger.error({ err: error }, 'webhook request failed');
      sendError(response, new CallpulseError('CP_ERR_INTERNAL', 'internal error; see the server log'));
    }
  }

  return (request, response) => {
    if (isClosing()) {
      const closing = new CallpulseError('CP_ERR_SHUTTING_DOWN', 'the server is shutting down; the callback was not stored');
      ingest.refused(closing);
      sendError(response, closing, true);
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > bodyLimit) {
      const error = tooLarge();
      ingest.refused(error);
      sendError(response, error, true);
      response.on('finish', () => request.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > bodyLimit) {
        refused = true;
        const error = tooLarge();
        ingest.refused(error);
        sendError(response, error, true);
        response.on('finish', () => request.destroy());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) void answer(request, response, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    request.on('error', () => undefined); // the client went away: nothing was stored, nobody to answer
  };
}
