// A job whose payload does not parse can never run: in ONE transaction, fail its run for good (when the
// payload names a live one that is not cancelled). The job itself is dropped by the caller returning.
import type pg from 'pg';
import { withTransaction } from '../../../../api/queue/db.js';
import { claimRuns, recordRunFailure } from '../../../../api/queue/sql/runs.js';

export interface FailInvalidPayloadOptions {
  runUid: string;
  robot: string;
  /** Why the payload was refused (the run's error message). */
  message: string;
}

/** True when a run was failed. */
export async function failInvalidPayload(db: pg.Pool, opts: FailInvalidPayloadOptions): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const [claim] = await claimRuns(tx, { uids: [opts.runUid] });
    if (!claim || claim.state === 'cancelled') return false;
    const rec = await recordRunFailure(tx, {
      uid: opts.runUid,
      robot: opts.robot,
      error: { message: opts.message, code: 'InvalidPayload' },
      retryable: false,
      retryDelayMs: 0,
      screenshotId: null,
    });
    return rec !== null;
  });
}
