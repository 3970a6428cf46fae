/**
 * @module
 * The one place errors become answers: coded errors keep their status and message; the framework's
 * own client errors are mapped to our codes; anything else is a 500 that shows no internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { CallpulseError, errorBody, isCallpulseError, type ErrorCode } from '../domain/errors.js';

/** Fastify's client-error codes and the callpulse code each becomes. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'CP_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CP_ERR_CONTENT_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CP_ERR_BODY_UNPARSEABLE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CP_ERR_BODY_UNPARSEABLE',
  FST_ERR_VALIDATION: 'CP_ERR_PARAM_INVALID',
};

const FRAMEWORK_MESSAGES: Partial<Record<ErrorCode, string>> = {
  CP_ERR_BODY_TOO_LARGE: 'the request body is over the 64 KiB limit',
  CP_ERR_CONTENT_TYPE: 'send application/x-www-form-urlencoded or application/json',
};

function toCallpulseError(error: FastifyError): CallpulseError {
  if (isCallpulseError(error)) return error;
  const code = error.code ? FRAMEWORK_CODES[error.code] : undefined;
  if (code) return new CallpulseError(code, FRAMEWORK_MESSAGES[code] ?? error.message);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new CallpulseError(error.statusCode === 404 ? 'CP_ERR_NOT_FOUND' : 'CP_ERR_BODY_UNPARSEABLE', error.message);
  }
  return new CallpulseError('CP_ERR_INTERNAL', 'internal error; see the server log');
}

/** Installs the error and not-found handlers on an app. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const coded = toCallpulseError(error);
    if (coded.status >= 500 && coded.code !== 'CP_ERR_SHUTTING_DOWN') request.log.error({ err: error }, 'request failed');
    void reply.code(coded.status).send(errorBody(coded));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new CallpulseError('CP_ERR_NOT_FOUND', `no route for ${request.method} ${request.url.split('?', 1)[0]}`);
    void reply.code(404).send(errorBody(error));
  });
}
