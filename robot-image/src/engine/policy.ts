// Pure decisions about one step: its timeout, how often it is tried, how long to wait between tries.
import type { OnError, Step, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';

export const DEFAULT_STEP_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
const DEFAULT_BACKOFF = { initialSeconds: 1, multiplier: 2, maxSeconds: 30 };

export function stepTimeoutMs(
  step: Pick<Step, 'timeoutSeconds'>,
  workflow: Pick<WorkflowSpec, 'timeouts'>,
  fallbackMs = DEFAULT_STEP_TIMEOUT_MS,
): number {
  const s = step.timeoutSeconds ?? workflow.timeouts?.stepSeconds;
  return s !== undefined ? s * 1000 : fallbackMs;
}

/** How many times a step is tried in all (1 unless its policy is retry). */
export function attemptsOf(onError: OnError | undefined): number {
  return onError?.policy === 'retry' ? 1 + (onError.retries ?? DEFAULT_RETRIES) : 1;
}

/** Wait before try number `nextTry` (2 = the first retry): initial * multiplier^(nextTry-2), capped. */
export function backoffMs(onError: OnError | undefined, nextTry: number): number {
  const b = { ...DEFAULT_BACKOFF, ...(onError?.backoff ?? {}) };
  const seconds = Math.min(b.maxSeconds, b.initialSeconds * Math.pow(b.multiplier, Math.max(0, nextTry - 2)));
  return Math.round(seconds * 1000);
}

/** What a step's final failure means for the attempt. */
export function failureEffect(onError: OnError | undefined): 'fail-attempt' | 'continue' {
  return onError?.policy === 'continue' ? 'continue' : 'fail-attempt';
}

/**
 * A step's checkpoint name: its id, qualified by the blocks it sits in, so every forEach iteration
 * and if-branch step is a distinct checkpoint (`rows[2].typeName`, `maybe.then.clickOk`).
 */
export function checkpointName(parents: readonly string[], id: string): string {
  return [...parents, id].join('.');
}

/** Top-level step count, for "step k of n". */
export function topLevelCount(workflow: Pick<WorkflowSpec, 'steps'>): number {
  return workflow.steps.length;
}
