// The shutdown deadline passed while the run's handler was still going: in ONE transaction, detach the held
// job (fencing) and put the run back to 'queued' with its job re-added at once, failed_attempts untouched.
import type pg from 'pg';
import { withTransaction } from '../../../../api/queue/db.js';
import { GRAPHILE_MAX_ATTEMPTS } from '../../../../api/queue/identifiers.js';
import type { QueuePayload } from '../../../../api/queue/payload.js';
import { addRunJob, detachHeldJob, requeueRun } from '../../../../api/queue/sql/runs.js';
import type { HeldJob } from './held-job.js';

export interface HandBackOptions {
  job: HeldJob;
  payload: QueuePayload;
  /** The robot handing the run back: the next holder resumes its attempt. */
  robot: string;
}

/** False when this robot no longer holds the job (nothing written). */
export async function handBack(db: pg.Pool, opts: HandBackOptions): Promise<boolean> {
  const { payload } = opts;
  return withTransaction(db, async (tx) => {
    if (!(await detachHeldJob(tx, opts.job))) return false;
    const run = await requeueRun(tx, { uid: payload.uid, robot: opts.robot });
    if (run) {
      await addRunJob(tx, {
        uid: payload.uid,
        taskIdentifier: run.taskIdentifier,
        payload,
        runAt: new Date(),
        priority: run.priority,
        maxAttempts: GRAPHILE_MAX_ATTEMPTS,
      });
    }
    return true;
  });
}
