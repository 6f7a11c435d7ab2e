// LISTEN on the healing channel: a robot recorded a heal event for a workflow ('<namespace>/<name>'),
// whose key goes straight into the RpaWorkflow work queue, so a new suggestion reaches status and an
// Event within moments instead of at the next periodic resync. Reconnects with backoff; after a
// reconnect every workflow is looked at (NOTIFYs may have been missed).
import { HEALING_CHANNEL } from '../../../api/healing/sql.js';
import type { Logger } from '../../../api/log.js';
import { createChannelListener, type ChannelListener } from '../../../api/queue/listen.js';
import type { DbSettings } from '../../../api/db/pool.js';

export type HealingListener = ChannelListener;

/** '<namespace>/<name>' of a NOTIFY payload, or null when malformed. */
export function parseWorkflowKey(payload: string | undefined): { namespace: string; name: string } | null {
  const m = /^([a-z0-9][-a-z0-9]{0,62})\/([a-z0-9][-a-z0-9.]{0,252})$/.exec(payload ?? '');
  return m ? { namespace: m[1]!, name: m[2]! } : null;
}

export function createHealingListener(opts: {
  databaseUrl: string;
  /** Timeouts and keepalive of the LISTEN connection. */
  dbSettings?: DbSettings;
  logger: Logger;
  /** A workflow got a heal event. */
  onWorkflow: (namespace: string, name: string) => void;
  /** The connection was re-established: NOTIFYs may have been missed. */
  onReconnect: () => void;
}): HealingListener {
  return createChannelListener({
    databaseUrl: opts.databaseUrl,
    ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
    channel: HEALING_CHANNEL,
    logger: opts.logger.child({ component: 'healing-listener' }),
    onNotification: (payload) => {
      const key = parseWorkflowKey(payload);
      if (key) opts.onWorkflow(key.namespace, key.name);
    },
    onReconnect: opts.onReconnect,
    fallback: 'the periodic resync',
  });
}
