// LISTEN on the queue's enqueue channel: each NOTIFY names a pool ('<namespace>/<pool>'), whose key goes
// straight into the RobotPool work queue, so new work is seen within milliseconds instead of at the next
// periodic check. Reconnects with backoff; after a reconnect every pool is checked (NOTIFYs were missed).
import pg from 'pg';
import type { Logger } from '../../../../api/log.js';
import { ENQUEUE_CHANNEL, parsePoolKey } from '../../../../api/queue/identifiers.js';
import { exponentialBackoffMs } from '../../runtime/backoff.js';

export interface EnqueueListener {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEnqueueListener(opts: {
  databaseUrl: string;
  logger: Logger;
  /** A pool got new work. */
  onPool: (namespace: string, pool: string) => void;
  /** The connection was re-established: NOTIFYs may have been missed. */
  onReconnect: () => void;
}): EnqueueListener {
  const log = opts.logger.child({ component: 'enqueue-listener' });
  let client: pg.Client | undefined;
  let stopped = true;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    c.on('notification', (msg) => {
      const ref = msg.payload ? parsePoolKey(msg.payload) : null;
      if (ref) opts.onPool(ref.namespace, ref.pool);
    });
    c.on('error', (err) => {
      log.warn({ err }, 'LISTEN connection failed; reconnecting');
      void c.end().catch(() => undefined);
      scheduleReconnect();
    });
    await c.connect();
    await c.query(`LISTEN ${pg.escapeIdentifier(ENQUEUE_CHANNEL)}`);
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
    }, exponentialBackoffMs(failures, { baseMs: 250, capMs: 10_000 }));
  }

  return {
    async start() {
      stopped = false;
      await connect().catch((err: unknown) => {
        log.warn({ err }, 'LISTEN failed; retrying (the periodic check covers meanwhile)');
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
