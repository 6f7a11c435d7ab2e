// The RpaJob status fields the robot owns, as JSON merge patches of /status. Pure builders: the
// reporter only sends what these return. The operator owns conditions and Pending/Queued.
import type { ArtifactSummary } from '../../../api/v1alpha1/artifacts.js';
import { isFinishedPhase, kubeTime, outputsRef, stepPosition, type JobError, type JobErrorReason } from '../../../api/v1alpha1/index.js';

export type RobotPhase = 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';

/** A JSON merge patch of RpaJob.status. `null` deletes a field. */
export interface StatusPatch {
  phase?: RobotPhase;
  robot?: string;
  attempts?: number;
  startedAt?: string;
  completionTime?: string | null;
  /** The top-level step's id; currentStepPath says where inside it (see api/v1alpha1/step-position.ts). */
  currentStep?: string | null;
  currentStepPath?: string | null;
  progress?: string | null;
  outputs?: Record<string, unknown> | null;
  /** Set instead of `outputs` when they are too large for the status: where they are kept. */
  outputsRef?: string | null;
  error?: JobError | null;
  /** The job's stored artifacts (never their content), at most MAX_STATUS_ARTIFACTS. */
  artifacts?: ArtifactSummary[];
}

/** Status is not a data store: outputs larger than this stay in Postgres (the run row). */
export const MAX_STATUS_OUTPUTS_BYTES = 16 * 1024;
/** Error messages can quote whole pages; keep the status readable. */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;

export function runningPatch(opts: { robot: string; attempts: number; startedAt: Date; totalSteps: number }): StatusPatch {
  return {
    phase: 'Running',
    robot: opts.robot,
    attempts: opts.attempts,
    startedAt: kubeTime(opts.startedAt),
    completionTime: null,
    currentStep: null,
    currentStepPath: null,
    progress: `0/${opts.totalSteps}`,
  };
}

/** `stepId`: the engine's checkpoint path of the step starting (`rows[2].check.then.open` for a nested one). */
export function progressPatch(opts: { done: number; total: number; stepId: string }): StatusPatch {
  const at = stepPosition(opts.stepId);
  return { currentStep: at.stepId, currentStepPath: at.stepPath, progress: `${opts.done}/${opts.total}` };
}

/** Outputs inline when they fit in `limitBytes` of JSON, otherwise a reference to the run row. */
export function boundedOutputs(
  outputs: Record<string, unknown>,
  runUid: string,
  limitBytes = MAX_STATUS_OUTPUTS_BYTES,
): Pick<StatusPatch, 'outputs' | 'outputsRef'> {
  const size = Buffer.byteLength(JSON.stringify(outputs), 'utf8');
  if (size <= limitBytes) return { outputs, outputsRef: null };
  return { outputs: null, outputsRef: outputsRef(runUid) };
}

export function succeededPatch(opts: { outputs: Record<string, unknown>; runUid: string; at: Date }): StatusPatch {
  return {
    phase: 'Succeeded',
    completionTime: kubeTime(opts.at),
    currentStep: null,
    currentStepPath: null,
    ...boundedOutputs(opts.outputs, opts.runUid),
    error: null,
  };
}

export function truncateMessage(message: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

/** `stepId`: the checkpoint path of the failed step; the status gets its top-level id and bounded path. */
function jobError(e: { reason: JobErrorReason; message: string; stepId?: string | null; screenshot?: string | null }): JobError {
  const at = e.stepId ? stepPosition(e.stepId) : null;
  return {
    reason: e.reason,
    message: truncateMessage(e.message),
    stepId: at?.stepId ?? null,
    stepPath: at?.stepPath ?? null,
    screenshot: e.screenshot ?? null,
  };
}

/** The job is finished and failed (attempts used up, or a deadline). */
export function failedPatch(opts: {
  reason: JobErrorReason;
  message: string;
  stepId?: string | null;
  screenshot?: string | null;
  at: Date;
}): StatusPatch {
  return { phase: 'Failed', completionTime: kubeTime(opts.at), error: jobError(opts), outputs: null, outputsRef: null };
}

/** An attempt failed and another will follow: the error shows while the job waits for its retry. */
export function attemptFailedPatch(opts: { reason: JobErrorReason; message: string; stepId?: string | null; screenshot?: string | null }): StatusPatch {
  return { error: jobError(opts), currentStep: null, currentStepPath: null };
}

export function cancelledPatch(opts: { message: string; stepId?: string | null; at: Date }): StatusPatch {
  return {
    phase: 'Cancelled',
    completionTime: kubeTime(opts.at),
    error: jobError({ reason: 'Cancelled', message: opts.message, stepId: opts.stepId ?? null }),
  };
}

/** Two patches as one: the later one's fields win (each field is replaced whole). */
export function mergePatches(earlier: StatusPatch, later: StatusPatch): StatusPatch {
  return { ...earlier, ...later };
}

/**
 * What is left of a final patch the API server rejected (422: a field its schema refuses): the phase, the
 * completion time and the error's reason and message (marked as shortened). A job must never stay
 * Running because its last report carried one bad field.
 */
export function minimalFinalPatch(patch: StatusPatch): StatusPatch | null {
  if (!isFinal(patch)) return null;
  const out: StatusPatch = { phase: patch.phase };
  if (patch.completionTime) out.completionTime = patch.completionTime;
  if (patch.error) {
    const note = ' (the full status was rejected by the API server; the run row has the details)';
    out.error = { reason: patch.error.reason.slice(0, 128), message: truncateMessage(patch.error.message, MAX_ERROR_MESSAGE_CHARS - note.length) + note };
  }
  return out;
}

/** A finished phase: once sent, nothing the robot sends for this job may follow it. */
export function isFinal(patch: StatusPatch): boolean {
  return isFinishedPhase(patch.phase);
}
