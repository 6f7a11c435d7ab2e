// The operator's side of the queue: enqueue runs (idempotent per RpaJob UID, bulk), cancel them, read
// their depth and their dead letters.
//
// Enqueue is ONE statement (aether.enqueue_runs): run row + graphile-worker job + NOTIFY commit together.
// Routing: the job's task identifier is its pool's (`rpa.run.<namespace>.<pool>`); robots of a pool only
// know that identifier. Priority: API names/numbers, higher = more urgent, mapped to graphile's
// lower-runs-first. maxAttempts counts REAL failures only (see robot-image/src/queue/consumer.ts).
//
// Suspend (spec.suspend) and resume: a run nothing has touched yet is withdrawn (row and job deleted; it
// is enqueued afresh on resume). Any other waiting run is parked at once ('suspended', payload kept, job
// deleted); a run a robot holds is flagged and the robot told, and the robot parks it at its next step
// boundary. resume() queues a parked run again under the same key; the next robot resumes its DBOS
// workflow at the first step without a checkpoint. Attempt counters are never touched by either.
import type pg from 'pg';
import { withTransaction, type Queryable } from './db.js';
import { CANCEL_CHANNEL, ENQUEUE_CHANNEL, GRAPHILE_MAX_ATTEMPTS, poolKey, stopNotice, taskIdentifier } from './identifiers.js';
import { parsePayload, type QueuePayload, type QueuePayloadInput } from './payload.js';
import { graphilePriority } from './priority.js';
import { queueDepth, type QueueDepth } from './sql/depth.js';
import {
  addRunJob,
  clearPristineFlag,
  deleteQueuedRun,
  deleteUnlockedJob,
  getRun,
  parkRun,
  requestRunSuspend,
  resumeRun,
  takeUnlockedJob,
  withdrawSuspendRequest,
  insertAudit,
  listDeadLetters,
  markRunCancelled,
  notify,
  requestRunCancel,
  enqueueRuns,
  type EnqueueSpec,
  type RunRow,
} from './sql/runs.js';

export interface EnqueueRequest {
  payload: QueuePayloadInput;
  /** Not before this time (a scheduled or delayed run). Default: now. */
  runAt?: Date;
}

export interface EnqueueResult {
  uid: string;
  /** false when a run with this UID already existed: nothing was queued. */
  enqueued: boolean;
}

export type CancelResult =
  /** The job was still waiting: it is removed and the run is cancelled. */
  | 'cancelled'
  /** A robot holds the job: the run is flagged and the robot told (it stops at the next step boundary). */
  | 'requested'
  /** The run is already finished, or unknown. */
  | 'finished';

export type SuspendResult =
  /** Nothing had touched the run: it and its job are gone; enqueue it afresh to resume. */
  | 'withdrawn'
  /** The run is parked ('suspended'), now or already before. */
  | 'suspended'
  /** A robot holds the job: the run is flagged and the robot told (it parks the run at the next step boundary). */
  | 'requested'
  /** The run is finished, being cancelled, or unknown: nothing to suspend. */
  | 'finished';

export type ResumeResult =
  /** The parked run is queued again. */
  | 'resumed'
  /** The run was not parked yet: the suspend request is withdrawn (a robot that already stopped parks it anyway). */
  | 'requestWithdrawn'
  /** Nothing was suspended. */
  | 'notSuspended';

export interface Producer {
  enqueue(req: EnqueueRequest): Promise<EnqueueResult>;
  /** Many runs in one statement. */
  enqueueMany(reqs: EnqueueRequest[]): Promise<EnqueueResult[]>;
  cancel(uid: string, opts?: { actor?: string }): Promise<CancelResult>;
  /**
   * Suspends a run: withdraws or parks a waiting one, asks the robot holding one to park it (again on each
   * call until it has: a waiting job it no longer holds is parked then). Idempotent.
   */
  requestSuspend(uid: string, opts?: { actor?: string }): Promise<SuspendResult>;
  /** Queues a parked run again (same key, attempt and workflow id). Idempotent. */
  resume(uid: string, opts?: { actor?: string }): Promise<ResumeResult>;
  depth(namespace: string, pool: string): Promise<QueueDepth>;
  getRun(uid: string): Promise<RunRow | null>;
  deadLetters(namespace: string, opts?: { pool?: string; limit?: number }): Promise<RunRow[]>;
}

/** The row spec for one request; validates the payload (throws InvalidPayloadError). */
export function toEnqueueSpec(req: EnqueueRequest): EnqueueSpec {
  const payload: QueuePayload = parsePayload(req.payload);
  return {
    uid: payload.uid,
    namespace: payload.namespace,
    name: payload.name,
    pool: payload.pool,
    task_identifier: taskIdentifier(payload.namespace, payload.pool),
    workflow_digest: payload.workflowDigest,
    priority: graphilePriority(payload.priority),
    max_attempts: payload.maxAttempts,
    max_crashes: payload.maxCrashes,
    run_at: req.runAt ? req.runAt.toISOString() : null,
    deadline: payload.deadline,
    payload,
  };
}

