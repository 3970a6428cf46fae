/**
 * @module
 * The logging interface modules below `http/` and `server.ts` accept: pino's shape (object, message),
 * so the server passes its Fastify logger and tests pass a silent one.
 */

export interface Logger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
