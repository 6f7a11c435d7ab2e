// LISTEN on the queue's enqueue channel: each NOTIFY names a pool ('<namespace>/<pool>'), whose key goes
// straight into the RobotPool work queue, so new work is seen within milliseconds instead of at the next
// periodic check. Reconnects with backoff; after a reconnect every pool is checked (NOTIFYs were missed).
import type { Logger } from '../../../../api/log.js';
import { ENQUEUE_CHANNEL, parsePoolKey } from '../../../../api/queue/identifiers.js';
import { createChannelListener, type ChannelListener } from '../../../../api/queue/listen.js';
import type { DbSettings } from '../../../../api/db/pool.js';

export type EnqueueListener = ChannelListener;

export function createEnqueueListener(opts: {
  databaseUrl: string;
  /** Timeouts and keepalive of the LISTEN connection. */
  dbSettings?: DbSettings;
  logger: Logger;
  /** A pool got new work. */
  onPool: (namespace: string, pool: string) => void;
  /** The connection was re-established: NOTIFYs may have been missed. */
  onReconnect: () => void;
}): EnqueueListener {
  return createChannelListener({
    databaseUrl: opts.databaseUrl,
    ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
    channel: ENQUEUE_CHANNEL,
    logger: opts.logger.child({ component: 'enqueue-listener' }),
    onNotification: (payload) => {
      const ref = payload ? parsePoolKey(payload) : null;
      if (ref) opts.onPool(ref.namespace, ref.pool);
    },
    onReconnect: opts.onReconnect,
    fallback: 'the periodic check',
  });
}
