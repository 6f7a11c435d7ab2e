// A dedicated pg connection that LISTENs on one channel and reconnects with backoff after errors.
// A reconnect calls onReconnect: NOTIFYs sent meanwhile were missed, so the caller looks at everything.
import pg from 'pg';
import type { Logger } from '../log.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';

export interface ChannelListener {
  /** Listens, or keeps retrying in the background when the first connection fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 250, factor: 2, maxMs: 10_000, jitter: 0 };

export function createChannelListener(opts: {
  databaseUrl: string;
  channel: string;
  logger: Logger;
  onNotification: (payload: string | undefined) => void;
  /** The connection was re-established: NOTIFYs may have been missed. */
  onReconnect: () => void;
  /** What covers for the listener while it is down, for the log line (e.g. 'the periodic check'). */
  fallback: string;
}): ChannelListener {
  const log = opts.logger;
  let client: pg.Client | undefined;
  let stopped = true;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    c.on('notification', (msg) => opts.onNotification(msg.payload));
    c.on('error', (err) => {
      log.warn({ err }, 'LISTEN connection failed; reconnecting');
      void c.end().catch(() => undefined);
      scheduleReconnect();
    });
    await c.connect();
    await c.query(`LISTEN ${pg.escapeIdentifier(opts.channel)}`);
    client = c;
    if (failures > 0) opts.onReconnect();
    failures = 0;
  }

  function scheduleReconnect(): void {
    client = undefined;
    if (stopped || retry) return;
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      if (stopped) return;
      connect().catch((err: unknown) => {
        log.warn({ err }, 'LISTEN reconnect failed');
        scheduleReconnect();
      });
    }, retryDelayMs(failures, RECONNECT_BACKOFF));
  }

  return {
    async start() {
      stopped = false;
      await connect().catch((err: unknown) => {
        log.warn({ err }, `LISTEN failed; retrying (${opts.fallback} covers meanwhile)`);
        scheduleReconnect();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}
