/**
 * @module
 * `callpulse`: SignalWire's incoming call status callback as a library. The typed callback and its
 * normalised event, the signature verifier and signer (both schemes), the parser that never throws, and a
 * ready handler for Web-standard servers (Hono, Next.js route handlers...) built on a framework-free handler.
 * The Fastify plugin, the Express middleware and the storage sink are the `callpulse/fastify`,
 * `callpulse/express` and `callpulse/store` entries, so that a bundle pulls only what it uses.
 *
 * The callpulse service uses these same functions. Importing this entry has no side effects and loads no web
 * framework, no database driver and no dashboard code.
 */
export {
  CALL_STATUSES, REQUIRED_FIELDS, parseIncomingCallStatus,
  type CallbackFields, type CallStatus, type CallStatusEvent, type IncomingCallStatusCallback, type ParseResult,
} from '../domain/call-event.js';
export { CALLBACK_BODY_LIMIT } from '../domain/callback-body.js';
export { CallpulseError, ERROR_CODES, isCallpulseError, type ErrorBody, type ErrorCode, type FieldProblem } from '../domain/errors.js';
export type { HeaderBag } from '../http/public-url.js';
export {
  SIGNATURE_HEADERS, signatureOf, signSignalWireRequest, verifySignalWireSignature,
  type SignedRequest, type SignInput, type VerifyInput,
} from '../signature/verify.js';
export {
  createCallStatusHandler,
  type AcceptedBody, type CallbackAnswer, type CallbackContext, type CallbackDelivery, type CallbackRequest, type CallOutcome,
  type CallStatusHandler, type CallStatusHandlerOptions, type InvalidCallback,
} from './call-status-handler.js';
export type { SigningKeysOption } from './signing-keys-option.js';
export { createWebHandler } from './web-handler.js';
