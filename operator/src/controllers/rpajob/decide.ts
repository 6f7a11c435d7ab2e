// The RpaJob controller's one decision per reconcile (decideJob: the world it read → the action to
// take, the status to report and when to look again), with the pure rules it is made of: deadlines,
// TTL, the phase a run row implies, suspend and resume. No I/O here; controller.ts applies a decision.
import type { RunRow, RunState, SuspendResult } from '../../../../api/queue/index.js';
import { isFinishedPhase, kubeTime, outputsRef, REASONS, stepPosition, type FinishedPhase, type JobPhase, type Reason } from '../../../../api/v1alpha1/index.js';
import type { ConditionUpdate } from '../../runtime/conditions.js';
import type { StatusReport } from '../../runtime/report.js';
import { done, requeueAfter, type ReconcileResult } from '../../runtime/result.js';
import { CONDITIONS } from '../names.js';
import { timeOf, type RpaJobObject } from '../objects.js';
import type { Resolution } from './resolve.js';

/** activeDeadlineSeconds counts from the job's creation (deterministic for every operator replica). */
export function jobDeadline(createdAtMs: number | undefined, activeDeadlineSeconds: number | undefined): number | undefined {
  if (createdAtMs === undefined || activeDeadlineSeconds === undefined) return undefined;
  return createdAtMs + activeDeadlineSeconds * 1000;
}

/** When a finished job is deleted, or undefined when it is kept. */
export function ttlExpiry(finishedAtMs: number | undefined, ttlSecondsAfterFinished: number | undefined): number | undefined {
  if (finishedAtMs === undefined || ttlSecondsAfterFinished === undefined) return undefined;
  return finishedAtMs + ttlSecondsAfterFinished * 1000;
}

/**
 * Deleting a job: whether its PostgreSQL rows (run, screenshots, healing, audit, DBOS workflows) go too.
 * Only for a finished job whose ttlSecondsAfterFinished has passed: the TTL says its history is done
 * with. A job deleted before (by hand, or unfinished) keeps its history for retention to age out.
 */
export function purgesRowsOnDelete(job: RpaJobObject, ttlSecondsAfterFinished: number | undefined, now: number): boolean {
  if (!isFinishedPhase(job.status?.phase)) return false;
  const finished = job.status?.conditions?.find((c) => c.type === CONDITIONS.finished);
  const expiry = ttlExpiry(timeOf(job.status?.completionTime) ?? timeOf(finished?.lastTransitionTime), ttlSecondsAfterFinished);
  return expiry !== undefined && expiry <= now;
}

