// The closed set of reasons of conditions and Events, shared by the operator and the robot: CamelCase
// names, one `as const` object per kind, and the union types derived from them. A reason not listed here
// does not type-check where a condition, an Event or a JobError is written.

/** Why the scaler chose a size (the RobotPool's ScalingActive condition, Events, metric labels). */
export const SCALE_REASONS = [
  /** The computed size applies unchanged. */
  'DesiredWithinRange',
  /** Load is within the tolerance of the current size: no change. */
  'WithinTolerance',
  /** Work arrived for an empty pool: start robots at once. */
  'ScaleFromZero',
  /** No work and minReplicas 0: the pool goes to zero. */
  'ScaleToZero',
  /** Current size below minReplicas: raised to it. */
  'BelowMinReplicas',
  /** Current size above maxReplicas: lowered to it. */
  'AboveMaxReplicas',
  /** A lower recent recommendation within the scale-up window held the size. */
  'ScaleUpStabilized',
  /** A higher recent recommendation within the scale-down window held the size. */
  'ScaleDownStabilized',
  /** A scale-up policy capped the rate. */
  'ScaleUpLimit',
  /** A scale-down policy capped the rate. */
  'ScaleDownLimit',
  /** Scale-up selectPolicy is Disabled. */
  'ScaleUpDisabled',
  /** Scale-down selectPolicy is Disabled. */
  'ScaleDownDisabled',
  /** maxReplicas capped the size. */
  'TooManyReplicas',
  /** minReplicas held the size. */
  'TooFewReplicas',
] as const;

export type ScaleReason = (typeof SCALE_REASONS)[number];
const SCALE = Object.fromEntries(SCALE_REASONS.map((r) => [r, r])) as { readonly [R in ScaleReason]: R };

/** RpaJob: the Valid, Queued and Finished conditions and the job's Events (operator). */
export const JOB_REASONS = {
  Valid: 'Valid',
  /** The job's spec is wrong (a param, a credential binding, the inline workflow). */
  Invalid: 'Invalid',
  WorkflowNotFound: 'WorkflowNotFound',
  /** The referenced RpaWorkflow is invalid. */
  WorkflowInvalid: 'WorkflowInvalid',
  /** spec.workflowRef.generation names a generation the RpaWorkflow no longer has. */
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
  /** A credential of the job was used (Normal; one Event per slot, Secret, host and usage, repeats counted). */
  CredentialUsed: 'CredentialUsed',
  /** A credential use outside its Secret's scope was refused (Warning). */
  CredentialScopeDenied: 'CredentialScopeDenied',
  /** A request of the job went where the pool's egress rules refuse (Warning). */
  EgressRefused: 'EgressRefused',
} as const;

/** RpaJob status.error.reason: why a job (or one attempt) failed. Written by the robot, and by the operator when it enforces a deadline or adopts a run's outcome. */
export const JOB_ERROR_REASONS = {
  StepFailed: 'StepFailed',
  DeadlineExceeded: 'DeadlineExceeded',
  /** An attempt ran past the workflow's timeouts.jobSeconds (per attempt; activeDeadlineSeconds is the whole job's). */
  JobTimeout: 'JobTimeout',
  Cancelled: 'Cancelled',
  /** The robot itself failed (not a step of the workflow). */
  RobotError: 'RobotError',
  /** The queue payload failed its schema on the robot. */
  InvalidPayload: 'InvalidPayload',
  WorkflowGenerationMismatch: 'WorkflowGenerationMismatch',
  /** The job's robots died while running it more than spec.maxCrashes times (a poison job): failed, kept as a dead letter. */
  CrashLooping: 'CrashLooping',
  /** A credential was about to be used outside its Secret's scope (rpa.aether.dev/credential-scope): refused, not retried. */
  CredentialScopeDenied: 'CredentialScopeDenied',
} as const;

/** RpaWorkflow: the Valid condition and its Events. */
export const WORKFLOW_REASONS = {
  Valid: 'Valid',
  Invalid: 'Invalid',
  /** Robots healed a selector of the workflow often enough that a fix is suggested. */
  HealingSuggested: 'HealingSuggested',
} as const;

