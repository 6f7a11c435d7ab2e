// Pure decisions of the job handler: when an attempt must stop, which action a step is, and how an
// attempt's result is reported.
import { childStepLists, type Step, type WorkflowSpec } from '../../../api/v1alpha1/workflow.js';

export type StopReason = 'cancel' | 'deadline' | 'jobTimeout';

/**
 * Asked before each step: a cancelled job, one past its deadline, or an attempt past its budget stops at
 * that boundary. A passed deadline wins over a cancel request: the operator cancels a job whose deadline
 * passed, and the job must end as DeadlineExceeded (what the operator reports), not as Cancelled.
 * `attemptDeadlineMs`: when this attempt's timeouts.jobSeconds run out (attemptDeadline), or null.
 */
export function stopReason(opts: { abortReason: unknown; deadline: string | null; attemptDeadlineMs?: number | null; now: Date }): StopReason | null {
  if (opts.deadline !== null && opts.now.getTime() >= Date.parse(opts.deadline)) return 'deadline';
  if (opts.abortReason === 'cancelled') return 'cancel';
  if (opts.attemptDeadlineMs != null && opts.now.getTime() >= opts.attemptDeadlineMs) return 'jobTimeout';
  return null;
}

/**
 * timeouts.jobSeconds is a budget of ONE attempt (activeDeadlineSeconds bounds the whole job, all attempts
 * and waits included): counted from when the attempt started on the robot running it. A take-over after a
 * crash starts the remaining steps with a fresh budget (crashes are bounded by maxCrashes instead). It is
 * checked at step boundaries; one step is bounded by its own timeoutSeconds / timeouts.stepSeconds.
 */
export function attemptDeadline(started: Date, jobSeconds: number | undefined): number | null {
  return jobSeconds === undefined ? null : started.getTime() + jobSeconds * 1000;
}

/**
 * Step id -> action, nested steps and the steps of named blocks included, and the steps of the workflows
 * the job calls (`callees`; an id a callee shares with the caller keeps the caller's action).
 */
export function actionsById(
  workflow: Pick<WorkflowSpec, 'steps' | 'blocks'>,
  callees: ReadonlyArray<Pick<WorkflowSpec, 'steps' | 'blocks'>> = [],
): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (steps: Step[]) => {
    for (const s of steps) {
      out.set(s.id, s.action);
      for (const c of childStepLists(s)) walk(c.steps);
    }
  };
  for (const wf of [...callees].reverse().concat(workflow)) {
    walk(wf.steps);
    for (const b of wf.blocks ?? []) walk(b.steps);
  }
  return out;
}

/** The step id at the end of a checkpoint name (`login`, `check.then.submit`, `rows[2].open`). */
export function stepIdOfCheckpoint(path: string): string {
  const last = path.split('.').pop() ?? path;
  return last.replace(/\[\d+\]$/, '');
}

/** A failed attempt is the last one when attempts are used up, or when retrying cannot help. */
export function isLastAttempt(opts: { attempt: number; maxAttempts: number; retryable: boolean }): boolean {
  return !opts.retryable || opts.attempt >= opts.maxAttempts;
}

/** Where the status says the failure screenshot is: the run row points at the latest one. */
export function failureScreenshotRef(runUid: string): string {
  return `postgres:aether.runs/${runUid}#screenshot`;
}

export function screenshotRef(id: string): string {
  return `postgres:aether.screenshots/${id}`;
}
