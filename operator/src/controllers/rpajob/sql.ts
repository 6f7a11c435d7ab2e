// The RpaJob controller's own read of a run row: what the job's status shows of the run it has just
// queued. Two columns instead of the whole row (producer.getRun): this read follows every enqueue.
import type { Queryable } from '../../../../api/queue/db.js';

export interface QueuedRecord {
  createdAt: Date;
  workflowDigest: string;
}

/** When the run was queued and the digest of its workflow snapshot; null when there is no such run. */
export async function queuedRecord(db: Queryable, opts: { uid: string }): Promise<QueuedRecord | null> {
  const r = await db.query<QueuedRecord>({
    // Prepared once per connection: it runs once per queued job.
    name: 'aether_operator_queued_record',
    text: 'select created_at as "createdAt", workflow_digest as "workflowDigest" from aether.runs where uid = $1',
    values: [opts.uid],
  });
  return r.rows[0] ?? null;
}
