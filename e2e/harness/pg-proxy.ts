// A TCP proxy between code under test and the real PostgreSQL, to make database outages on demand:
//   down()       what a stopped server looks like: every connection is cut and new ones are refused
//                (the listener closes; ECONNREFUSED), as after `pg_ctl stop -m fast`;
//   blackhole()  what a dead network looks like: connections stay open but nothing passes either way,
//                and new connections are accepted and never answered;
//   up()         back to forwarding (black-holed connections go on with what they had buffered).
// Listens on 127.0.0.1 at a free port; `url(databaseUrl)` points a connection string through it.
import net from 'node:net';

export type ProxyMode = 'up' | 'down' | 'blackhole';

export interface PgProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** The same database URL with host and port replaced by the proxy's. */
  url(databaseUrl: string): string;
  up(): Promise<void>;
  down(): Promise<void>;
  blackhole(): void;
  /** Connections accepted so far (for assertions that traffic went through). */
  readonly accepted: number;
  stop(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket | null;
}

export async function startPgProxy(target: { host: string; port: number }): Promise<PgProxy> {
  let mode: ProxyMode = 'up';
  let accepted = 0;
  const pairs = new Set<Pair>();
  let listener: net.Server;
  let port = 0;

  const forward = (pair: Pair) => {
    if (!pair.server) {
      const server = net.connect(target.port, target.host);
      pair.server = server;
      server.on('error', () => pair.client.destroy());
      server.on('close', () => pair.client.destroy());
    }
    pair.client.pipe(pair.server);
    pair.server.pipe(pair.client);
    pair.client.resume();
    pair.server.resume();
  };
  const hold = (pair: Pair) => {
    pair.client.unpipe();
    pair.server?.unpipe();
    pair.client.pause();
    pair.server?.pause();
  };
  const onConnection = (client: net.Socket) => {
    accepted++;
    const pair: Pair = { client, server: null };
    pairs.add(pair);
    client.on('error', () => pair.server?.destroy());
    client.on('close', () => {
      pair.server?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'up') forward(pair);
    else hold(pair);
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      listener = net.createServer(onConnection);
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = (listener.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const closeListener = () => new Promise<void>((resolve) => listener.close(() => resolve()));
  await listen();

  return {
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    url(databaseUrl) {
      const u = new URL(databaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async up() {
      if (mode === 'down') await listen();
      mode = 'up';
      for (const pair of pairs) forward(pair);
    },
    async down() {
      if (mode === 'down') return;
      mode = 'down';
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server?.destroy();
      }
      pairs.clear();
      await closeListener();
    },
    blackhole() {
      mode = 'blackhole';
      for (const pair of pairs) hold(pair);
    },
    async stop() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server?.destroy();
      }
      pairs.clear();
      if (mode !== 'down') await closeListener();
      mode = 'down';
    },
  };
}

/** Host and port of a postgres:// URL (the proxy's target). */
export function targetOf(databaseUrl: string): { host: string; port: number } {
  const u = new URL(databaseUrl);
  return { host: u.hostname, port: Number(u.port || 5432) };
}
