/**
 * @module
 * `callpulse/fastify`: the callback handler as a Fastify plugin. It registers `GET` and `POST` on one path in
 * its own encapsulated context, so its raw-body parser and its error answers touch none of the app's other
 * routes. Fastify itself comes from the app (this module imports its types only).
 */
import type { FastifyPluginAsync } from 'fastify';
import { CallpulseError } from '../domain/errors.js';
import { WEBHOOK_PATH } from '../http/webhook-handler.js';
import { signatureOf } from '../signature/verify.js';
import { createCallStatusHandler, errorAnswer, type CallbackAnswer, type CallStatusHandlerOptions } from './call-status-handler.js';

export type {
  AcceptedBody, CallbackAnswer, CallbackContext, CallOutcome, CallStatusHandlerOptions, InvalidCallback,
} from './call-status-handler.js';

/** The plugin's options: the handler's, plus the path of the route. */
export interface CallStatusPluginOptions extends CallStatusHandlerOptions {
  /** The route's path, under the plugin's `prefix` (default `/webhooks/signalwire/call-status`, as the service). */
  path?: string | undefined;
}

/** The path the callpulse service serves callbacks on, and the plugin's default. */
export const DEFAULT_CALLBACK_PATH: string = WEBHOOK_PATH;

const EMPTY = Buffer.alloc(0);

/**
 * A Fastify plugin for SignalWire's incoming call status callback: raw body (up to `bodyLimit`), public URL
 * (`publicUrl`, else the Host header, or `X-Forwarded-Proto`/`-Host` when `trustProxy` is on; Fastify's own
 * `trustProxy` is not used), signature, parsing, then `onCall` with the {@link CallStatusEvent}. It answers 200,
 * or 400, 403, 413, 415, 422 with `{ error, code, details? }`, as the callpulse service does.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { callStatusPlugin } from 'callpulse/fastify';
 *
 * const app = Fastify();
 * await app.register(callStatusPlugin, { keys: process.env.SIGNALWIRE_SIGNING_KEY!, onCall: (event) => app.log.info(event) });
 * ```
 */
export const callStatusPlugin: FastifyPluginAsync<CallStatusPluginOptions> = async (app, options) => {
  const handler = createCallStatusHandler(options);
  const path = options.path ?? DEFAULT_CALLBACK_PATH;
  const reply = (answer: CallbackAnswer): string => JSON.stringify(answer.body);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: handler.bodyLimit }, (_request, body, done) => done(null, body));
  app.setErrorHandler(async (error: { statusCode?: number }, _request, response) => {
    const status = error.statusCode ?? 500;
    const answer =
      status === 413 ? handler.tooLarge()
      : status >= 400 && status < 500 ? errorAnswer(new CallpulseError('CP_ERR_BODY_UNPARSEABLE', 'the request body could not be read'))
      : handler.fail(error);
    return response.code(answer.status).headers(answer.headers).send(reply(answer));
  });
  app.route({
    method: ['GET', 'POST'],
    url: path,
    bodyLimit: handler.bodyLimit,
    handler: async (request, response) => {
      const answer = await handler.handle({
        method: request.method,
        url: handler.urlOf(request.raw.url ?? request.url, request.headers, 'encrypted' in request.raw.socket),
        contentType: request.headers['content-type'],
        rawBody: Buffer.isBuffer(request.body) ? request.body : EMPTY,
        signature: signatureOf(request.headers),
      });
      return response.code(answer.status).headers(answer.headers).send(reply(answer));
    },
  });
};
