/**
 * @module
 * A real local HTTP receiver for alert notifications (127.0.0.1, a random port): records every POST with its
 * path, headers and JSON body, and can be told to fail the next requests to a path, or every one.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The status the receiver answered with. */
  answered: number;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request, in arrival order. */
  requests: ReceivedRequest[];
  /** The requests to `path` that were answered 2xx. */
  delivered(path: string): ReceivedRequest[];
  /** Answers the next `count` requests to `path` with `status`. */
  failNext(path: string, count: number, status?: number): void;
  /** Answers every request to `path` with `status` from now on (null: stop failing). */
  failAlways(path: string, status: number | null): void;
  /** Resolves once `predicate` holds, checking after each request (rejects after `timeoutMs`). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const failures = new Map<string, { count: number; status: number }>();
  const always = new Map<string, number>();
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      let status = 200;
      const failure = failures.get(path);
      if (always.has(path)) status = always.get(path)!;
      else if (failure && failure.count > 0) {
        failure.count -= 1;
        status = failure.status;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { unparsable: text };
      }
      requests.push({ path, headers: request.headers, body, answered: status });
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status < 300 ? 'ok' : 'failed');
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delivered: (path) => requests.filter((r) => r.path === path && r.answered < 300),
    failNext(path, count, status = 500) {
      failures.set(path, { count, status });
    },
    failAlways(path, status) {
      if (status === null) always.delete(path);
      else always.set(path, status);
    },
    waitFor(predicate, timeoutMs = 20_000) {
      if (predicate()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the receiver did not get what was expected within ${timeoutMs} ms (got ${requests.length} request(s))`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
