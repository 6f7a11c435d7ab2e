// A suspended run (spec.suspend), in ONE transaction: detach the held job (fencing) and park the run,
// 'suspended' with its payload kept (audited) or 'cancelled' if a cancel came meanwhile. No job is
// re-added: the producer does that when the run is resumed.
import type pg from 'pg';
import { withTransaction } from '../../../../api/queue/db.js';
import type { QueuePayload } from '../../../../api/queue/payload.js';
import { detachHeldJob, insertAudit, parkRun } from '../../../../api/queue/sql/runs.js';
import type { HeldJob } from './held-job.js';

export interface ParkOptions {
  job: HeldJob;
  payload: QueuePayload;
  /** The robot writing this (the audit's actor). */
  robot: string;
  /** The robot that ran the attempt (it resumes from there), or null when it was never started here. */
  heldBy: string | null;
}

/** What the run became; null when it was no longer live. */
export type ParkedState = 'suspended' | 'cancelled' | null;

/** `{ state }`, or null when this robot no longer holds the job (nothing written). */
export async function park(db: pg.Pool, opts: ParkOptions): Promise<{ state: ParkedState } | null> {
  const { payload } = opts;
  return withTransaction(db, async (tx) => {
    if (!(await detachHeldJob(tx, opts.job))) return null;
    const state = await parkRun(tx, { uid: payload.uid, payload, robot: opts.heldBy });
    if (state === 'suspended') {
      await insertAudit(tx, {
        actor: `robot/${opts.robot}`,
        action: 'run.suspended',
        namespace: payload.namespace,
        name: payload.name,
        runUid: payload.uid,
      });
    }
    return { state };
  });
}
