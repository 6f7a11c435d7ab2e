// Suspending a queued job: its graphile-worker job and its run row go away together (only while no robot
// holds the job), so that resuming enqueues it afresh under the same UID.
import type { Queryable } from '../../../../api/queue/db.js';
import { jobKey } from '../../../../api/queue/identifiers.js';

/** True when the waiting run was withdrawn; false when a robot holds it (or there was none). */
export async function withdrawQueuedRun(db: Queryable, opts: { uid: string }): Promise<boolean> {
  const r = await db.query(
    `with job as (
       delete from graphile_worker._private_jobs where key = $1 and locked_at is null returning id
     )
     delete from aether.runs where uid = $2 and state = 'queued' and exists (select 1 from job)`,
    [jobKey(opts.uid), opts.uid],
  );
  return (r.rowCount ?? 0) > 0;
}
