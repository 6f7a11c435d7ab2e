// Records how a claimed run's handler ended: each outcome goes to one write (successes batched) or one
// transaction (transactions/*), and is logged where it is decided.
import type { Job } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { retryDelayMs, type BackoffPolicy } from '../../../api/queue/backoff.js';
import type { QueuePayload } from '../../../api/queue/payload.js';
import { holdsJob } from '../../../api/queue/sql/fence.js';
import { completeRuns, markRunCancelled, type ClaimedRun } from '../../../api/queue/sql/runs.js';
import { createSharedBatcher } from './batcher.js';
import type { HandlerOutcome } from './handler.js';
import type { AbandonReason } from './in-flight.js';
import { isAbandoned, type Settled } from './run-handler.js';
import { failAttempt } from './transactions/fail-attempt.js';
import { handBack } from './transactions/hand-back.js';
import { heldJob, LostJobError, waitUntilReleased } from './transactions/held-job.js';
import { park } from './transactions/park.js';

export interface RecorderOptions {
  db: pg.Pool;
  robot: string;
  backoff: BackoffPolicy;
  logger: Logger;
}

export interface Recorder {
  /** Writes how the run's handler ended. Throws LostJobError when this robot no longer holds the job. */
  record(job: Job, payload: QueuePayload, claim: ClaimedRun, settled: Settled): Promise<void>;
  /** Parks a run whose suspend was requested before it started here (its last holder stays its robot). */
  parkUnstarted(job: Job, payload: QueuePayload): Promise<void>;
}

/** A job's log: built only when something is logged, so the common path logs nothing per job. */
export const jobLog = (log: Logger, payload: QueuePayload): Logger =>
  log.child({ kind: 'RpaJob', namespace: payload.namespace, name: payload.name, jobUid: payload.uid });

export function createRecorder(opts: RecorderOptions): Recorder {
  const { db, robot, logger } = opts;
  // Resolves with whether every run of the batch was written (the usual case: no further read).
  const completions = createSharedBatcher<{ uid: string; outputs: unknown; epoch: number | null }, boolean>((results) =>
    completeRuns(db, { results, robot }).then((written) => written === results.length),
  );

  const parked = async (job: Job, payload: QueuePayload, heldBy: string | null) => {
    const r = await park(db, { job: heldJob(job), payload, robot, heldBy });
    if (r === null) throw new LostJobError(payload.uid);
    return r.state;
  };

  const abandoned = async (job: Job, payload: QueuePayload, reason: AbandonReason) => {
    // The handler has stopped (run-handler.ts): only now may another robot run the job.
    // Fenced: the run is another robot's now, nothing is written. A robot asked to stop still holds its job
    // until the sweeper releases it (after this robot's acknowledgement): graphile must not fail (and so
    // unlock) it before, so the task waits for that release.
    if (reason === 'fenced') {
      await waitUntilReleased(db, heldJob(job));
      throw new LostJobError(payload.uid);
    }
    const handedBack = await handBack(db, { job: heldJob(job), payload, robot });
    if (!handedBack) throw new LostJobError(payload.uid);
    jobLog(logger, payload).info('handed the job back at shutdown');
  };

  const failed = async (
    job: Job,
    payload: QueuePayload,
    claim: ClaimedRun,
    outcome: Extract<HandlerOutcome, { status: 'failed' }>,
  ) => {
    const rec = await failAttempt(db, {
      job: heldJob(job),
      payload,
      robot,
      error: outcome.error,
      retryable: outcome.retryable !== false,
      retryDelayMs: retryDelayMs(claim.failedAttempts + 1, opts.backoff),
      screenshot: outcome.screenshot ?? null,
    });
    if (rec === null) throw new LostJobError(payload.uid);
    if (rec.state === 'failed') {
      jobLog(logger, payload).warn(
        { failedAttempts: rec.failedAttempts, error: outcome.error },
        'run failed for good (dead letter)',
      );
    } else {
      jobLog(logger, payload).info(
        { failedAttempts: rec.failedAttempts, runAt: rec.runAt, error: outcome.error },
        'attempt failed; retry scheduled',
      );
    }
  };

  return {
    async record(job, payload, claim, settled) {
      if (isAbandoned(settled)) return abandoned(job, payload, settled.abandoned);
      switch (settled.status) {
        case 'succeeded': {
          const allWritten = await completions.submit({ uid: payload.uid, outputs: settled.outputs ?? null, epoch: claim.claimEpoch });
          // A holder released meanwhile (declared dead) writes nothing, and its job may be another robot's
          // now: graphile's completion deletes a job by id whoever holds it, so it must not follow.
          if (!allWritten && !(await holdsJob(db, heldJob(job)))) throw new LostJobError(payload.uid);
          return;
        }
        case 'cancelled':
          await markRunCancelled(db, { uid: payload.uid, epoch: claim.claimEpoch });
          jobLog(logger, payload).info('run cancelled');
          return;
        case 'suspended': {
          const state = await parked(job, payload, robot);
          jobLog(logger, payload).info({ state, stepId: settled.stepId }, 'run suspended at a step boundary');
          return;
        }
        case 'failed':
          return failed(job, payload, claim, settled);
      }
    },
    async parkUnstarted(job, payload) {
      const state = await parked(job, payload, null);
      jobLog(logger, payload).info({ state }, 'suspended before it started');
    },
  };
}
