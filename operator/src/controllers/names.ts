// Names the controllers share with users and with each other: API coordinates, the finalizer, labels,
// annotations, condition types and the closed set of reasons (conditions and Events).
import { GROUP, VERSION } from '../../../api/v1alpha1/common.js';

export const API = { group: GROUP, version: VERSION } as const;
export const PLURALS = {
  RpaWorkflow: 'rpaworkflows',
  RpaJob: 'rpajobs',
  RobotPool: 'robotpools',
  RpaSchedule: 'rpaschedules',
} as const;
export type AetherKind = keyof typeof PLURALS;

/** On every RpaJob until its queue entry is cleaned up. */
export const QUEUE_FINALIZER = `${GROUP}/queue-cleanup`;

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

/** Reasons of conditions and Events set by the controllers (CamelCase, closed set). */
export const REASONS = {
  Valid: 'Valid',
  Invalid: 'Invalid',
  WorkflowNotFound: 'WorkflowNotFound',
  WorkflowInvalid: 'WorkflowInvalid',
  WorkflowGenerationMismatch: 'WorkflowGenerationMismatch',
  Queued: 'Queued',
  Suspended: 'Suspended',
  /** spec.suspend on a running job: its robot stops at the next step boundary and parks the run. */
  Suspending: 'Suspending',
  /** spec.suspend back to false on a parked job: queued again, a robot resumes it where it stopped. */
  Resumed: 'Resumed',
  Started: 'Started',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
  DeadlineExceeded: 'DeadlineExceeded',
  Expired: 'Expired',
  QueueEntryRemoved: 'QueueEntryRemoved',
  DeploymentReady: 'DeploymentReady',
  DeploymentProgressing: 'DeploymentProgressing',
  ManualScaling: 'ManualScaling',
  ScaledUp: 'ScaledUp',
  ScaledDown: 'ScaledDown',
  JobCreated: 'JobCreated',
  JobAlreadyActive: 'JobAlreadyActive',
  JobReplaced: 'JobReplaced',
  MissedSchedule: 'MissedSchedule',
  JobDeleted: 'JobDeleted',
  ScheduleSuspended: 'ScheduleSuspended',
  Scheduling: 'Scheduling',
} as const;
export type Reason = keyof typeof REASONS;