const RUN_PHASE: Record<RunState, JobPhase> = {
  queued: 'Queued',
  running: 'Running',
  suspended: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const phaseOfRun = (state: RunState): JobPhase => RUN_PHASE[state];

export type RunFollowUp =
  /** The run is live: the job shows Queued until the robot says Running; check again later. */
  | { kind: 'live'; phase: JobPhase | undefined; recheckMs: number }
  /** The run is live but past the job's deadline: cancel it and fail the job. */
  | { kind: 'deadlineExceeded' }
  /** The run finished but the job does not say so: the robot's patch was lost. */
  | { kind: 'adoptOutcome'; phase: JobPhase }
  /** The run finished moments ago: give the robot's own patch time to arrive. */
  | { kind: 'waitForRobot'; afterMs: number }
  | { kind: 'inSync' };

/**
 * What keeping the job true to its run row needs. The operator only ever sets Queued itself; Running and
 * the outcome are the robot's, adopted from the run only when the robot's status patch is overdue.
 */
export function followRun(opts: {
  phase: JobPhase | undefined;
  run: Pick<RunRow, 'state' | 'finishedAt'>;
  deadlineMs: number | undefined;
  now: number;
  recheckMs: number;
  graceMs: number;
}): RunFollowUp {
  const { phase, run, now } = opts;
  // Parked, but the job does not show it (its queuedAt was lost): showing it Queued records queuedAt, and
  // the pass right after follows the suspension (suspensionStep).
  if (run.state === 'suspended') return { kind: 'live', phase: phase === undefined || phase === 'Pending' ? 'Queued' : phase, recheckMs: 1 };
  const live = run.state === 'queued' || run.state === 'running';
  if (live) {
    if (opts.deadlineMs !== undefined && now >= opts.deadlineMs) return { kind: 'deadlineExceeded' };
    const untilDeadline = opts.deadlineMs !== undefined ? opts.deadlineMs - now : Infinity;
    const shown = phase === undefined || phase === 'Pending' ? 'Queued' : phase;
    return { kind: 'live', phase: shown, recheckMs: Math.max(1, Math.min(opts.recheckMs, untilDeadline)) };
  }
  if (isFinishedPhase(phase)) return { kind: 'inSync' };
  const finishedAt = run.finishedAt ? new Date(run.finishedAt).getTime() : now - opts.graceMs;
  const waited = now - finishedAt;
  if (waited < opts.graceMs) return { kind: 'waitForRobot', afterMs: opts.graceMs - waited };
  return { kind: 'adoptOutcome', phase: phaseOfRun(run.state) };
}

export type SuspensionStep =
  /** spec.suspend with a live run nobody asked yet: withdraw or park it, or ask its robot to park it. */
  | { kind: 'request' }
  /** The robot holding the run was asked and has not parked it yet: ask again, show Suspending, look again soon. */
  | { kind: 'waitForPark' }
  /** Nothing waits or runs: show Suspended (phase Pending). `parked`: a suspended run exists. */
  | { kind: 'suspended'; parked: boolean }
  /** spec.suspend is false again and the run is parked: queue it again (a robot resumes it). */
  | { kind: 'resume' }
  /** spec.suspend went back to false before the robot parked the run: withdraw the request. */
  | { kind: 'withdrawRequest' };

/**
 * What spec.suspend asks of the job's run, or null when it asks nothing (the job follows its run, or is
 * enqueued). Level-based: it reads only the spec and the run row, so every pass converges.
 */
export function suspensionStep(opts: { suspend: boolean; run: Pick<RunRow, 'state' | 'suspendRequested'> | null }): SuspensionStep | null {
  const { suspend, run } = opts;
  const live = run !== null && (run.state === 'queued' || run.state === 'running');
  if (suspend) {
    if (run === null) return { kind: 'suspended', parked: false };
    if (run.state === 'suspended') return { kind: 'suspended', parked: true };
    if (live) return run.suspendRequested ? { kind: 'waitForPark' } : { kind: 'request' };
    return null;
  }
  if (run?.state === 'suspended') return { kind: 'resume' };
  if (live && run.suspendRequested) return { kind: 'withdrawRequest' };
  return null;
}


/** What a reconcile of a live (not deleted) RpaJob read, its finalizer ensured. */
export interface JobWorld {
  job: RpaJobObject;
  spec: { suspend?: boolean; activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number };
  now: number;
  /** The job's run row; 'unread' when the pass does not need it (needsRunRow). */
  run: RunRow | null | 'unread';
  /** The job's workflow resolved and validated (pure; called only when needed). */
  resolve: () => Resolution;
  /** How often a live job is compared with its run row. */
  recheckMs: number;
  /** 0..1: spreads the re-checks of many jobs queued at once (recheckMs · (1 + jitter)). */
  jitter: number;
  /** How long after a run finished the robot's own status patch may still arrive. */
  graceMs: number;
}

export type Resolved = Extract<Resolution, { kind: 'ok' }>;

/** The side effect of a pass (the status write is not one: it is the decision's report). */
export type JobAction =
  | { kind: 'none' }
  /** Snapshot the workflow into the queue payload and enqueue it (idempotent by UID); then afterEnqueue. */
  | { kind: 'enqueue'; resolved: Resolved }
  /** Remove the queue entry, or ask the robot holding it to stop (a passed deadline). */
  | { kind: 'cancel' }
  /** Withdraw or park the run, or ask its robot to park it; then afterSuspendRequest. `first`: nobody asked yet. */
  | { kind: 'requestSuspend'; first: boolean }
  /** Queue a parked run again; then afterResume. */
  | { kind: 'resume' }
  /** spec.suspend went back to false before the robot parked the run. */
  | { kind: 'withdrawSuspendRequest' }
  /** The finished job's TTL passed: delete it (after the report). */
  | { kind: 'delete' };

export interface JobDecision {
  action: JobAction;
  /** The status to report once the action is applied; absent: no status write. */
  report?: StatusReport;
  result: ReconcileResult;
  /** A bad spec: reported, then not retried until the job or its workflow changes. */
  terminal?: string;
  /** A line for the log (the decision is made here, so it is logged once, by the controller). */
  log?: { message: string; fields: Record<string, unknown> };
}

const NONE: JobAction = { kind: 'none' };
const validTrue: ConditionUpdate = { type: CONDITIONS.valid, status: 'True', reason: REASONS.Valid, message: 'the workflow is valid' };
const queuedTrue = (pool: string): ConditionUpdate => ({ type: CONDITIONS.queued, status: 'True', reason: REASONS.Queued, message: `queued on pool ${pool}` });
const finishedTrue = (reason: Reason, message: string): ConditionUpdate => ({ type: CONDITIONS.finished, status: 'True', reason, message });
/** Failures whose own reason names the Finished condition (and its Event); any other failure is 'Failed'. */
const FINISHED_FAILURE_REASONS: readonly Reason[] = [REASONS.DeadlineExceeded, REASONS.JobTimeout, REASONS.CrashLooping];
function finishedFailureReason(errorReason: string | undefined): Reason {
  return FINISHED_FAILURE_REASONS.find((r) => r === errorReason) ?? REASONS.Failed;
}
const pastDeadline = (w: JobWorld) => {
  const deadlineMs = deadlineOf(w);
  return deadlineMs !== undefined && w.now >= deadlineMs;
};
const deadlineOf = (w: JobWorld) => jobDeadline(timeOf(w.job.metadata.creationTimestamp), w.spec.activeDeadlineSeconds);

/**
 * Whether the pass needs the job's run row. A finished job does not; nor does a job never queued, which
 * is most likely new: enqueueing first tells whether its run exists (one read fewer).
 */
export function needsRunRow(w: Omit<JobWorld, 'run'>): boolean {
  if (isFinishedPhase(w.job.status?.phase)) return false;
  return Boolean(w.job.status?.queuedAt) || w.spec.suspend === true || pastDeadline({ ...w, run: 'unread' }) || w.resolve().kind !== 'ok';
}

/** The decision of one pass, from what it read. */
export function decideJob(w: JobWorld): JobDecision {
  if (isFinishedPhase(w.job.status?.phase)) return afterFinish(w, w.job.status.phase);
  if (w.run === 'unread') return notQueued(w, w.resolve());
  const suspension = suspensionStep({ suspend: w.spec.suspend === true, run: w.run });
  if (suspension) return suspend(w, suspension);
  if (w.run) return followTheRun(w, w.run);
  if (pastDeadline(w)) return failPastDeadline(w, {});
  return notQueued(w, w.resolve());
}

/** A finished job: the Finished condition (and its Event) once, then deletion after the TTL. */
function afterFinish(w: JobWorld, phase: FinishedPhase): JobDecision {
  const { job, now } = w;
  const existing = job.status?.conditions?.find((c) => c.type === CONDITIONS.finished);
  let report: StatusReport | undefined;
  if (!existing) {
    const reason = phase === 'Failed' ? finishedFailureReason(job.status?.error?.reason) : phase;
    const message = job.status?.error?.message ? `${phase}: ${job.status.error.message}` : `the job ${phase.toLowerCase()}`;
    report = { conditions: [finishedTrue(reason, message)], events: [{ type: phase === 'Succeeded' ? 'Normal' : 'Warning', reason, message }] };
  }
  const finishedAt = timeOf(job.status?.completionTime) ?? timeOf(existing?.lastTransitionTime) ?? now;
  const expiry = ttlExpiry(finishedAt, w.spec.ttlSecondsAfterFinished);
  if (expiry === undefined) return { action: NONE, report, result: done() };
  if (expiry > now) return { action: NONE, report, result: requeueAfter(expiry - now + 50) };
  return { action: { kind: 'delete' }, report, result: done() };
}

/** Past activeDeadlineSeconds: cancel the run (if any) and fail the job. */
function failPastDeadline(w: JobWorld, base: Record<string, unknown>): JobDecision {
  const message = `the job did not finish within activeDeadlineSeconds (${String(w.spec.activeDeadlineSeconds)} s)`;
  return {
    action: { kind: 'cancel' },
    report: {
      fields: { ...base, phase: 'Failed', completionTime: kubeTime(new Date(w.now)), error: { reason: REASONS.DeadlineExceeded, message } },
      conditions: [finishedTrue(REASONS.DeadlineExceeded, message)],
      events: [{ type: 'Warning', reason: REASONS.DeadlineExceeded, message }],
    },
    result: requeueAfter(1),
    log: { message: 'failed a job past its deadline', fields: {} },
  };
}

/** A run exists: keep the job's phase and conditions true to it. */
export function followTheRun(w: JobWorld, run: RunRow): JobDecision {
  const phase = w.job.status?.phase;
  const step = followRun({ phase, run, deadlineMs: deadlineOf(w), now: w.now, recheckMs: w.recheckMs * (1 + w.jitter), graceMs: w.graceMs });
  const base = { queuedAt: kubeTime(new Date(run.createdAt)), workflowDigest: run.workflowDigest };
  switch (step.kind) {
    case 'live':
      return { action: NONE, report: { fields: { ...base, phase: step.phase }, conditions: [validTrue, queuedTrue(run.pool)] }, result: requeueAfter(step.recheckMs) };
    case 'waitForRobot':
      return { action: NONE, result: requeueAfter(step.afterMs) };
    case 'inSync':
      return { action: NONE, result: done() };
    case 'deadlineExceeded':
      return failPastDeadline(w, base);
    case 'adoptOutcome': {
      const status = w.job.status;
      const fields: Record<string, unknown> = { ...base, phase: step.phase, completionTime: kubeTime(run.finishedAt ?? new Date(w.now)) };
      if (step.phase === 'Failed' && run.error && !status?.error)
        fields.error = {
          reason: run.error.code ?? REASONS.StepFailed,
          message: run.error.message.slice(0, 2000),
          // The run row keeps the full checkpoint path; the status gets the form the CRD accepts.
          ...(run.error.stepId ? stepPosition(run.error.stepId) : { stepId: null }),
        };
      if (step.phase === 'Succeeded' && run.outputs && status?.outputs === undefined && status?.outputsRef === undefined) fields.outputsRef = outputsRef(run.uid);
      return {
        action: NONE,
        report: { fields },
        result: requeueAfter(1),
        log: { message: "adopted the run's outcome (the robot's status patch was lost)", fields: { phase: step.phase } },
      };
    }
  }
}

/** A workflow the job needs does not exist yet: say so on `condition` (False, WorkflowNotFound) and wait. */
function waitForWorkflow(fields: { phase?: string }, condition: typeof CONDITIONS.queued | typeof CONDITIONS.valid, message: string): JobDecision {
  return {
    action: NONE,
    report: {
      fields,
      conditions: [{ type: condition, status: 'False', reason: REASONS.WorkflowNotFound, message }],
      events: [{ type: 'Warning', reason: REASONS.WorkflowNotFound, message }],
    },
    result: done(),
  };
}

/** No run yet: report why the job cannot be queued, or queue it. */
function notQueued(w: JobWorld, resolution: Resolution): JobDecision {
  const pending = w.job.status?.phase === undefined ? { phase: 'Pending' } : {};
  switch (resolution.kind) {
    case 'invalid':
      return {
        action: NONE,
        report: {
          fields: pending,
          conditions: [{ type: CONDITIONS.valid, status: 'False', reason: resolution.reason, message: resolution.message }],
          events: [{ type: 'Warning', reason: REASONS.Invalid, message: resolution.message }],
        },
        result: done(),
        terminal: resolution.message,
      };
    case 'notFound':
    case 'waitForGeneration':
      // The RpaWorkflow informer brings the job back when the workflow appears or changes.
      return waitForWorkflow(pending, CONDITIONS.queued, resolution.message);
    case 'calleeNotFound':
      // Valid=False naming the call step; call-watch.ts brings the job back when a workflow it calls appears.
      return waitForWorkflow(pending, CONDITIONS.valid, resolution.message);
    case 'generationMismatch':
      return {
        action: NONE,
        report: {
          fields: { phase: 'Failed', completionTime: kubeTime(new Date(w.now)), error: { reason: REASONS.WorkflowGenerationMismatch, message: resolution.message } },
          conditions: [
            { type: CONDITIONS.valid, status: 'False', reason: REASONS.WorkflowGenerationMismatch, message: resolution.message },
            finishedTrue(REASONS.WorkflowGenerationMismatch, resolution.message),
          ],
          events: [{ type: 'Warning', reason: REASONS.WorkflowGenerationMismatch, message: resolution.message }],
        },
        result: done(),
      };
    case 'ok':
      return { action: { kind: 'enqueue', resolved: resolution }, result: done() };
  }
}

/**
 * After an enqueue that queued the run (`run`: when and with which workflow): the job shows Queued. With
 * `event`, a Queued Event too (it belongs to the enqueue, which exactly one replica's pass makes); off by
 * default: the Queued condition already says it in `kubectl describe`, and the Event would be one more
 * API-server write per job on the hot path. An enqueue that found the run already there (another pass or
 * replica queued it) is followed by followTheRun instead.
 */
export function afterEnqueue(w: JobWorld, pool: string, run: Pick<RunRow, 'createdAt' | 'workflowDigest'>, opts: { event: boolean }): JobDecision {
  const deadlineMs = deadlineOf(w);
  return {
    action: NONE,
    report: {
      fields: { phase: w.job.status?.phase === 'Running' ? 'Running' : 'Queued', queuedAt: kubeTime(new Date(run.createdAt)), workflowDigest: run.workflowDigest },
      conditions: [validTrue, queuedTrue(pool)],
      ...(opts.event ? { actionEvents: [{ type: 'Normal' as const, reason: REASONS.Queued, message: `queued on pool ${pool}` }] } : {}),
    },
    result: requeueAfter(Math.min(w.recheckMs, deadlineMs !== undefined ? Math.max(1, deadlineMs - w.now) : w.recheckMs)),
  };
}

/**
 * spec.suspend, level-based (suspensionStep): a waiting run is withdrawn or parked, a running one parked
 * by its robot at the next step boundary (Running, Queued=False Suspending meanwhile), then the job is
 * Pending with Queued=False Suspended. Back to false: a parked run is queued again (Resumed).
 */
function suspend(w: JobWorld, step: SuspensionStep): JobDecision {
  switch (step.kind) {
    case 'request':
    case 'waitForPark':
      // Asked again while waiting: the robot is told again, and a job put back in the queue meanwhile
      // (its robot shut down or died) is parked at once.
      return { action: { kind: 'requestSuspend', first: step.kind === 'request' }, result: done() };
    case 'suspended':
      return showSuspended(step.parked);
    case 'resume':
      return { action: { kind: 'resume' }, result: done() };
    case 'withdrawRequest':
      // A robot that already stopped parks the run anyway; the next pass resumes it then.
      return { action: { kind: 'withdrawSuspendRequest' }, result: requeueAfter(1000) };
  }
}

/** After a suspend request: what the queue said of the run. */
export function afterSuspendRequest(first: boolean, outcome: SuspendResult): JobDecision {
  if (outcome === 'finished') return { action: NONE, result: requeueAfter(1) }; // it ended meanwhile: the next pass follows it
  if (outcome === 'requested') {
    const message = 'suspending: the robot stops the job at its next step boundary';
    return {
      action: NONE,
      report: {
        conditions: [{ type: CONDITIONS.queued, status: 'False', reason: REASONS.Suspending, message }],
        actionEvents: first ? [{ type: 'Normal', reason: REASONS.Suspending, message }] : [],
      },
      // The robot parks the run within one step; its status patch (or this poll) brings the job back.
      result: requeueAfter(1000),
    };
  }
  return showSuspended(outcome === 'suspended');
}

function showSuspended(parked: boolean): JobDecision {
  const message = parked
    ? 'the job is suspended: it goes on where it stopped when spec.suspend is false'
    : 'the job is suspended: it is not queued until spec.suspend is false';
  return {
    action: NONE,
    report: {
      // A withdrawn run is enqueued afresh on resume (queuedAt cleared); a parked one keeps its queue record.
      fields: parked ? { phase: 'Pending' } : { phase: 'Pending', queuedAt: null },
      conditions: [{ type: CONDITIONS.queued, status: 'False', reason: REASONS.Suspended, message }],
      events: [{ type: 'Normal', reason: REASONS.Suspended, message }],
    },
    result: done(),
  };
}

/** After a resume: the parked run is queued again (`resumed`: by this pass). */
export function afterResume(w: JobWorld, resumed: boolean): JobDecision {
  const pool = w.run !== 'unread' && w.run ? w.run.pool : '';
  const message = `resumed: queued on pool ${pool}; a robot goes on where the job stopped`;
  return {
    action: NONE,
    report: {
      fields: { phase: 'Queued' },
      conditions: [{ type: CONDITIONS.queued, status: 'True', reason: REASONS.Queued, message }],
      actionEvents: resumed ? [{ type: 'Normal', reason: REASONS.Resumed, message }] : [],
    },
    result: requeueAfter(1),
  };
}
