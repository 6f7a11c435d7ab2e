// The graphile-worker job payload: everything a robot needs to run one attempt of an RpaJob, frozen at
// enqueue time (later edits of the RpaWorkflow never change a job in flight). Validated by the producer
// before enqueue and by the consumer before running.
//
// Secrets never travel here: credentials are Secret NAMES and keys only; the robot reads the values itself.
import { z } from 'zod';
import { WorkflowSpec } from '../v1alpha1/workflow.js';
import { MAX_CALLEES } from '../v1alpha1/call-graph.js';
import { DNS_LABEL, DNS_SUBDOMAIN, isCanonicalEnvelope, TRACEPARENT, WORKFLOW_DIGEST } from './payload-envelope.js';
import { PRIORITY_MAX, PRIORITY_MIN, PRIORITY_NAMES, type PriorityName } from './priority.js';
import { issuesText } from '../zod-issues.js';

export const QUEUE_PAYLOAD_VERSION = 1 as const;

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(DNS_LABEL, 'must be a DNS label (lower case letters, digits, -)');
const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS_SUBDOMAIN, 'must be a DNS subdomain name');

/** One credential slot of the workflow bound to a Secret: its name and (optionally) slot key -> Secret key. */
export const CredentialBinding = z.strictObject({
  secretName: dnsSubdomain,
  keys: z.record(z.string().min(1).max(253), z.string().min(1).max(253)).optional(),
});
export type CredentialBinding = z.infer<typeof CredentialBinding>;

export const PayloadPriority = z.union([
  z.enum(Object.keys(PRIORITY_NAMES) as [PriorityName, ...PriorityName[]]),
  z.int().min(PRIORITY_MIN).max(PRIORITY_MAX),
]);

/** W3C trace context, so the robot's spans join the operator's trace. */
const traceparent = z.string().regex(TRACEPARENT);

export const QueuePayload = z.strictObject({
  version: z.literal(QUEUE_PAYLOAD_VERSION),
  /** RpaJob metadata.uid: the run's identity everywhere (run row, job key, DBOS workflow ID). */
  uid: z.guid(),
  namespace: dnsLabel,
  name: dnsSubdomain,
  pool: dnsSubdomain,
  /** The workflow as it was when the job was queued. */
  workflow: WorkflowSpec,
  /**
   * The RpaWorkflows its `call` steps run (directly or through each other), by name, each at the generation
   * resolved when the job was queued (api/v1alpha1/call-graph.ts). Absent when it calls none.
   */
  calls: z
    .record(dnsSubdomain, z.strictObject({ generation: z.int().min(1), spec: WorkflowSpec }))
    .refine((c) => Object.keys(c).length <= MAX_CALLEES, { message: `at most ${MAX_CALLEES} called workflows` })
    .optional(),
  /** The RpaWorkflow it came from (absent for an inline workflow): self-healing records are kept per workflow. */
  workflowRef: z.strictObject({ name: dnsSubdomain }).optional(),
  /** 'sha256:<hex>' of the canonical JSON of `workflow` (see digest.ts). */
  workflowDigest: z.string().regex(WORKFLOW_DIGEST),
  params: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), CredentialBinding).default({}),
  priority: PayloadPriority.default('normal'),
  maxAttempts: z.int().min(1).max(100).default(3),
  /** Take-overs allowed (its robot declared dead while holding it); the next death fails the run as CrashLooping. */
  maxCrashes: z.int().min(1).max(100).default(3),
  /** RpaJob spec.retry.from: where a retried attempt begins (absent from payloads queued before it). */
  retryFrom: z.enum(['failedStep', 'start']).default('failedStep'),
  /** Absolute deadline of the whole job (from activeDeadlineSeconds), or null. */
  deadline: z.iso.datetime({ offset: true }).nullable().default(null),
  traceparent: traceparent.optional(),
});
/** A parsed payload (defaults filled in). */
export type QueuePayload = z.output<typeof QueuePayload>;
/** What a producer passes in (defaults optional). */
export type QueuePayloadInput = z.input<typeof QueuePayload>;

export class InvalidPayloadError extends Error {
  constructor(
    message: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(message);
    this.name = 'InvalidPayloadError';
  }
}

/** Parses a payload or throws InvalidPayloadError naming every bad field. */
export function parsePayload(raw: unknown): QueuePayload {
  const r = QueuePayload.safeParse(raw);
  if (r.success) return r.data;
  throw new InvalidPayloadError(`invalid queue payload: ${issuesText(r.error.issues)}`, r.error.issues);
}

/** The payload with its workflow left unchecked: the consumer checks workflows once per distinct one. */
const PayloadEnvelope = QueuePayload.extend({ workflow: z.unknown() });

export type PayloadParser = (raw: unknown) => QueuePayload;

/** Whether two JSON values are equal (object key order aside), without allocating. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
    keys++;
  }
  for (const _ in y) keys--;
  return keys === 0;
}

interface CheckedWorkflow {
  /** A private copy of the workflow as it arrived when it was checked. */
  input: unknown;
  /** JSON of the checked workflow, or null when checking changes nothing. */
  output: string | null;
}

/**
 * parsePayload with a memo of checked workflows (a robot sees the same few workflows over and over; the
 * workflow is most of the checking, and re-serialising it per job cost more than the rest). The memo is
 * looked up by workflowDigest and a hit still needs the workflow to equal, value for value, the one that
 * was checked (sameJson: a walk that allocates nothing), so a payload that lies about its digest is checked
 * in full. The other fields are checked for every job: by isCanonicalEnvelope when the payload is in the
 * stored form, else by zod. A job payload comes fresh from the database for every job, so a workflow that
 * checking leaves unchanged is returned as it arrived and never shared between jobs.
 */
export function createPayloadParser(opts: { maxWorkflows?: number } = {}): PayloadParser {
  const maxWorkflows = opts.maxWorkflows ?? 256;
  const checked = new Map<string, CheckedWorkflow>();

  const remember = (full: QueuePayload, rawWorkflow: unknown) => {
    const input = JSON.stringify(rawWorkflow);
    if (input === undefined) return;
    if (checked.size >= maxWorkflows) checked.delete(checked.keys().next().value!);
    const output = JSON.stringify(full.workflow);
    checked.set(full.workflowDigest, { input: JSON.parse(input) as unknown, output: output === input ? null : output });
  };

  return (raw) => {
    let envelope: Record<string, unknown>;
    if (isCanonicalEnvelope(raw)) {
      envelope = raw;
    } else {
      const r = PayloadEnvelope.safeParse(raw);
      if (!r.success) return parsePayload(raw);
      // zod's fresh copy of the envelope: completing it in place saves another copy.
      envelope = r.data as Record<string, unknown>;
    }
    const known = checked.get(envelope.workflowDigest as string);
    if (known === undefined || !sameJson(known.input, envelope.workflow)) {
      const full = parsePayload(raw);
      if (known === undefined) remember(full, (raw as { workflow: unknown }).workflow);
      return full;
    }
    if (known.output !== null) envelope.workflow = JSON.parse(known.output) as unknown;
    return envelope as QueuePayload;
  };
}
