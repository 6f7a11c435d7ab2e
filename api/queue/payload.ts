// The graphile-worker job payload: everything a robot needs to run one attempt of an RpaJob, frozen at
// enqueue time (later edits of the RpaWorkflow never change a job in flight). Validated by the producer
// before enqueue and by the consumer before running.
//
// Secrets never travel here: credentials are Secret NAMES and keys only; the robot reads the values itself.
import { z } from 'zod';
import { WorkflowSpec } from '../v1alpha1/workflow.js';
import { PRIORITY_MAX, PRIORITY_MIN, PRIORITY_NAMES, type PriorityName } from './priority.js';

export const QUEUE_PAYLOAD_VERSION = 1 as const;

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lower case letters, digits, -)');
const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS subdomain name');

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
const traceparent = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

export const QueuePayload = z.strictObject({
  version: z.literal(QUEUE_PAYLOAD_VERSION),
  /** RpaJob metadata.uid: the run's identity everywhere (run row, job key, DBOS workflow ID). */
  uid: z.guid(),
  namespace: dnsLabel,
  name: dnsSubdomain,
  pool: dnsSubdomain,
  /** The workflow as it was when the job was queued. */
  workflow: WorkflowSpec,
  /** The RpaWorkflow it came from (absent for an inline workflow): self-healing records are kept per workflow. */
  workflowRef: z.strictObject({ name: dnsSubdomain }).optional(),
  /** 'sha256:<hex>' of the canonical JSON of `workflow` (see digest.ts). */
  workflowDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  params: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), CredentialBinding).default({}),
  priority: PayloadPriority.default('normal'),
  maxAttempts: z.int().min(1).max(100).default(3),
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
  const detail = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new InvalidPayloadError(`invalid queue payload: ${detail}`, r.error.issues);
}

/** The payload with its workflow left unchecked: the consumer checks workflows once per distinct one. */
const PayloadEnvelope = QueuePayload.extend({ workflow: z.unknown() });

export type PayloadParser = (raw: unknown) => QueuePayload;

/**
 * parsePayload with a memo of checked workflows (a robot sees the same few workflows over and over; the
 * workflow is most of the checking). The key is the workflow's JSON text as it arrived, so a workflow is
 * reused only when it is byte-for-byte one already checked. A job payload comes fresh from the database
 * for every job, so a workflow that checking leaves unchanged (the producer stores parsed payloads) is
 * returned as it arrived and never shared between jobs.
 */
export function createPayloadParser(opts: { maxWorkflows?: number } = {}): PayloadParser {
  const maxWorkflows = opts.maxWorkflows ?? 256;
  /** workflow JSON as it arrived -> JSON of the checked workflow, or null when checking changes nothing. */
  const checked = new Map<string, string | null>();
  return (raw) => {
    const envelope = PayloadEnvelope.safeParse(raw);
    if (!envelope.success) return parsePayload(raw);
    const text = JSON.stringify(envelope.data.workflow);
    const known = text === undefined ? undefined : checked.get(text);
    if (known === undefined) {
      const full = parsePayload(raw);
      if (text !== undefined) {
        if (checked.size >= maxWorkflows) checked.delete(checked.keys().next().value!);
        const out = JSON.stringify(full.workflow);
        checked.set(text, out === text ? null : out);
      }
      return full;
    }
    // envelope.data is zod's fresh copy of the envelope: completing it in place saves another copy.
    const payload = envelope.data as QueuePayload;
    if (known !== null) payload.workflow = JSON.parse(known) as QueuePayload['workflow'];
    return payload;
  };
}
