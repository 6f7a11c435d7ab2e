// LISTENs for cancels and suspends of held jobs (NOTIFY aether_cancel '<uid>' or 'suspend:<uid>') on one
// dedicated connection, reconnecting after errors. A missed notification is not fatal: the cancel and
// suspend flags are also read at claim.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { CANCEL_CHANNEL, parseStopNotice, type StopNotice } from '../../../api/queue/identifiers.js';

export interface CancelListener {
  /**
   * Since when the listener has been listening without a break, in the DATABASE's clock (comparable with
   * graphile's locked_at), or null while it is not listening. Every notice committed later is delivered.
   */
  listeningSince(): Date | null;
  stop(): Promise<void>;
}

export async function listenForCancels(opts: { pool: pg.Pool; onNotice: (notice: StopNotice) => void; logger: Logger }): Promise<CancelListener> {
  let client: pg.PoolClient | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  let since: Date | null = null;

  const connect = async (): Promise<void> => {
    const c = await opts.pool.connect();
    const onError = (err: Error) => {
      opts.logger.warn({ err }, 'cancel listener connection lost; reconnecting');
      c.removeAllListeners('notification');
      c.release(err);
      if (client === c) {
        client = null;
        since = null;
      }
      if (!stopped) retry = setTimeout(() => void connect().catch(() => scheduleRetry()), 1000);
    };
    c.on('error', onError);
    c.on('notification', (msg) => {
      if (msg.channel === CANCEL_CHANNEL && msg.payload) opts.onNotice(parseStopNotice(msg.payload));
    });
    await c.query(`LISTEN ${CANCEL_CHANNEL}`);
    // Read after LISTEN took effect: every cancel committed after this time is delivered to us.
    const r = await c.query<{ t: Date }>('select clock_timestamp() as t');
    client = c;
    since = r.rows[0]!.t;
  };
  const scheduleRetry = () => {
    if (!stopped) retry = setTimeout(() => void connect().catch(() => scheduleRetry()), 1000);
  };

  await connect();
  return {
    listeningSince: () => since,
    async stop() {
      stopped = true;
      since = null;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('notification');
        c.removeAllListeners('error');
        await c.query(`UNLISTEN ${CANCEL_CHANNEL}`).catch(() => undefined);
        c.release();
      }
    },
  };
}
