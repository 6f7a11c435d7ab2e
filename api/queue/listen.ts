// The one LISTEN helper: a connection that LISTENs on one channel and reconnects with backoff after
// errors. The connection is a dedicated client (databaseUrl) or one held from a pool for as long as it
// listens (pool). A reconnect calls onReconnect: NOTIFYs sent meanwhile were missed, so the caller looks
// at everything. With trackSince it reads the database's clock once LISTEN took effect (listeningSince):
// every NOTIFY committed after that time is delivered.
import pg from 'pg';
import { createClient, type DbSettings } from '../db/pool.js';
import type { Logger } from '../log.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';

export interface ChannelListener {
  /** Listens; when the first connection fails it keeps retrying in the background, or rejects with failFast. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Since when (the database's clock) it has listened without a break; null while not listening or without trackSince. */
  listeningSince(): Date | null;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 250, factor: 2, maxMs: 10_000, jitter: 0 };

export interface ChannelListenerOptions {
  /** A dedicated connection to this database, or */
  databaseUrl?: string;
  /** a connection held from this pool while listening (UNLISTENed before it goes back). */
  pool?: pg.Pool;
  /** Timeouts and keepalive of the dedicated connection (api/db/pool.ts defaults). */
  dbSettings?: DbSettings;
  channel: string;
  logger: Logger;
  onNotification: (payload: string | undefined) => void;
  /** The connection was re-established: NOTIFYs may have been missed. */
  onReconnect?: () => void;
  /** What covers for the listener while it is down, for the log line (e.g. 'the periodic check'). */
  fallback: string;
  /** Pacing of reconnects (default 250 ms doubling up to 10 s). */
  reconnect?: BackoffPolicy;
  /** start() rejects when the first connection fails, instead of retrying in the background. */
  failFast?: boolean;
  /** Read the database's clock once LISTEN took effect (listeningSince). */
  trackSince?: boolean;
}

interface Connection {
  client: pg.ClientBase;
  close(err?: Error): Promise<void>;
  /** This listener's own 'error' handler on the client (the pool's stays: see stop()). */
  onError?: (err: Error) => void;
}

export function createChannelListener(opts: ChannelListenerOptions): ChannelListener {
  const log = opts.logger;
  const channel = pg.escapeIdentifier(opts.channel);
  let conn: Connection | undefined;
  let since: Date | null = null;
  let stopped = true;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  async function open(): Promise<Connection> {
    if (opts.pool) {
      const c = await opts.pool.connect();
      return { client: c, close: async (err) => c.release(err) };
    }
    const c = createClient(opts.databaseUrl!, opts.dbSettings, 'aether-listen');
    return { client: c, close: () => c.end().catch(() => undefined) };
  }

  async function connect(): Promise<void> {
    const opened = await open();
    const c = opened.client;
    c.on('notification', (msg) => {
      if (msg.channel === opts.channel) opts.onNotification(msg.payload);
    });
    opened.onError = (err: Error) => {
      log.warn({ err, channel: opts.channel }, 'LISTEN connection failed; reconnecting');
      c.removeAllListeners('notification');
      void opened.close(err).catch(() => undefined);
      if (conn === opened) {
        conn = undefined;
        since = null;
      }
      scheduleReconnect();
    };
    c.on('error', opened.onError);
    try {
      if (!opts.pool) await (c as pg.Client).connect();
      await c.query(`LISTEN ${channel}`);
      // Read after LISTEN took effect: every NOTIFY committed after this time is delivered to us.
      const at = opts.trackSince ? (await c.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t : null;
      conn = opened;
      since = at;
    } catch (err) {
      c.removeAllListeners('notification');
      await opened.close(err instanceof Error ? err : new Error(String(err))).catch(() => undefined);
      throw err;
    }
    if (failures > 0) opts.onReconnect?.();
    failures = 0;
  }

  function scheduleReconnect(): void {
    if (stopped || retry) return;
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      if (stopped) return;
      connect().catch((err: unknown) => {
        log.warn({ err, channel: opts.channel }, 'LISTEN reconnect failed');
        scheduleReconnect();
      });
    }, retryDelayMs(failures, opts.reconnect ?? DEFAULT_RECONNECT_BACKOFF));
  }

  return {
    async start() {
      stopped = false;
      await connect().catch((err: unknown) => {
        if (opts.failFast) {
          stopped = true;
          throw err;
        }
        log.warn({ err, channel: opts.channel }, `LISTEN failed; retrying (${opts.fallback} covers meanwhile)`);
        scheduleReconnect();
      });
    },
    async stop() {
      stopped = true;
      since = null;
      clearTimeout(retry);
      retry = undefined;
      const c = conn;
      conn = undefined;
      if (!c) return;
      c.client.removeAllListeners('notification');
      if (opts.pool) {
        // Back to the pool: as a plain connection again. Only our handler goes: the pool's own (api/db/pool.ts)
        // must stay, or a connection failing during the UNLISTEN is an unhandled 'error' that ends the process.
        if (c.onError) c.client.removeListener('error', c.onError);
        await c.client.query(`UNLISTEN ${channel}`).catch(() => undefined);
      }
      await c.close().catch(() => undefined);
    },
    listeningSince: () => since,
  };
}
