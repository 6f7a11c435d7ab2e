// RpaJob: one run of a workflow on a pool.
import { z } from 'zod';
import { PRIORITY_MAX, PRIORITY_MIN } from '../queue/priority.js';
import { PRIORITY_MESSAGE, PRIORITY_NAME_LIST, priorityField } from './priority-field.js';
import { dnsSubdomain, resource, statusBase, timestamp } from './common.js';
import { exactlyOne, withCel, withRules } from './rules.js';
import { boundedRecord, boundedString, identifier } from './bounds.js';
import { WorkflowSpec } from './workflow.js';
import { STEP_PATH_MAX_CHARS } from './step-position.js';
import { StatusArtifacts } from './artifacts.js';

export const WorkflowRef = z.strictObject({
  name: dnsSubdomain(),
  /** Pin a generation of the RpaWorkflow; the job fails if the workflow has moved on. */
  generation: z.int().min(1).optional(),
});
export type WorkflowRef = z.infer<typeof WorkflowRef>;

/** One credential slot bound to a Secret: its name and, optionally, slot key -> Secret key. */
export const CredentialBinding = z.strictObject({
  secretName: dnsSubdomain(),
  keys: boundedRecord(
    identifier(),
    boundedString(253)
      .min(1)
      .regex(/^[-._a-zA-Z0-9]+$/),
    16,
  ).optional(),
});
export type CredentialBinding = z.infer<typeof CredentialBinding>;

/** A name or an integer, higher = more urgent (see api/queue/priority.ts for the mapping). */
export const Priority = withCel(
  priorityField(),
  [
    {
      rule:
        `type(self) == string ? self in [${PRIORITY_NAME_LIST.map((n) => `'${n}'`).join(', ')}] : ` +
        `(self >= ${PRIORITY_MIN} && self <= ${PRIORITY_MAX})`,
      message: PRIORITY_MESSAGE,
    },
  ],
);

/** An RpaJob spec without transition rules: what an RpaSchedule's jobTemplate holds. */
export const RpaJobTemplateSpec = withRules(
  z.strictObject({
    workflowRef: WorkflowRef.optional(),
    workflow: WorkflowSpec.optional(),
    pool: dnsSubdomain(),
    params: boundedRecord(identifier(), z.unknown(), 64).optional(),
    credentials: boundedRecord(identifier(), CredentialBinding, 16).optional(),
    priority: Priority.default('normal'),
    maxAttempts: z.int().min(1).max(100).default(3),
    /**
     * Take-overs allowed: how many times the job's robot may die (lease expired, pod deleted) while
     * running it and another robot resume it; the death after that fails the job with reason
     * CrashLooping, kept as a dead letter.
     */
    maxCrashes: z.int().min(1).max(100).default(3),
    /**
     * How a failed attempt is retried. from failedStep (default): the retry resumes at the step that
     * failed, with the browser session of the last good checkpoint; steps that succeeded are not run
     * again (their outputs are reused). from start: every step runs again. An http step sends the same
     * Idempotency-Key (job uid + step path) in every attempt either way.
     */
    retry: z
      .strictObject({
        from: z.enum(['failedStep', 'start']).default('failedStep'),
      })
      .optional(),
    activeDeadlineSeconds: z
      .int()
      .min(1)
      .max(7 * 86400)
      .optional(),
    ttlSecondsAfterFinished: z
      .int()
      .min(0)
      .max(365 * 86400)
      .optional(),
    suspend: z.boolean().default(false),
  }),
  [
    {
      cel: 'has(self.workflowRef) != has(self.workflow)',
      message: 'exactly one of workflowRef, workflow must be set',
      holds: (s) => exactlyOne(s.workflowRef, s.workflow),
    },
  ],
);

export const RpaJobSpec = withCel(RpaJobTemplateSpec, [
  // Transition rules (the API server only): a job keeps its pool and workflow.
  { rule: 'self.pool == oldSelf.pool', message: 'pool is immutable', fieldPath: '.pool' },
  {
    rule: 'has(self.workflowRef) == has(oldSelf.workflowRef) && (!has(self.workflowRef) || self.workflowRef == oldSelf.workflowRef)',
    message: 'workflowRef is immutable',
    fieldPath: '.workflowRef',
  },
  {
    // Also what lets the CRD skip the workflow's own rules on updates (api/gen/unchanged-rules.ts).
    rule: 'has(self.workflow) == has(oldSelf.workflow) && (!has(self.workflow) || self.workflow == oldSelf.workflow)',
    message: 'workflow is immutable: create a new RpaJob to run a different workflow',
    fieldPath: '.workflow',
  },
]);
/** Spec fields the transition rules above keep unchanged; the CRD skips their rules on updates. */
export const RPAJOB_IMMUTABLE_SPEC_FIELDS = ['workflow'] as const;
export type RpaJobSpec = z.output<typeof RpaJobSpec>;
export type RpaJobSpecInput = z.input<typeof RpaJobSpec>;

export const JOB_PHASES = ['Pending', 'Queued', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];
export const FINISHED_PHASES: readonly JobPhase[] = ['Succeeded', 'Failed', 'Cancelled'];

export const JobError = z.strictObject({
  /** Closed set, CamelCase: StepFailed, DeadlineExceeded, Cancelled, RobotError, ... */
  reason: boundedString(128),
  message: boundedString(4096),
  /** The TOP-LEVEL step the failure happened in (a nested step's own id is the end of stepPath). */
  stepId: identifier().nullable().optional(),
  /** Where exactly: the step's path, e.g. `rows[3].check.then.open`, shortened with … when very long. */
  stepPath: boundedString(STEP_PATH_MAX_CHARS).nullable().optional(),
  /** Where the failure screenshot is stored (never the image itself). */
  screenshot: boundedString(1024).nullable().optional(),
});
export type JobError = z.infer<typeof JobError>;

export const RpaJobStatus = z.strictObject({
  ...statusBase,
  phase: z.enum(JOB_PHASES).optional(),
  attempts: z.int().min(0).optional(),
  robot: boundedString(253).optional(),
  queuedAt: timestamp().optional(),
  startedAt: timestamp().optional(),
  completionTime: timestamp().optional(),
  /** When the next attempt may start, while a failed attempt waits for its retry. */
  nextAttemptAt: timestamp().optional(),
  /** Id of the top-level step running now. */
  currentStep: boundedString(63).optional(),
  /** Path of the step running now (nested steps: `rows[3].check.then.open`), shortened with … when very long. */
  currentStepPath: boundedString(STEP_PATH_MAX_CHARS).optional(),
  /** Steps done / total, e.g. "3/7". */
  progress: boundedString(32).optional(),
  /** Step outputs by step id (small ones; large ones stay in Postgres, see outputsRef). */
  outputs: z.record(z.string(), z.unknown()).optional(),
  outputsRef: boundedString(1024).optional(),
  error: JobError.optional(),
  /** Files the job's download steps stored (name, size, sha256, contentType; the bytes stay in PostgreSQL). */
  artifacts: StatusArtifacts.optional(),
  /** sha256 of the workflow snapshot that was queued. */
  workflowDigest: boundedString(80).optional(),
});
export type RpaJobStatus = z.infer<typeof RpaJobStatus>;

export const RpaJob = resource('RpaJob', RpaJobSpec, RpaJobStatus);
export type RpaJob = z.output<typeof RpaJob>;
