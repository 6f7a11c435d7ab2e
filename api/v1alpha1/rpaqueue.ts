// RpaQueue: a queue of work items (rows in PostgreSQL, not resources) that robots of a pool take one at a
// time, each item one run of the queue's workflow with the item's data as params. See
// migrations/sql/0012_queue_items.sql for the item states and api/queue/items for the store.
import { z } from 'zod';
import { dnsSubdomain, resource, statusBase, timestamp } from './common.js';
import { CredentialBinding, Priority, WorkflowRef } from './rpajob.js';
import { boundedRecord, identifier } from './bounds.js';
import { withRules } from './rules.js';

export const UNIQUE_REFERENCE_POLICIES = ['Reject', 'Replace', 'AllowDuplicates'] as const;
export type UniqueReferencePolicySpec = (typeof UNIQUE_REFERENCE_POLICIES)[number];

const DAY = 86_400;

export const QueueRetry = withRules(
  z.strictObject({
    /** Application failures retried per item (a business failure is never retried). */
    maxRetries: z.int().min(0).max(100).default(3),
    /** First back-off; each further retry doubles it up to maxBackoffSeconds. */
    backoffSeconds: z.int().min(0).max(DAY).default(10),
    maxBackoffSeconds: z.int().min(0).max(DAY).default(600),
  }),
  [
    {
      cel: 'self.maxBackoffSeconds >= self.backoffSeconds',
      message: 'maxBackoffSeconds must be at least backoffSeconds',
      fieldPath: '.maxBackoffSeconds',
      holds: (r) => r.maxBackoffSeconds >= r.backoffSeconds,
    },
  ],
);

export const RpaQueueSpec = z.strictObject({
  /** The RobotPool whose robots take the items. */
  pool: dnsSubdomain(),
  /** The RpaWorkflow each item runs; an item's data are its params. */
  workflowRef: WorkflowRef,
  /**
   * The workflow's credential slots, each bound to a Secret of the queue's namespace (as an RpaJob binds
   * them): every item's run uses these. Item data never carry credentials.
   */
  credentials: boundedRecord(identifier(), CredentialBinding, 16).optional(),
  retry: QueueRetry.default({ maxRetries: 3, backoffSeconds: 10, maxBackoffSeconds: 600 }),
  /** What adding an item with a reference the queue already has does. */
  uniqueReference: z.enum(UNIQUE_REFERENCE_POLICIES).default('Reject'),
  /** Items' default priority (an item may set its own); higher is more urgent. */
  priority: Priority.default('normal'),
  /** A New item waiting longer than this is Abandoned (an item's own deadline wins). */
  itemTtlSeconds: z.int().min(1).max(365 * DAY).optional(),
  /** An item InProgress longer than this is Abandoned. */
  inProgressTimeoutSeconds: z.int().min(10).max(7 * DAY).default(3600),
  /** Finished items (Successful, Failed, Abandoned, Deleted) are deleted this long after they finished. */
  retentionSeconds: z.int().min(60).max(365 * DAY).default(7 * DAY),
  /** Service level: the oldest New item may wait this long; past it the queue reports SlaBreached. */
  slaSeconds: z.int().min(1).max(365 * DAY).optional(),
});
export type RpaQueueSpec = z.output<typeof RpaQueueSpec>;
export type RpaQueueSpecInput = z.input<typeof RpaQueueSpec>;

export const QueueItemCounts = z.strictObject({
  new: z.int().min(0).default(0),
  inProgress: z.int().min(0).default(0),
  successful: z.int().min(0).default(0),
  failed: z.int().min(0).default(0),
  abandoned: z.int().min(0).default(0),
});

export const RpaQueueStatus = z.strictObject({
  ...statusBase,
  items: QueueItemCounts.optional(),
  /** Created time of the oldest New item; absent when none waits. */
  oldestNewItemTime: timestamp().optional(),
  /** 'Met', 'Breached', or absent without an SLA. */
  sla: z.enum(['Met', 'Breached']).optional(),
  /** When the counts were last written. */
  countsTime: timestamp().optional(),
});
export type RpaQueueStatus = z.infer<typeof RpaQueueStatus>;

export const RpaQueue = resource('RpaQueue', RpaQueueSpec, RpaQueueStatus);
export type RpaQueue = z.output<typeof RpaQueue>;
