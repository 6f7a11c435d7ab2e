// Names the operator, the robot and the tests share about the kinds: their plurals, the RpaJob's
// finalizer, finished phases, the graphile-worker job key and the outputs reference of a job, and
// Kubernetes' time format. One place each, so no one writes them by hand.
import { RPAJOB_FINALIZER } from './common.js';
import { KINDS, type KindName } from './kinds.js';
import { FINISHED_PHASES, type JobPhase } from './rpajob.js';

export { RPAJOB_FINALIZER, FINISHED_PHASES };

/** The plural of each kind, as in API paths (`/apis/rpa.aether.dev/v1alpha1/namespaces/ns/rpajobs`). */
export const PLURALS = Object.fromEntries(KINDS.map((k) => [k.kind, k.plural])) as {
  readonly [K in (typeof KINDS)[number] as K['kind']]: K['plural'];
};
export type AetherKind = KindName;

export type FinishedPhase = Extract<JobPhase, 'Succeeded' | 'Failed' | 'Cancelled'>;

/** Succeeded, Failed or Cancelled: nothing runs for the job any more. */
export function isFinishedPhase(phase: JobPhase | string | undefined | null): phase is FinishedPhase {
  return phase !== undefined && phase !== null && (FINISHED_PHASES as readonly string[]).includes(phase);
}

/** The graphile-worker job key of an RpaJob's run, derived from the job's UID (so it is queued at most once). */
export function jobKey(jobUid: string): string {
  return `rpa:${jobUid}`;
}

/** Where a run's outputs are kept when they are too large for the RpaJob's status. */
export function outputsRef(jobUid: string): string {
  return `postgres:aether.runs/${jobUid}#outputs`;
}

/** RFC 3339 in whole seconds, as Kubernetes serialises metav1.Time. */
export function kubeTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The Secret in each robot namespace holding the key that seals browser sessions in checkpoints. */
export const CHECKPOINT_KEY_SECRET = 'aether-checkpoint-key';
