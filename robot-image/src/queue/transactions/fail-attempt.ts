// A real failure of an attempt (the handler returned { status: 'failed' } or threw), in ONE transaction:
// detach the held job (fencing), count the failure and store the error (+ screenshot), then either re-add
// the job under the same key for a retry at run_at = now + delay, or dead-letter the run (audited).
import type pg from 'pg';
import { withTransaction } from '../../../../api/queue/db.js';
import { GRAPHILE_MAX_ATTEMPTS } from '../../../../api/queue/identifiers.js';
import type { QueuePayload } from '../../../../api/queue/payload.js';
import {
  addRunJob,
  detachHeldJob,
  insertAudit,
  insertScreenshot,
  recordRunFailure,
  type FailureRecord,
  type RunError,
} from '../../../../api/queue/sql/runs.js';
import type { HeldJob } from './held-job.js';

/** Larger failure screenshots are not stored (the error is). */
export const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;

export interface FailAttemptOptions {
  job: HeldJob;
  payload: QueuePayload;
  /** The robot recording the failure. */
  robot: string;
  error: RunError;
  /** false: fail for good now, whatever attempts remain. */
  retryable: boolean;
  /** Delay of the retry, if there is one. */
  retryDelayMs: number;
  screenshot: Buffer | null;
}

/**
 * The failure as recorded: state 'queued' (a retry is due at runAt) or 'failed' (a dead letter). Null when
 * nothing was written: this robot no longer holds the job, or its run is no longer live.
 */
export async function failAttempt(db: pg.Pool, opts: FailAttemptOptions): Promise<FailureRecord | null> {
  const { payload, error } = opts;
  return withTransaction(db, async (tx) => {
    if (!(await detachHeldJob(tx, opts.job))) return null;
    const screenshotId =
      opts.screenshot && opts.screenshot.length <= MAX_SCREENSHOT_BYTES
        ? await insertScreenshot(tx, { uid: payload.uid, stepId: error.stepId ?? 'unknown', image: opts.screenshot })
        : null;
    const rec = await recordRunFailure(tx, {
      uid: payload.uid,
      robot: opts.robot,
      error,
      retryable: opts.retryable,
      retryDelayMs: opts.retryDelayMs,
      screenshotId,
    });
    if (rec?.state === 'queued') {
      await addRunJob(tx, {
        uid: payload.uid,
        taskIdentifier: rec.taskIdentifier,
        payload,
        runAt: rec.runAt,
        priority: rec.priority,
        maxAttempts: GRAPHILE_MAX_ATTEMPTS,
      });
    } else if (rec?.state === 'failed') {
      await insertAudit(tx, {
        actor: `robot/${opts.robot}`,
        action: 'run.deadLettered',
        namespace: payload.namespace,
        name: payload.name,
        runUid: payload.uid,
        details: { failedAttempts: rec.failedAttempts, error },
      });
    }
    return rec;
  });
}
