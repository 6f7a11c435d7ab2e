// Whether an RpaTrigger can accept deliveries, as a pure function of what the API server found: its
// Secret key, and its target's queue or workflow. The Ready condition of the trigger's status.
import type { TriggerReason } from '../../../api/v1alpha1/reasons.js';
import { TRIGGER_REASONS } from '../../../api/v1alpha1/reasons.js';
import type { RpaTriggerSpec } from '../../../api/v1alpha1/rpatrigger.js';
import type { SecretKey } from './triggers.js';

export interface TriggerFindings {
  secret: SecretKey['state'];
  /** Whether the target exists: the RpaQueue (its database row) or the RpaWorkflow. */
  targetExists: boolean;
}

export interface Readiness {
  status: 'True' | 'False';
  reason: TriggerReason;
  message: string;
}

export function triggerReadiness(spec: Pick<RpaTriggerSpec, 'secretRef' | 'job' | 'queue'>, found: TriggerFindings): Readiness {
  const { name, key } = spec.secretRef;
  const no = (reason: TriggerReason, message: string): Readiness => ({ status: 'False', reason, message });
  if (found.secret === 'missing') return no(TRIGGER_REASONS.SecretNotFound, `Secret ${name} does not exist: deliveries are refused`);
  if (found.secret === 'forbidden')
    return no(TRIGGER_REASONS.SecretNotFound, `the API server may not read Secret ${name}: name it in the chart value apiServer.webhooks.secretNames (default aether-webhooks): deliveries are refused`);
  if (found.secret === 'noKey') return no(TRIGGER_REASONS.SecretKeyNotFound, `Secret ${name} has no key ${key} (or it is empty): deliveries are refused`);
  if (!found.targetExists) {
    return spec.queue
      ? no(TRIGGER_REASONS.QueueNotFound, `RpaQueue ${spec.queue.name} does not exist (or is not reconciled yet): deliveries are refused`)
      : no(TRIGGER_REASONS.WorkflowNotFound, `RpaWorkflow ${spec.job?.workflowRef.name ?? ''} does not exist: deliveries are refused`);
  }
  const target = spec.queue ? `add items to RpaQueue ${spec.queue.name}` : `create RpaJobs of workflow ${spec.job?.workflowRef.name ?? ''}`;
  return { status: 'True', reason: TRIGGER_REASONS.TriggerReady, message: `signed deliveries ${target}` };
}
