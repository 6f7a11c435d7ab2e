// The RpaJob controller's own read of run rows: what the job's status shows of the run it has just
// queued. Two columns instead of the whole row (producer.getRun): this read follows every enqueue, once
// per batch of enqueues (enqueue-batch.ts).
import { uuidArray } from '../../../../api/queue/sql/runs.js';
import type { Queryable } from '../../../../api/queue/db.js';

export interface QueuedRecord {
  createdAt: Date;
  workflowDigest: string;
}

/** When each run was queued and the digest of its workflow snapshot, by UID; unknown runs are absent. */
export async function queuedRecords(db: Queryable, opts: { uids: string[] }): Promise<Map<string, QueuedRecord>> {
  if (opts.uids.length === 0) return new Map();
  const r = await db.query<QueuedRecord & { uid: string }>({
    // Prepared once per connection: it runs once per batch of queued jobs.
    name: 'aether_operator_queued_records',
    text: 'select uid::text as uid, created_at as "createdAt", workflow_digest as "workflowDigest" from aether.runs where uid = any($1::uuid[])',
    values: [uuidArray(opts.uids)],
  });
  return new Map(r.rows.map(({ uid, ...record }) => [uid, record]));
}
