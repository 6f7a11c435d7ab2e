// Pure decisions of the job handler: when an attempt must stop, which action a step is, and how an
// attempt's result is reported.
import type { Step, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';

export type StopReason = 'cancel' | 'deadline';

/**
 * Asked before each step: a cancelled job or one past its deadline stops at that boundary. A passed
 * deadline wins over a cancel request: the operator cancels a job whose deadline passed, and the job
 * must end as DeadlineExceeded (what the operator reports), not as Cancelled.
 */
export function stopReason(opts: { abortReason: unknown; deadline: string | null; now: Date }): StopReason | null {
  if (opts.deadline !== null && opts.now.getTime() >= Date.parse(opts.deadline)) return 'deadline';
  if (opts.abortReason === 'cancelled') return 'cancel';
  return null;
}

/** Step id -> action, nested steps (if/forEach) included. */
export function actionsById(workflow: Pick<WorkflowSpec, 'steps'>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (steps: Step[]) => {
    for (const s of steps) {
      out.set(s.id, s.action);
      if (s.action === 'if') {
        walk(s.then);
        if (s.else) walk(s.else);
      } else if (s.action === 'forEach') {
        walk(s.steps);
      }
    }
  };
  walk(workflow.steps);
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
