/**
 * @module
 * Reads one callback request into a verified, validated event, or into the coded error to answer with.
 * Framework-free (method, URL, content type, raw body, signature in): every HTTP adapter calls this.
 * Order: content type (415), body decoding (400), project and signature (403), validation (422, quarantined).
 */
import { parseIncomingCallStatus, type CallbackFields, type CallStatusEvent } from '../domain/call-event.js';
import { decodeFormPairs, decodeJsonObject, encodingOf, pairsToFields, queryOf } from '../domain/callback-body.js';
import { CallpulseError, type FieldProblem } from '../domain/errors.js';
import { verifySignalWireSignature } from '../signature/verify.js';
import type { SigningKeys } from './signing-keys.js';

/** One inbound callback request, as the HTTP layer saw it. */
export interface InboundRequest {
  method: string;
  /** The exact public URL SignalWire called, query string included. */
  url: string;
  contentType: string | undefined;
  /** The raw body bytes; empty for GET. */
  rawBody: Buffer;
  /** X-SignalWire-Signature, else X-Twilio-Signature. */
  signature: string | undefined;
}

/** The outcome: a valid event with its raw fields, or the error to answer (with what to quarantine, for 422). */
export type ReadResult =
  | { ok: true; event: CallStatusEvent; fields: CallbackFields }
  | { ok: false; error: CallpulseError; quarantine?: { fields: CallbackFields; problems: FieldProblem[] } };

interface Decoded {
  fields: CallbackFields;
  /** The form body's pairs, kept for signature checking. */
  formPairs?: Array<[string, string]>;
}

function decodeFields(request: InboundRequest): Decoded | CallpulseError {
  if (request.method === 'GET' || request.method === 'HEAD') return { fields: pairsToFields(decodeFormPairs(queryOf(request.url))) };
  const encoding = encodingOf(request.contentType);
  if (encoding === null) {
    return new CallpulseError(
      'CP_ERR_CONTENT_TYPE',
      `Content-Type ${JSON.stringify(request.contentType ?? '')} is not supported; send application/x-www-form-urlencoded or application/json`,
    );
  }
  const text = request.rawBody.toString('utf8');
  if (encoding === 'form') {
    const formPairs = decodeFormPairs(text);
    return { fields: pairsToFields(formPairs), formPairs };
  }
  const fields = decodeJsonObject(text);
  return fields ? { fields } : new CallpulseError('CP_ERR_BODY_UNPARSEABLE', 'the body is not a JSON object');
}

/** Verifies, decodes and validates one callback request. Never throws on bad input. */
export function readCallback(request: InboundRequest, keys: SigningKeys): ReadResult {
  const decoded = decodeFields(request);
  if (decoded instanceof CallpulseError) return { ok: false, error: decoded };
  const { fields } = decoded;
  if (keys.verifying) {
    const accountSid = typeof fields.AccountSid === 'string' ? fields.AccountSid : undefined;
    const projectKeys = keys.keysFor(accountSid);
    if (projectKeys === null) {
      return { ok: false, error: new CallpulseError('CP_ERR_PROJECT_UNKNOWN', 'no signing key is configured for this AccountSid') };
    }
    const valid = verifySignalWireSignature({
      url: request.url,
      rawBody: request.rawBody,
      contentType: request.contentType,
      formPairs: decoded.formPairs,
      signature: request.signature,
      keys: projectKeys,
    });
    if (!valid) {
      const why = request.signature ? 'the signature does not match this request' : 'the request has no X-SignalWire-Signature header';
      return { ok: false, error: new CallpulseError('CP_ERR_SIGNATURE_INVALID', why) };
    }
  }
  const parsed = parseIncomingCallStatus(fields);
  if (!parsed.ok) {
    return {
      ok: false,
      error: new CallpulseError('CP_ERR_PAYLOAD_INVALID', 'the callback does not follow the specification', parsed.problems),
      quarantine: { fields, problems: parsed.problems },
    };
  }
  return { ok: true, event: parsed.event, fields };
}
