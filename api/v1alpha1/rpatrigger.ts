// RpaTrigger: an inbound webhook. An HMAC-signed POST to the API server's
// /hooks/v1/namespaces/{namespace}/triggers/{name} creates an RpaJob from the trigger's job template, or adds
// work items to an RpaQueue. The HMAC key lives in a Secret of the trigger's namespace; the API server reads
// it with its own ServiceAccount. Signing and replay protection: api-server/src/webhooks/.
import { z } from 'zod';
import { dnsSubdomain, resource, statusBase, timestamp } from './common.js';
import { boundedRecord, boundedString, identifier } from './bounds.js';
import { celExactlyOne, exactlyOne, withRules } from './rules.js';
import { CredentialBinding, Priority, WorkflowRef } from './rpajob.js';

/** Longest clock skew a trigger may accept; also how long a delivery id is remembered. */
export const MAX_TOLERANCE_SECONDS = 3600;
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A JSON pointer (RFC 6901) into the request body: `/invoice/id`; `` is the whole body. */
export const JsonPointer = boundedString(256).regex(/^(\/[^/]*)*$/, 'must be a JSON pointer such as /invoice/id');

/** The Secret key holding the HMAC-SHA256 key (a Secret of the trigger's namespace). */
export const TriggerSecretRef = z.strictObject({
  name: dnsSubdomain(),
  key: boundedString(253)
    .min(1)
    .regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key (letters, digits, -, _ and .)'),
});

/** What a delivery to a job trigger creates: one RpaJob of this template, the body mapped to params. */
export const TriggerJobTarget = withRules(
  z.strictObject({
    pool: dnsSubdomain(),
    workflowRef: WorkflowRef,
    /** Fixed params of every job; values taken from the body win over them. */
    params: boundedRecord(identifier(), z.unknown(), 64).optional(),
    /** `body`: the body (a JSON object) becomes the params, its top-level fields one param each. */
    paramsFrom: z.enum(['body']).optional(),
    /** Param name -> JSON pointer into the body; a pointer the body lacks leaves the param unset. */
    paramMap: boundedRecord(identifier(), JsonPointer, 64).optional(),
    credentials: boundedRecord(identifier(), CredentialBinding, 16).optional(),
    priority: Priority.default('normal'),
    maxAttempts: z.int().min(1).max(100).default(3),
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
  }),
  [
    {
      cel: '!(has(self.paramsFrom) && has(self.paramMap))',
      message: 'set at most one of paramsFrom, paramMap',
      holds: (j) => j.paramsFrom === undefined || j.paramMap === undefined,
    },
  ],
);
export type TriggerJobTarget = z.output<typeof TriggerJobTarget>;

/** What a delivery to a queue trigger adds: the body's `items` (or the body as one item) to this RpaQueue. */
export const TriggerQueueTarget = z.strictObject({ name: dnsSubdomain() });

export const RpaTriggerSpec = withRules(
  z.strictObject({
    secretRef: TriggerSecretRef,
    /** A delivery whose X-Aether-Timestamp is further than this from the server's clock is refused. */
    toleranceSeconds: z.int().min(1).max(MAX_TOLERANCE_SECONDS).default(DEFAULT_TOLERANCE_SECONDS),
    job: TriggerJobTarget.optional(),
    queue: TriggerQueueTarget.optional(),
  }),
  [
    {
      cel: celExactlyOne(['job', 'queue']),
      message: 'set exactly one target: job (create an RpaJob) or queue (add work items)',
      holds: (s) => exactlyOne(s.job, s.queue),
    },
  ],
);
export type RpaTriggerSpec = z.output<typeof RpaTriggerSpec>;
export type RpaTriggerSpecInput = z.input<typeof RpaTriggerSpec>;

export const RpaTriggerStatus = z.strictObject({
  ...statusBase,
  /** When the last accepted delivery arrived. */
  lastDelivery: timestamp().optional(),
  /** Deliveries accepted since the trigger was created (replays and refusals not counted). */
  deliveries: z.int().min(0).optional(),
});
export type RpaTriggerStatus = z.infer<typeof RpaTriggerStatus>;

export const RpaTrigger = resource('RpaTrigger', RpaTriggerSpec, RpaTriggerStatus);
export type RpaTrigger = z.output<typeof RpaTrigger>;
