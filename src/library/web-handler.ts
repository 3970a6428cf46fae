/**
 * @module
 * The callback handler as a Web-standard `(request: Request) => Promise<Response>`: Hono, Next.js route
 * handlers (Node.js runtime), and any other Fetch-API server. Reads the body up to the limit, rebuilds the
 * public URL, and answers with the framework-free handler's answer.
 */
import { signatureOf } from '../signature/verify.js';
import { createCallStatusHandler, type CallbackAnswer, type CallStatusHandlerOptions } from './call-status-handler.js';

const EMPTY = new Uint8Array(0);
const ORIGIN = /^([a-z][a-z\d+.-]*):\/\/([^/?#]*)/i;

/** The body bytes, or null as soon as they pass `limit` (the rest is not read). */
async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return null;
  if (request.body === null) return EMPTY;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function toResponse(answer: CallbackAnswer): Response {
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
}

/**
 * Creates a Web-standard handler for SignalWire's incoming call status callback. It reads the raw body
 * (up to `bodyLimit`), rebuilds the public URL (`publicUrl`, else the request URL's origin, or
 * `X-Forwarded-Proto`/`-Host` when `trustProxy` is on), verifies the signature, parses the callback, calls
 * `onCall` with the {@link CallStatusEvent}, and answers as the callpulse service does: 200, or 400, 403,
 * 405, 413, 415, 422 with `{ error, code, details? }`.
 *
 * @example Hono
 * ```ts
 * const onCallStatus = createWebHandler({ keys: process.env.SIGNALWIRE_SIGNING_KEY!, onCall: (event) => console.log(event) });
 * app.on(['GET', 'POST'], '/webhooks/signalwire/call-status', (c) => onCallStatus(c.req.raw));
 * ```
 * @example Next.js (app/webhooks/signalwire/call-status/route.ts)
 * ```ts
 * export const POST = createWebHandler({ keys: process.env.SIGNALWIRE_SIGNING_KEY!, publicUrl: 'https://example.com', onCall });
 * export const GET = POST;
 * ```
 */
export function createWebHandler(options: CallStatusHandlerOptions): (request: Request) => Promise<Response> {
  const handler = createCallStatusHandler(options);
  async function serve(request: Request): Promise<Response> {
    const { method } = request;
    const origin = ORIGIN.exec(request.url);
    const pathAndQuery = origin ? request.url.slice(origin[0].length) || '/' : request.url;
    const url = handler.urlOf(
      pathAndQuery,
      {
        host: origin?.[2],
        'x-forwarded-proto': request.headers.get('x-forwarded-proto') ?? undefined,
        'x-forwarded-host': request.headers.get('x-forwarded-host') ?? undefined,
      },
      origin?.[1]?.toLowerCase() === 'https',
    );
    const rawBody = method === 'POST' ? await readBody(request, handler.bodyLimit) : EMPTY;
    if (rawBody === null) return toResponse(handler.tooLarge());
    const signature = signatureOf({
      'x-signalwire-signature': request.headers.get('x-signalwire-signature') ?? undefined,
      'x-twilio-signature': request.headers.get('x-twilio-signature') ?? undefined,
    });
    return toResponse(await handler.handle({ method, url, contentType: request.headers.get('content-type') ?? undefined, rawBody, signature }));
  }
  // A body stream that fails (the client went away) still gets an answer, never a stack trace.
  return (request) => serve(request).catch((error: unknown) => toResponse(handler.fail(error)));
}
