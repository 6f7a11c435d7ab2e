// Names the controllers share with users and with each other: API coordinates, labels, annotations and
// condition types. The plurals, the finalizer and the reasons come from api/v1alpha1 (shared with the robot).
import { GROUP, VERSION } from '../../../api/v1alpha1/common.js';
import { PLURALS, RPAJOB_FINALIZER, type AetherKind } from '../../../api/v1alpha1/names.js';
import { REASONS, type Reason } from '../../../api/v1alpha1/reasons.js';

export const API = { group: GROUP, version: VERSION } as const;
export { PLURALS, RPAJOB_FINALIZER, type AetherKind };

export const ANNOTATIONS = {
  /** W3C trace context of the job's first reconcile: robot spans join this trace. */
  traceparent: `${GROUP}/traceparent`,
  /** Hash of the Deployment the operator last applied for a pool (skip no-op writes). */
  deploymentHash: `${GROUP}/deployment-hash`,
  /** The cron time an RpaSchedule created a job for. */
  scheduledAt: `${GROUP}/scheduled-at`,
  podDeletionCost: 'controller.kubernetes.io/pod-deletion-cost',
} as const;

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  pool: `${GROUP}/pool`,
  schedule: `${GROUP}/schedule`,
} as const;

export const MANAGER = 'aether-operator';

/** Condition types, per kind. */
export const CONDITIONS = {
  valid: 'Valid',
  queued: 'Queued',
  finished: 'Finished',
  ready: 'Ready',
  scaling: 'ScalingActive',
  scheduled: 'Scheduled',
} as const;

/** Reasons of conditions and Events: the closed set in api/v1alpha1/reasons.ts. */
export { REASONS, type Reason };
