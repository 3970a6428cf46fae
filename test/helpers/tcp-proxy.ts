/**
 * @module
 * A TCP proxy on 127.0.0.1 that a test controls, in front of a real server (PostgreSQL): `cut()` stops
 * accepting connections and drops every open one (as a database outage or a network partition looks to
 * a client), `restore()` accepts again on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops listening and destroys every open connection, both sides. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `host:port` on a free port of 127.0.0.1. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  const onConnection = (client: Socket): void => {
    accepted += 1;
    const upstream = connect(port, host);
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };
  let server: Server = createServer(onConnection);
  const listen = (on: Server, listenPort: number) =>
    new Promise<number>((resolve, reject) => {
      on.once('error', reject);
      on.listen(listenPort, '127.0.0.1', () => resolve((on.address() as { port: number }).port));
    });
  const proxyPort = await listen(server, 0);
  let listening = true;

  const stop = async (): Promise<void> => {
    if (listening) {
      listening = false;
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of open) socket.destroy();
      open.clear();
      await closed;
    }
  };
  return {
    port: proxyPort,
    get accepted() {
      return accepted;
    },
    cut: stop,
    async restore() {
      if (listening) return;
      server = createServer(onConnection);
      await listen(server, proxyPort);
      listening = true;
    },
    close: stop,
  };
}
