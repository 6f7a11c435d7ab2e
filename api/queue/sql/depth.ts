// Queue depth per pool from the partial index runs_live_by_pool (only queued and running runs are in it).
import type { Queryable } from '../db.js';

export interface QueueDepth {
  /** Queued and due now. */
  ready: number;
  /** Queued with a future run_at (retry back-off, scheduled). */
  delayed: number;
  /** Claimed by a robot. */
  running: number;
}

export async function queueDepth(db: Queryable, opts: { namespace: string; pool: string }): Promise<QueueDepth> {
  const r = await db.query<QueueDepth>(
    `select count(*) filter (where state = 'queued' and run_at <= now())::int as ready,
            count(*) filter (where state = 'queued' and run_at > now())::int as delayed,
            count(*) filter (where state = 'running')::int as running
       from aether.runs
      where namespace = $1 and pool = $2 and state in ('queued', 'running')`,
    [opts.namespace, opts.pool],
  );
  return r.rows[0]!;
}
