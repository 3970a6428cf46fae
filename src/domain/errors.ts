/**
 * @module
 * Coded errors: every error callpulse answers with has one code here, with its HTTP status.
 * One error handler (http/error-handler.ts) maps them to responses; the README lists every code.
 */

/** Every error code, with the HTTP status it answers with and a one-line meaning. */
export const ERROR_CODES = {
  CP_ERR_BODY_UNPARSEABLE: { status: 400, meaning: 'The request body could not be parsed as its Content-Type says.' },
  CP_ERR_PARAM_INVALID: { status: 400, meaning: 'A query parameter or path parameter is not valid.' },
  CP_ERR_UNAUTHORIZED: { status: 401, meaning: 'The read API needs `Authorization: Bearer <CALLPULSE_API_TOKEN>`.' },
  CP_ERR_SIGNATURE_INVALID: { status: 403, meaning: 'The signature header is missing or does not match the request.' },
  CP_ERR_PROJECT_UNKNOWN: { status: 403, meaning: 'No signing key is configured for the AccountSid (project) of the callback.' },
  CP_ERR_FORBIDDEN: { status: 403, meaning: 'The read API answers loopback clients only when no API token is set.' },
  CP_ERR_NOT_FOUND: { status: 404, meaning: 'No such call or route.' },
  CP_ERR_METHOD_NOT_ALLOWED: { status: 405, meaning: 'A callback handler of the library takes GET and POST only.' },
  CP_ERR_BODY_TOO_LARGE: { status: 413, meaning: 'The request body is over the 64 KiB limit.' },
  CP_ERR_CONTENT_TYPE: { status: 415, meaning: 'The Content-Type is neither application/x-www-form-urlencoded nor application/json.' },
  CP_ERR_PAYLOAD_INVALID: { status: 422, meaning: 'The callback does not follow the specification; it was kept in quarantine.' },
  CP_ERR_INTERNAL: { status: 500, meaning: 'An unexpected error; the details are in the server log, never in the answer.' },
  CP_ERR_STORAGE_UNAVAILABLE: { status: 503, meaning: 'Storage could not commit the callback; nothing was acknowledged, the sender may retry.' },
  CP_ERR_SHUTTING_DOWN: { status: 503, meaning: 'The server is shutting down: a callback was not stored (the sender may retry); other requests are refused.' },
} as const;

/** One of the {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one field of a payload or one parameter. */
export interface FieldProblem {
  /** The field's name as sent (`CallStatus`), or `(body)` for the body as a whole. */
  field: string;
  /** What is wrong with it, e.g. `is required`. */
  message: string;
}

/** An error carrying one of the codes above; `details` lists field problems where there are some. */
export class CallpulseError extends Error {
  /** The error's code. */
  readonly code: ErrorCode;
  /** The HTTP status it answers with ({@link ERROR_CODES}). */
  readonly status: number;
  /** Each field's problem, where there are some. */
  readonly details: readonly FieldProblem[] | undefined;

  constructor(code: ErrorCode, message: string, details?: readonly FieldProblem[]) {
    super(message);
    this.name = 'CallpulseError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }
}

/** True for errors made by `new CallpulseError(...)`. */
export function isCallpulseError(error: unknown): error is CallpulseError {
  return error instanceof CallpulseError;
}

/** The JSON body of every error answer. Never a stack trace. (A type, not an interface, so that it is a plain record.) */
export type ErrorBody = {
  /** One sentence saying what is wrong. */
  error: string;
  /** The error's code, one of {@link ERROR_CODES}. */
  code: ErrorCode;
  /** Each field's problem (422 only). */
  details?: readonly FieldProblem[];
};

/** The JSON body of an error answer: `{ error, code, details? }`. Never a stack trace. */
export function errorBody(error: CallpulseError): ErrorBody {
  return error.details ? { error: error.message, code: error.code, details: error.details } : { error: error.message, code: error.code };
}

/** The error for a request body over `limit` bytes (413); the same words from the service and every library handler. */
export function bodyTooLarge(limit: number): CallpulseError {
  const size = limit % 1024 === 0 ? `${limit / 1024} KiB` : `${limit}-byte`;
  return new CallpulseError('CP_ERR_BODY_TOO_LARGE', `the request body is over the ${size} limit`);
}

/** The error for "storage could not commit": `reason` says why (it reaches the log and the answer, never a stack). */
export function storageUnavailable(reason: string): CallpulseError {
  return new CallpulseError('CP_ERR_STORAGE_UNAVAILABLE', `storage could not commit: ${reason}`);
}

/** True for the error {@link storageUnavailable} makes: the whole batch failed for want of storage, not a bad item. */
export function isStorageUnavailable(error: unknown): error is CallpulseError {
  return isCallpulseError(error) && error.code === 'CP_ERR_STORAGE_UNAVAILABLE';
}