/** RobotPool: the Ready and ScalingActive conditions and the pool's Events. */
export const POOL_REASONS = {
  Invalid: 'Invalid',
  /** The pool asks for an image, ServiceAccount, env Secret or scheduling field outside the chart's allow-list. */
  Forbidden: 'Forbidden',
  /** The namespace's database role or its Secret could not be issued (tenancy); retried with backoff. */
  DatabaseAccessFailed: 'DatabaseAccessFailed',
  DeploymentReady: 'DeploymentReady',
  DeploymentProgressing: 'DeploymentProgressing',
  /** autoscaling is off: spec.replicas sets the size. */
  ManualScaling: 'ManualScaling',
  ScaledUp: 'ScaledUp',
  ScaledDown: 'ScaledDown',
  ...SCALE,
} as const;

/** RpaSchedule: the Scheduled condition and the schedule's Events. */
export const SCHEDULE_REASONS = {
  Invalid: 'Invalid',
  Scheduling: 'Scheduling',
  ScheduleSuspended: 'ScheduleSuspended',
  JobCreated: 'JobCreated',
  JobAlreadyActive: 'JobAlreadyActive',
  JobReplaced: 'JobReplaced',
  MissedSchedule: 'MissedSchedule',
  JobDeleted: 'JobDeleted',
} as const;

/** RpaQueue: the Ready condition and the queue's Events. */
export const QUEUE_REASONS = {
  /** The queue's spec is mirrored to the database: robots take its items. */
  QueueReady: 'QueueReady',
  /** The oldest New item waited longer than spec.slaSeconds (Warning Event, NOTIFY aether_queue_sla). */
  SlaBreached: 'SlaBreached',
  /** The SLA holds again after a breach. */
  SlaRecovered: 'SlaRecovered',
  /** Items passed their deadline or ran past the in-progress timeout. */
  ItemsAbandoned: 'ItemsAbandoned',
} as const;

/** RpaTrigger: the Ready condition (written by the API server, which receives the trigger's deliveries). */
export const TRIGGER_REASONS = {
  /** The Secret key, and the queue or workflow of the target, exist: deliveries are accepted. */
  TriggerReady: 'TriggerReady',
  /** spec.secretRef names a Secret that does not exist. */
  SecretNotFound: 'SecretNotFound',
  /** The Secret exists but lacks spec.secretRef.key (or the key is empty). */
  SecretKeyNotFound: 'SecretKeyNotFound',
  /** spec.queue names an RpaQueue that does not exist (or is not reconciled yet). */
  QueueNotFound: 'QueueNotFound',
  /** spec.job.workflowRef names an RpaWorkflow that does not exist. */
  WorkflowNotFound: 'WorkflowNotFound',
} as const;

export type JobReason = (typeof JOB_REASONS)[keyof typeof JOB_REASONS];
export type JobErrorReason = (typeof JOB_ERROR_REASONS)[keyof typeof JOB_ERROR_REASONS];
export type WorkflowReason = (typeof WORKFLOW_REASONS)[keyof typeof WORKFLOW_REASONS];
export type PoolReason = (typeof POOL_REASONS)[keyof typeof POOL_REASONS];
export type ScheduleReason = (typeof SCHEDULE_REASONS)[keyof typeof SCHEDULE_REASONS];
export type QueueReason = (typeof QUEUE_REASONS)[keyof typeof QUEUE_REASONS];
export type TriggerReason = (typeof TRIGGER_REASONS)[keyof typeof TRIGGER_REASONS];

/** Every reason, by name. */
export const REASONS = { ...JOB_REASONS, ...JOB_ERROR_REASONS, ...WORKFLOW_REASONS, ...POOL_REASONS, ...SCHEDULE_REASONS, ...QUEUE_REASONS, ...TRIGGER_REASONS } as const;
/** A reason of a condition or an Event (closed set). */
export type Reason = (typeof REASONS)[keyof typeof REASONS];
