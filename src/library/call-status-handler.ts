/**
 * @module
 * The framework-free callback handler that the Fastify plugin, the Express middleware and the Web handler
 * wrap: its options, the public URL of a request, and the answer to one request whose body has been read.
 * The checks are the service's own (ingest/read-callback.ts: 415, 400, 403, 422, in that order), then the
 * user's `onCall`; the answers are the service's, status, headers and body.
 */
import type { CallbackFields, CallStatusEvent, IncomingCallStatusCallback } from '../domain/call-event.js';
import { CALLBACK_BODY_LIMIT } from '../domain/callback-body.js';
import { bodyTooLarge, CallpulseError, errorBody, isCallpulseError, type ErrorBody, type FieldProblem } from '../domain/errors.js';
import { publicUrlOf, type HeaderBag, type PublicUrlSettings } from '../http/public-url.js';
import { readCallback } from '../ingest/read-callback.js';
import { toSigningKeys, type SigningKeysOption } from './signing-keys-option.js';

/** What happened to a valid callback: a new call, or a repeat delivery of a call already recorded. */
export type CallOutcome = 'accepted' | 'duplicate';

/** How a callback reached the handler. */
export interface CallbackDelivery {
  /** `POST`, or `GET` when the number's `StatusCallbackMethod` is GET. */
  method: string;
  /** The public URL the signature was checked against, query string included. */
  url: string;
  /** The request's Content-Type header; null when there is none (GET). */
  contentType: string | null;
  /** When the handler received it. */
  receivedAt: Date;
}

/** Given to `onCall` with the event (and accepted as it is by `recordCall` of `callpulse/store`). */
export interface CallbackContext extends CallbackDelivery {
  /** Every field exactly as received, extra fields included. */
  raw: IncomingCallStatusCallback;
}

/** A callback that was signed correctly but breaks the rules; given to `onInvalid` before the 422 is sent. */
export interface InvalidCallback extends CallbackDelivery {
  /** Every field exactly as received (a field sent twice is an array); any of the eight may be missing. */
  raw: CallbackFields;
  /** Every problem found, each naming its field. */
  problems: readonly FieldProblem[];
}

/** The options every callpulse handler takes (the Fastify plugin adds `path`). */
export interface CallStatusHandlerOptions {
  /** The signing key(s), or a lookup by project. Required: a handler never accepts unsigned callbacks. */
  keys: SigningKeysOption;
  /**
   * Called once per verified, valid callback, with the normalised event. The answer (200) is sent when it
   * resolves, so store the call here first if it must not be lost. Return `'duplicate'` for a call you had
   * already (the answer then says so); `recordCall` of `callpulse/store` returns exactly that. When it throws,
   * the answer is 500 `CP_ERR_INTERNAL` (or the status of a thrown callpulse error), SignalWire may retry,
   * and the error goes to `onError`.
   */
  onCall(event: CallStatusEvent, context: CallbackContext): CallOutcome | void | Promise<CallOutcome | void>;
  /**
   * Called for a signed callback that fails validation, before the 422 is sent (callpulse keeps these in a
   * quarantine: `callpulse/store`'s `quarantine` does the same). When it throws, the answer is 500.
   */
  onInvalid?(invalid: InvalidCallback): void | Promise<void>;
  /** Told about every error thrown by `onCall` or `onInvalid`. Default: `console.error`. */
  onError?(error: unknown): void;
  /**
   * The origin SignalWire calls, with an optional path prefix (`https://calls.example.com`). When set, the
   * URL checked is this plus the request's path and query, whatever the Host header says.
   */
  publicUrl?: string | undefined;
  /**
   * Honour `X-Forwarded-Proto` and `X-Forwarded-Host` when rebuilding the URL (default false). Turn it on
   * only behind a proxy or TLS terminator that sets them, otherwise any client could choose the URL checked.
   * The framework's own trust-proxy setting is not used.
   */
  trustProxy?: boolean | undefined;
  /** The largest body accepted, in bytes (default 64 KiB, as the service); 413 above it. */
  bodyLimit?: number | undefined;
}

/** One callback request, framework-free, with its body read. */
export interface CallbackRequest {
  /** The HTTP method. */
  method: string;
  /** The public URL SignalWire called, query string included ({@link CallStatusHandler.urlOf} rebuilds it). */
  url: string;
  /** The Content-Type header. */
  contentType?: string | undefined;
  /** The raw body bytes exactly as received (a string is taken as UTF-8); empty for GET. */
  rawBody: Uint8Array | string;
  /** The `X-SignalWire-Signature` header, else `X-Twilio-Signature` ({@link signatureOf} picks it). */
  signature?: string | undefined;
}

/** The body of a 200 answer. */
export interface AcceptedBody {
  /** `accepted` for a new call, `duplicate` for a repeat delivery. */
  result: CallOutcome;
  /** The call's `CallSid`. */
  callSid: string;
}

/** The answer to send: status, headers and a JSON body, exactly as the callpulse service answers. */
export interface CallbackAnswer {
  /** 200, 400, 403, 405, 413, 415, 422, or 500/503 when `onCall` failed. */
  status: number;
  /** `content-type`, plus `connection: close` for 413 (the rest of the body is not read) and `allow` for 405. */
  headers: Readonly<Record<string, string>>;
  /** `{ result, callSid }` on 200, `{ error, code, details? }` otherwise. */
  body: AcceptedBody | ErrorBody;
}

