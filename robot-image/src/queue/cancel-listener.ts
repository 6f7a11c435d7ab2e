// LISTENs for cancels and suspends of held jobs (NOTIFY aether_cancel '<uid>' or 'suspend:<uid>') on one
// connection of the pool, reconnecting after errors (api/queue/listen.ts). A missed notification is not
// fatal: the cancel and suspend flags are also read at claim.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { CANCEL_CHANNEL, parseStopNotice, type StopNotice } from '../../../api/queue/identifiers.js';
import { createChannelListener } from '../../../api/queue/listen.js';

export interface CancelListener {
  /**
   * Since when the listener has been listening without a break, in the DATABASE's clock (comparable with
   * graphile's locked_at), or null while it is not listening. Every notice committed later is delivered.
   */
  listeningSince(): Date | null;
  stop(): Promise<void>;
}

/** Listens, or rejects when the first connection fails; later losses are retried every second. */
export async function listenForCancels(opts: { pool: pg.Pool; onNotice: (notice: StopNotice) => void; logger: Logger }): Promise<CancelListener> {
  const listener = createChannelListener({
    pool: opts.pool,
    channel: CANCEL_CHANNEL,
    logger: opts.logger,
    onNotification: (payload) => {
      if (payload) opts.onNotice(parseStopNotice(payload));
    },
    fallback: 'the flags read at claim',
    reconnect: { baseMs: 1000, factor: 1, maxMs: 1000, jitter: 0 },
    failFast: true,
    trackSince: true,
  });
  await listener.start();
  return listener;
}
