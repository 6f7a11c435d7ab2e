// The job a robot holds while it settles a run, and what happens when it holds it no more. Every settle
// transaction starts by detaching the held job (detachHeldJob), which succeeds only while this robot's
// worker pool still holds it: a robot declared dead (its jobs released to others) writes nothing.
import type { Job } from 'graphile-worker';
import type pg from 'pg';
import { holdsJob } from '../../../../api/queue/sql/fence.js';

/** A graphile-worker job as the fencing check needs it. */
export interface HeldJob {
  graphileJobId: string;
  /** graphile-worker's locked_by: the worker pool that fetched the job. */
  workerPoolId: string;
}

export function heldJob(job: Pick<Job, 'id' | 'locked_by'>): HeldJob {
  return { graphileJobId: job.id, workerPoolId: job.locked_by! };
}

/** Thrown from a task when this robot no longer holds its job: graphile's failJob then changes nothing. */
export class LostJobError extends Error {
  constructor(uid: string) {
    super(`robot no longer holds the job of run ${uid} (declared dead and released)`);
    this.name = 'LostJobError';
  }
}

/** Resolves once this worker pool no longer holds the job (the sweeper released it); retries through errors. */
export async function waitUntilReleased(db: pg.Pool, job: HeldJob, pollMs = 250): Promise<void> {
  for (;;) {
    const held = await holdsJob(db, job).catch(() => true);
    if (!held) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