/** The framework-free handler: build an adapter for any other framework from these. */
export interface CallStatusHandler {
  /** Answers one request whose body has been read (at most {@link CallStatusHandler.bodyLimit} bytes). Never throws. */
  handle(request: CallbackRequest): Promise<CallbackAnswer>;
  /**
   * The public URL of a request from its raw path and query (as in the request line), its headers (lowercase
   * names) and whether the connection itself is TLS, following the `publicUrl` and `trustProxy` options.
   */
  urlOf(pathAndQuery: string, headers: HeaderBag, encrypted?: boolean): string;
  /** True for the methods a callback uses (GET, POST); {@link CallStatusHandler.handle} answers 405 to the others. */
  acceptsMethod(method: string): boolean;
  /** The largest body accepted, in bytes. */
  readonly bodyLimit: number;
  /** The 413 answer, for an adapter that stops reading a body over the limit (then close the connection). */
  tooLarge(): CallbackAnswer;
  /** Reports an adapter's own failure to `onError` and returns the answer for it (500 `CP_ERR_INTERNAL`, or a callpulse error's own). */
  fail(error: unknown): CallbackAnswer;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PUBLIC_URL = /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i;

function publicUrlSetting(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !PUBLIC_URL.test(value)) {
    throw new TypeError(`callpulse: publicUrl must be an http(s) origin with an optional path, like https://calls.example.com, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function bodyLimitSetting(value: unknown): number {
  if (value === undefined) return CALLBACK_BODY_LIMIT;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`callpulse: bodyLimit must be a whole number of bytes, 1 or more, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The answer for a coded error, with the service's headers. */
export function errorAnswer(error: CallpulseError, extraHeaders: Record<string, string> = {}): CallbackAnswer {
  return { status: error.status, headers: { 'content-type': JSON_TYPE, ...extraHeaders }, body: errorBody(error) };
}

function toBuffer(bytes: Uint8Array | string): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const defaultOnError = (error: unknown): void => console.error('callpulse: a callback handler hook failed:', error);

/**
 * Creates the framework-free handler from the options; throws a TypeError naming the option when one is
 * not valid (so a mistake shows at start-up, not on the first callback).
 */
export function createCallStatusHandler(options: CallStatusHandlerOptions): CallStatusHandler {
  if (options === null || typeof options !== 'object') throw new TypeError('callpulse: the handler options are required ({ keys, onCall })');
  const keys = toSigningKeys(options.keys);
  if (typeof options.onCall !== 'function') throw new TypeError('callpulse: onCall must be a function (event, context) => ...');
  const { onCall, onInvalid } = options;
  const onError = options.onError ?? defaultOnError;
  const urls: PublicUrlSettings = { publicUrl: publicUrlSetting(options.publicUrl), trustProxy: options.trustProxy === true };
  const bodyLimit = bodyLimitSetting(options.bodyLimit);

  const failed = (error: unknown): CallbackAnswer => {
    try {
      onError(error);
    } catch {
      // a failing logger must not turn an answer into a crash
    }
    return errorAnswer(isCallpulseError(error) ? error : new CallpulseError('CP_ERR_INTERNAL', 'internal error; see the server log'));
  };
  const acceptsMethod = (method: string): boolean => method === 'POST' || method === 'GET';

  async function answer(request: CallbackRequest): Promise<CallbackAnswer> {
    const { method, url } = request;
    if (!acceptsMethod(method)) {
      return errorAnswer(new CallpulseError('CP_ERR_METHOD_NOT_ALLOWED', `${method} is not allowed; callbacks come as POST or GET`), { allow: 'GET, POST' });
    }
    const rawBody = toBuffer(request.rawBody);
    if (rawBody.length > bodyLimit) return errorAnswer(bodyTooLarge(bodyLimit), { connection: 'close' });
    const { contentType } = request;
    const result = readCallback({ method, url, contentType, rawBody, signature: request.signature }, keys);
    const receivedAt = new Date();
    if (!result.ok) {
      if (result.quarantine && onInvalid) {
        const { fields, problems } = result.quarantine;
        try {
          await onInvalid({ method, url, contentType: contentType ?? null, raw: fields, problems, receivedAt });
        } catch (error) {
          return failed(error);
        }
      }
      return errorAnswer(result.error);
    }
    try {
      const raw = result.fields as IncomingCallStatusCallback; // valid: the eight fields are strings
      const outcome = await onCall(result.event, { method, url, contentType: contentType ?? null, raw, receivedAt });
      const body: AcceptedBody = { result: outcome === 'duplicate' ? 'duplicate' : 'accepted', callSid: result.event.callSid };
      return { status: 200, headers: { 'content-type': JSON_TYPE }, body };
    } catch (error) {
      return failed(error);
    }
  }

  /** Never throws: whatever goes wrong (a hook, or a request object that is not one) becomes an answer. */
  const handle = (request: CallbackRequest): Promise<CallbackAnswer> => answer(request).catch(failed);

  return {
    handle,
    urlOf: (pathAndQuery, headers, encrypted = false) => publicUrlOf(pathAndQuery, headers, urls, encrypted),
    acceptsMethod,
    bodyLimit,
    tooLarge: () => errorAnswer(bodyTooLarge(bodyLimit), { connection: 'close' }),
    fail: failed,
  };
}
