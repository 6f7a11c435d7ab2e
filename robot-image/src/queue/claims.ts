// The claim of a fetched job: what the consumer must know of its run before the handler starts (attempt,
// previous robot, whether it is cancelled or stale).
//
// Most jobs are pristine first deliveries: added by enqueue_runs with the flag PRISTINE_FLAG and fetched
// for the first time (graphile attempts = 1; a job our local queue handed back unused counts again from
// where it was). Nobody has touched such a run since it was queued, except possibly a cancel or a suspend
// — and either of a job we hold removes the flag and is NOTIFYed to us (cancelNotified covers both). So when our cancel listener was already
// listening when we locked the job (its start time and graphile's locked_at are both in the database's
// clock) and no cancel of the run has been notified, the claim follows from the payload alone: no read.
//
// Any other job (a retry, a hand-back, a take-over after a crash, or when the listener had a gap) reads
// its run, batched with the other jobs starting in the same tick. A read that began before a cancel of its
// run was notified is done again, so a claim always reflects the cancels this robot has been told about.
import type { Job } from 'graphile-worker';
import { PRISTINE_FLAG } from '../../../api/queue/identifiers.js';
import type { QueuePayload } from '../../../api/queue/payload.js';
import type { ClaimedRun, HeldClaim } from '../../../api/queue/sql/runs.js';
import { createBatcher } from './batcher.js';

export type FetchedJob = Pick<Job, 'id' | 'attempts' | 'flags' | 'locked_at' | 'locked_by'>;

/** The claim of a pristine first delivery, or null when the job is not one (its run must be read). */
export function pristineClaim(job: FetchedJob, payload: QueuePayload): ClaimedRun | null {
  if (job.attempts !== 1 || job.flags?.[PRISTINE_FLAG] !== true) return null;
  return {
    uid: payload.uid,
    state: 'queued',
    previousRobot: null,
    attempts: 0,
    failedAttempts: 0,
    maxAttempts: payload.maxAttempts,
    deadline: payload.deadline === null ? null : new Date(payload.deadline),
    suspendRequested: false,
    // Nobody claimed or released the run before: its fencing token is still the first one.
    claimEpoch: 0,
  };
}

export interface ClaimReader {
  /** A cancel or a suspend of this run was notified: claims known before now are stale. */
  cancelNotified(uid: string): void;
  /** The job's claim when it is known without a read (a pristine first delivery heard of), else null. */
  known(job: FetchedJob, payload: QueuePayload): ClaimedRun | null;
  /** The job's claim; undefined when its run is finished or unknown (the job is stale). */
  claim(job: FetchedJob, payload: QueuePayload): Promise<ClaimedRun | undefined>;
}

export interface ClaimReaderOptions {
  /**
   * One statement for many runs (claimRuns with `held`): each run to start gets its fencing token, and a
   * run whose job this robot no longer holds is left out (stale).
   */
  readRuns: (jobs: HeldClaim[]) => Promise<ClaimedRun[]>;
  /** Since when (database clock) the cancel listener has been listening without a break; null when not. */
  listeningSince: () => Date | null;
  now?: () => number;
}

/** Cancel notifications are remembered this long (far longer than a read, or a job's wait in the local queue). */
const NOTIFIED_KEEP_MS = 120_000;

export function createClaimReader(opts: ClaimReaderOptions): ClaimReader {
  const now = opts.now ?? Date.now;
  const notifiedAt = new Map<string, number>();
  const batched = createBatcher<HeldClaim, ClaimedRun | undefined>(async (jobs) => {
    const byUid = new Map((await opts.readRuns(jobs)).map((r) => [r.uid, r]));
    return jobs.map((j) => {
      const c = byUid.get(j.uid);
      // A run to start whose job was released meanwhile (no token): not ours to run.
      return c && (c.claimEpoch !== null || c.state === 'cancelled') ? c : undefined;
    });
  });

  /** A read started after the notification arrived sees the cancel: one re-read is enough. */
  const read = (job: HeldClaim): Promise<ClaimedRun | undefined> => {
    const startedAt = now();
    // >=: notifications and reads in the same millisecond count as racing.
    return batched.submit(job).then((c) => ((notifiedAt.get(job.uid) ?? -Infinity) >= startedAt ? batched.submit(job) : c));
  };

  return {
    cancelNotified(uid) {
      const t = now();
      for (const [u, at] of notifiedAt) if (t - at > NOTIFIED_KEEP_MS) notifiedAt.delete(u);
      notifiedAt.set(uid, t);
    },
    known(job, payload) {
      const pristine = pristineClaim(job, payload);
      if (!pristine || notifiedAt.has(payload.uid)) return null;
      const since = opts.listeningSince();
      // Both times are truncated to milliseconds: a strict < between them still implies the real order.
      const heard = since !== null && job.locked_at !== null && since.getTime() < (job.locked_at instanceof Date ? job.locked_at : new Date(job.locked_at)).getTime();
      return heard ? pristine : null;
    },
    claim(job, payload) {
      const known = this.known(job, payload);
      return known
        ? Promise.resolve(known)
        : read({ uid: payload.uid, graphileJobId: String(job.id), workerPoolId: job.locked_by ?? '' });
    },
  };
}
