// LISTEN on the healing channel: a robot recorded a heal event for a workflow ('<namespace>/<name>'),
// whose key goes straight into the RpaWorkflow work queue, so a new suggestion reaches status and an
// Event within moments instead of at the next periodic resync. Reconnects with backoff; after a
// reconnect every workflow is looked at (NOTIFYs may have been missed).
import pg from 'pg';
import { HEALING_CHANNEL } from '../../../api/healing/sql.js';
import type { Logger } from '../../../api/log.js';
import { exponentialBackoffMs } from '../runtime/backoff.js';

export interface HealingListener {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** '<namespace>/<name>' of a NOTIFY payload, or null when malformed. */
export function parseWorkflowKey(payload: string | undefined): { namespace: string; name: string } | null {
  const m = /^([a-z0-9][-a-z0-9]{0,62})\/([a-z0-9][-a-z0-9.]{0,252})$/.exec(payload ?? '');
  return m ? { namespace: m[1]!, name: m[2]! } : null;
}

export function createHealingListener(opts: {
  databaseUrl: string;
  logger: Logger;
  /** A workflow got a heal event. */
  onWorkflow: (namespace: string, name: string) => void;
  /** The connection was re-established: NOTIFYs may have been missed. */
  onReconnect: () => void;
}): HealingListener {
  const log = opts.logger.child({ component: 'healing-listener' });
  let client: pg.Client | undefined;
  let stopped = true;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    c.on('notification', (msg) => {
      const key = parseWorkflowKey(msg.payload);
      if (key) opts.onWorkflow(key.namespace, key.name);
    });
    c.on('error', (err) => {
      log.warn({ err }, 'LISTEN connection failed; reconnecting');
      void c.end().catch(() => undefined);
      scheduleReconnect();
    });
    await c.connect();
    await c.query(`LISTEN ${pg.escapeIdentifier(HEALING_CHANNEL)}`);
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
        log.warn({ err }, 'LISTEN failed; retrying (the periodic resync covers meanwhile)');
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
