// The graphile-worker task of a pool: one job reads claim → run → record.
//   claim   in one of the `concurrency` handler slots (slots.ts): known without a read for a pristine
//           first delivery, else one batched read (claims.ts); a stale, cancelled or suspended run is not
//           started;
//   run     the handler (run-handler.ts), tracked in InFlightJobs for cancels, aborts and the heartbeat;
//   record  outside the slot, so a finished job gives its slot to the next one while its outcome is
//           written (record.ts).
import type { Job, JobHelpers, Task } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { createPayloadParser, InvalidPayloadError, type QueuePayload } from '../../../api/queue/payload.js';
import type { ClaimedRun } from '../../../api/queue/sql/runs.js';
import type { ClaimReader } from './claims.js';
import type { JobHandler } from './handler.js';
import type { InFlightJobs } from './in-flight.js';
import type { Lifecycle } from './lifecycle.js';
import { jobLog, type Recorder } from './record.js';
import { createRunHolder } from './fence.js';
import { ClaimContext, isAbandoned, runHandler, SLOW_STOP_WARN_MS, type Settled } from './run-handler.js';
import type { Slots } from './slots.js';
import { rideOut } from './ride-out.js';
import type { TaskPhases } from './stall-watch.js';
import { failInvalidPayload } from './transactions/fail-invalid-payload.js';

export interface TaskOptions {
  db: pg.Pool;
  robot: string;
  handler: JobHandler;
  slots: Slots;
  claims: ClaimReader;
  inFlight: InFlightJobs;
  lifecycle: Pick<Lifecycle, 'abortOnStart'>;
  recorder: Recorder;
  /** The claim and record phases in progress, for the stall watch (stall-watch.ts). */
  phases: TaskPhases;
  /** How long the claim and the record retry while the database is unreachable (ride-out.ts). */
  outageBudgetMs: number;
  logger: Logger;
}

/** A run whose handler ran, and how it ended. */
interface Ran {
  claim: ClaimedRun;
  settled: Settled;
}

const RUN_UID = /^[0-9a-f-]{36}$/i;

export function createTask(opts: TaskOptions): Task {
  const { slots, claims, inFlight, recorder, phases, logger } = opts;

  /** Runs one of the task's database-only phases under the stall watch, riding out an outage. */
  const watched = async <T>(job: Job, phase: 'claim' | 'record', work: () => Promise<T>): Promise<T> => {
    phases.enter(job.id, phase);
    let warned = false;
    try {
      return await rideOut(work, {
        budgetMs: opts.outageBudgetMs,
        onRetry: (err) => {
          if (warned) return;
          warned = true;
          logger.warn({ graphileJobId: job.id, phase, err: err instanceof Error ? err.message : String(err) }, 'database unreachable: retrying until it answers');
        },
      });
    } finally {
      phases.leave(job.id);
    }
  };
  const parsePayload = createPayloadParser();

  /** A payload that does not parse can never run: fail its run for good (if it names one) and drop it. */
  const dropInvalid = async (job: Job, raw: unknown, err: unknown): Promise<void> => {
    if (!(err instanceof InvalidPayloadError)) throw err;
    logger.error({ graphileJobId: job.id, err: err.message }, 'dropped a job with an invalid payload');
    const uid = typeof raw === 'object' && raw !== null ? (raw as { uid?: unknown }).uid : undefined;
    if (typeof uid === 'string' && RUN_UID.test(uid))
      await failInvalidPayload(opts.db, { runUid: uid, robot: opts.robot, message: err.message });
  };

  /** A claim that is not to run: the job is stale, the run cancelled, or its suspend requested (parked). */
  const notStarted = async (job: Job, payload: QueuePayload, claim: ClaimedRun | undefined): Promise<void> => {
    if (!claim) jobLog(logger, payload).info('skipped a stale job: its run is finished or unknown');
    else if (claim.state === 'cancelled') jobLog(logger, payload).info('cancelled before it started');
    else await recorder.parkUnstarted(job, payload);
  };

  const claimAndRun = async (job: Job, payload: QueuePayload): Promise<Ran | null> => {
    // Synchronous fast paths first: most jobs find a free slot and a claim known without a read.
    if (!slots.tryAcquire()) await slots.acquire();
    try {
      // Read after the slot is ours, so the claim is as fresh as possible when the handler starts.
      const claim = claims.known(job, payload) ?? (await watched(job, 'claim', () => claims.claim(job, payload)));
      if (!claim || claim.state === 'cancelled' || claim.suspendRequested) {
        await watched(job, 'record', () => notStarted(job, payload, claim));
        return null;
      }
      const epoch = claim.claimEpoch ?? 0;
      const running = inFlight.start(claim.uid, opts.lifecycle.abortOnStart(), Date.now(), epoch);
      const holder = createRunHolder({ db: opts.db, uid: claim.uid, epoch, abandoned: () => running.abandoned !== null, logger });
      try {
        return {
          claim,
          settled: await runHandler(opts.handler, new ClaimContext(payload, claim, job.id, opts.robot, running, holder), running, (reason) =>
            jobLog(logger, payload).warn({ reason, waitedMs: SLOW_STOP_WARN_MS }, 'an abandoned handler has not stopped yet; its job is held until it does'),
          ),
        };
      } finally {
        inFlight.end(claim.uid);
      }
    } finally {
      // The slot goes to the next job now; this job's outcome is written outside it.
      slots.release();
    }
  };

  return async (raw: unknown, helpers: JobHelpers): Promise<void> => {
    const job = helpers.job;
    let payload: QueuePayload;
    try {
      payload = parsePayload(raw);
    } catch (err) {
      return dropInvalid(job, raw, err);
    }
    const ran = await claimAndRun(job, payload);
    if (!ran) return;
    // A fenced robot waits for the sweeper to release the job (record.ts): long, and not a stall.
    if (isAbandoned(ran.settled) && ran.settled.abandoned === 'fenced') return recorder.record(job, payload, ran.claim, ran.settled);
    await watched(job, 'record', () => recorder.record(job, payload, ran.claim, ran.settled));
  };
}
