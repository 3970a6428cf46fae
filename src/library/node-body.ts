/**
 * @module
 * Reads a node:http request body up to a limit, for the Express (and plain node:http) middleware: stops at
 * the first byte over the limit, or at once when Content-Length already says so.
 */
import type { IncomingMessage } from 'node:http';

/** The body; `too-large` when it passed the limit (the rest was not read); `aborted` when the client went away. */
export type NodeBody = Buffer | 'too-large' | 'aborted';

/** Reads the whole body of `request`, at most `limit` bytes. Never rejects. */
export function readNodeBody(request: IncomingMessage, limit: number): Promise<NodeBody> {
  request.on('error', () => undefined); // a client that goes away must not crash the process
  if (Number(request.headers['content-length'] ?? 0) > limit) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: NodeBody): void => {
      request.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish('too-large');
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    const onAbort = (): void => finish('aborted');
    const onClose = (): void => {
      if (!request.complete) finish('aborted');
    };
    request.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose);
  });
}
