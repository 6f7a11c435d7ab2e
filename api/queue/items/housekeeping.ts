// Housekeeping of a queue's items, run by the RpaQueue controller: abandon what waited or ran too long,
// delete finished items past the queue's retention.
import type { Queryable } from '../db.js';

/** New items past their deadline and InProgress items past the queue's in-progress timeout: Abandoned. */
export async function abandonItems(db: Queryable, opts: { namespace: string; queue: string }): Promise<number> {
  const r = await db.query<{ n: number }>('select aether.abandon_queue_items($1, $2) as n', [opts.namespace, opts.queue]);
  return r.rows[0]!.n;
}

/** Deletes up to `limit` finished items that finished before `before` (one small batch). */
export async function deleteFinishedItemsBefore(db: Queryable, opts: { namespace: string; queue: string; before: Date; limit: number }): Promise<number> {
  const r = await db.query(
    `delete from aether.queue_items where id in (
       select id from aether.queue_items
        where namespace = $1 and queue = $2 and status in ('Successful', 'Failed', 'Abandoned', 'Deleted') and finished_at < $3
        limit $4)`,
    [opts.namespace, opts.queue, opts.before, opts.limit],
  );
  return r.rowCount ?? 0;
}