/**
 * Enqueues runs already validated (toEnqueueSpec) in one statement: one result per spec, in order (a
 * UID repeated within one call is queued once, by its first spec).
 */
export async function enqueueSpecs(db: Queryable, specs: EnqueueSpec[]): Promise<EnqueueResult[]> {
  const rows = await enqueueRuns(db, { specs });
  const byUid = new Map(rows.map((r) => [r.uid, r.enqueued]));
  const seen = new Set<string>();
  return specs.map((s) => {
    const first = !seen.has(s.uid);
    seen.add(s.uid);
    return { uid: s.uid, enqueued: first && (byUid.get(s.uid) ?? false) };
  });
}

export function createProducer(opts: { pool: pg.Pool }): Producer {
  const { pool } = opts;
  const enqueueMany = async (reqs: EnqueueRequest[]): Promise<EnqueueResult[]> => enqueueSpecs(pool, reqs.map(toEnqueueSpec));
  return {
    enqueueMany,
    async enqueue(req) {
      const [r] = await enqueueMany([req]);
      return r!;
    },
    cancel: (uid, o) =>
      withTransaction(pool, async (tx) => {
        const state = await requestRunCancel(tx, { uid });
        if (state === null) return 'finished';
        const actor = o?.actor ?? 'operator';
        // A parked run has no job: nothing to tell a robot.
        if (state === 'suspended' || (state === 'queued' && (await deleteUnlockedJob(tx, { uid })))) {
          await markRunCancelled(tx, { uid });
          await insertAudit(tx, { actor, action: 'run.cancelled', runUid: uid });
          return 'cancelled';
        }
        // Held by a robot (running, or fetched into its local queue): it hears the NOTIFY (delivered at
        // commit); a robot that fetches the job later reads cancel_requested at claim.
        await clearPristineFlag(tx, { uid });
        await notify(tx, { channel: CANCEL_CHANNEL, payload: uid });
        await insertAudit(tx, { actor, action: 'run.cancelRequested', runUid: uid });
        return 'requested';
      }),
    requestSuspend: (uid, o) =>
      withTransaction(pool, async (tx): Promise<SuspendResult> => {
        const run = await requestRunSuspend(tx, { uid });
        if (run === null) return (await getRun(tx, { uid }))?.state === 'suspended' ? 'suspended' : 'finished';
        const actor = o?.actor ?? 'operator';
        const job = run.state === 'queued' ? await takeUnlockedJob(tx, { uid }) : null;
        if (job && run.untouched) {
          await deleteQueuedRun(tx, { uid });
          return 'withdrawn';
        }
        if (job) {
          await parkRun(tx, { uid, payload: job.payload, robot: null });
          await insertAudit(tx, { actor, action: 'run.suspended', runUid: uid });
          return 'suspended';
        }
        // Held by a robot (running, or fetched into its local queue): it hears the NOTIFY (delivered at
        // commit); a robot that fetches the job later reads suspend_requested at claim. Asked again (the
        // operator does while it waits), the robot is told again — a notice missed in a reconnect of its
        // listener would leave a running job running — but the request is recorded once.
        await notify(tx, { channel: CANCEL_CHANNEL, payload: stopNotice({ kind: 'suspend', uid }) });
        if (run.alreadyRequested) return 'requested';
        await clearPristineFlag(tx, { uid });
        await insertAudit(tx, { actor, action: 'run.suspendRequested', runUid: uid });
        return 'requested';
      }),
    resume: (uid, o) =>
      withTransaction(pool, async (tx): Promise<ResumeResult> => {
        const run = await resumeRun(tx, { uid });
        if (run === null) return (await withdrawSuspendRequest(tx, { uid })) ? 'requestWithdrawn' : 'notSuspended';
        await addRunJob(tx, {
          uid,
          taskIdentifier: run.taskIdentifier,
          payload: run.payload,
          runAt: new Date(),
          priority: run.priority,
          maxAttempts: GRAPHILE_MAX_ATTEMPTS,
        });
        // Scalers react to new work at once, as on enqueue.
        await notify(tx, { channel: ENQUEUE_CHANNEL, payload: poolKey(run.namespace, run.pool) });
        await insertAudit(tx, { actor: o?.actor ?? 'operator', action: 'run.resumed', runUid: uid });
        return 'resumed';
      }),
    depth: (namespace, p) => queueDepth(pool, { namespace, pool: p }),
    getRun: (uid) => getRun(pool, { uid }),
    deadLetters: (namespace, o) => listDeadLetters(pool, { namespace, ...o }),
  };
}
