// LISTEN on aether_queue_item: each NOTIFY names a queue ('<namespace>/<queue>') whose items moved; its key
// goes into the RpaQueue work queue (the counts follow, at most once a second) and its pool's into the
// RobotPool queue (scale to the items). Reconnects with backoff; after a reconnect every queue is looked at.
import type { DbSettings } from '../../../../api/db/pool.js';
import type { Logger } from '../../../../api/log.js';
import { parseQueueKey, QUEUE_ITEM_CHANNEL } from '../../../../api/queue/items/notify.js';
import { createChannelListener, type ChannelListener } from '../../../../api/queue/listen.js';

export function createQueueItemListener(opts: {
  databaseUrl: string;
  dbSettings?: DbSettings;
  logger: Logger;
  onQueue: (namespace: string, name: string) => void;
  onReconnect: () => void;
}): ChannelListener {
  return createChannelListener({
    databaseUrl: opts.databaseUrl,
    ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
    channel: QUEUE_ITEM_CHANNEL,
    logger: opts.logger.child({ component: 'queue-item-listener' }),
    onNotification: (payload) => {
      const key = payload ? parseQueueKey(payload) : null;
      if (key) opts.onQueue(key.namespace, key.queue);
    },
    onReconnect: opts.onReconnect,
    fallback: 'the periodic resync',
  });
}
