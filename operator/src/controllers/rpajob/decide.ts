// Pure decisions of the RpaJob controller: deadlines, TTL, the phase a run row implies, suspend and
// resume, and the checks of a job's params and credential bindings against its workflow.
import type { RunRow, RunState } from '../../../../api/queue/index.js';
import { matchesParamType, type JobPhase, type WorkflowSpec } from '../../../../api/v1alpha1/index.js';

export const FINISHED: readonly JobPhase[] = ['Succeeded', 'Failed', 'Cancelled'];
export const isFinished = (phase: JobPhase | undefined): boolean => phase !== undefined && FINISHED.includes(phase);

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
  if (isFinished(phase)) return { kind: 'inSync' };
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

export interface SpecProblem {
  /** Field path in the RpaJob, e.g. spec.params.accountId. */
  field: string;
  message: string;
}

export const formatSpecProblems = (ps: SpecProblem[]): string => ps.map((p) => `${p.field}: ${p.message}`).join('; ');

/** Params and credential bindings of a job checked against the workflow's declarations. */
export function bindingProblems(
  workflow: Pick<WorkflowSpec, 'params' | 'credentials'>,
  params: Record<string, unknown> | undefined,
  credentials: Record<string, unknown> | undefined,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const declared = new Map((workflow.params ?? []).map((p) => [p.name, p]));
  for (const p of declared.values()) {
    const value = params?.[p.name];
    if (value === undefined) {
      if (p.required) problems.push({ field: `spec.params.${p.name}`, message: 'is required by the workflow' });
    } else if (!matchesParamType(p.type, value)) {
      problems.push({ field: `spec.params.${p.name}`, message: `must be of type ${p.type}` });
    }
  }
  for (const name of Object.keys(params ?? {})) {
    if (!declared.has(name)) problems.push({ field: `spec.params.${name}`, message: 'is not a param of the workflow' });
  }
  const slots = new Set((workflow.credentials ?? []).map((c) => c.name));
  for (const slot of slots) {
    if (credentials?.[slot] === undefined) problems.push({ field: `spec.credentials.${slot}`, message: 'the workflow needs this credential slot bound to a Secret' });
  }
  for (const name of Object.keys(credentials ?? {})) {
    if (!slots.has(name)) problems.push({ field: `spec.credentials.${name}`, message: 'is not a credential slot of the workflow' });
  }
  return problems;
}
