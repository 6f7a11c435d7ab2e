// The RpaQueue controller's decisions (pure): the database row its spec mirrors to, whether this pass may
// write the counts (at most once a second per queue, however fast items move), the SLA verdict, and the
// status to report.
import { graphilePriority } from '../../../../api/queue/priority.js';
import type { QueueRow, UniqueReferencePolicy } from '../../../../api/queue/items/queues.js';
import type { QueueCounts } from '../../../../api/queue/items/store.js';
import { workflowDigest } from '../../../../api/queue/digest.js';
import {
  formatProblem,
  kubeTime,
  REASONS,
  validateWorkflow,
  WorkflowSpec,
  type RpaQueueSpec,
  type RpaQueueStatus,
  type UniqueReferencePolicySpec,
} from '../../../../api/v1alpha1/index.js';
import type { RpaWorkflowObject } from '../objects.js';
import type { StatusReport } from '../../runtime/report.js';
import { requeueAfter, type ReconcileResult } from '../../runtime/result.js';
import { CONDITIONS } from '../names.js';
import { credentialBindingProblems, formatSpecProblems } from '../rpajob/bindings.js';

/** The counts of one queue are written at most this often. */
export const COUNTS_MIN_INTERVAL_MS = 1000;
/** A queue is looked at again this often without any NOTIFY (SLA, TTL, retention). */
export const QUEUE_RESYNC_MS = 30_000;

const POLICIES: Record<UniqueReferencePolicySpec, UniqueReferencePolicy> = { Reject: 'reject', Replace: 'replace', AllowDuplicates: 'allow' };

export type QueueWorkflow = { ok: true; workflow: WorkflowSpec } | { ok: false; reason: 'WorkflowNotFound' | 'WorkflowInvalid'; message: string };

/** The workflow a queue's items run: the referenced RpaWorkflow, valid, its credential slots bound by the queue. */
export function resolveQueueWorkflow(spec: RpaQueueSpec, lookup: (name: string) => RpaWorkflowObject | undefined): QueueWorkflow {
  const name = spec.workflowRef.name;
  const wf = lookup(name);
  if (!wf) return { ok: false, reason: REASONS.WorkflowNotFound, message: `RpaWorkflow ${name} does not exist` };
  const generation = wf.metadata.generation ?? 1;
  const pinned = spec.workflowRef.generation;
  if (pinned !== undefined && pinned !== generation)
    return { ok: false, reason: REASONS.WorkflowInvalid, message: `spec.workflowRef.generation: pinned generation ${pinned}, but RpaWorkflow ${name} is at generation ${generation}` };
  const problems = validateWorkflow(wf.spec);
  if (problems.length > 0) return { ok: false, reason: REASONS.WorkflowInvalid, message: `RpaWorkflow ${name}: ${problems.map(formatProblem).join('; ')}` };
  const workflow = WorkflowSpec.parse(wf.spec);
  const unbound = credentialBindingProblems(workflow, spec.credentials);
  if (unbound.length > 0) return { ok: false, reason: REASONS.WorkflowInvalid, message: `RpaWorkflow ${name}: ${formatSpecProblems(unbound)}` };
  return { ok: true, workflow };
}

/** The aether.queues row of a queue's spec (workflow null while it cannot be resolved). */
export function queueRow(meta: { namespace: string; name: string; uid: string }, spec: RpaQueueSpec, wf?: QueueWorkflow): QueueRow {
  return {
    workflow: wf?.ok ? wf.workflow : null,
    workflowDigest: wf?.ok ? workflowDigest(wf.workflow) : null,
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    pool: spec.pool,
    workflowRef: { name: spec.workflowRef.name },
    maxRetries: spec.retry.maxRetries,
    backoffSeconds: spec.retry.backoffSeconds,
    backoffMaxSeconds: spec.retry.maxBackoffSeconds,
    uniqueReference: POLICIES[spec.uniqueReference],
    itemTtlSeconds: spec.itemTtlSeconds,
    inProgressTimeoutSeconds: spec.inProgressTimeoutSeconds,
    retentionSeconds: spec.retentionSeconds,
    slaSeconds: spec.slaSeconds,
    priority: graphilePriority(spec.priority),
    credentials: spec.credentials ?? {},
  };
}

export type CountsWrite = { write: true } | { write: false; retryInMs: number };

/**
 * The rate limit of count writes: a change is written at once when the last write is at least
 * COUNTS_MIN_INTERVAL_MS old, else the pass comes back when it will be.
 */
export function countsWriteDecision(input: { now: number; lastWriteAt: number | undefined; changed: boolean }): CountsWrite {
  if (!input.changed) return { write: false, retryInMs: 0 };
  if (input.lastWriteAt === undefined) return { write: true };
  const since = input.now - input.lastWriteAt;
  if (since >= COUNTS_MIN_INTERVAL_MS || since < 0) return { write: true };
  return { write: false, retryInMs: COUNTS_MIN_INTERVAL_MS - since };
}

export interface SlaVerdict {
  sla: 'Met' | 'Breached' | undefined;
  /** When the verdict may change without any item moving (the oldest item crossing the SLA). */
  recheckInMs: number | undefined;
}

export function slaVerdict(slaSeconds: number | undefined, oldestNewAt: number | undefined, now: number): SlaVerdict {
  if (slaSeconds === undefined) return { sla: undefined, recheckInMs: undefined };
  if (oldestNewAt === undefined) return { sla: 'Met', recheckInMs: undefined };
  const breachAt = oldestNewAt + slaSeconds * 1000;
  return breachAt <= now ? { sla: 'Breached', recheckInMs: undefined } : { sla: 'Met', recheckInMs: breachAt - now + 1 };
}

export interface QueueWorld {
  spec: RpaQueueSpec;
  status: RpaQueueStatus | undefined;
  counts: QueueCounts;
  workflow: QueueWorkflow;
  /** The last counts write of this operator for the queue, or status.countsTime, whichever is later. */
  lastWriteAt: number | undefined;
  now: number;
}

export interface QueueDecision {
  /** The status to write, or undefined when nothing may or need be written in this pass. */
  report: StatusReport | undefined;
  /** The SLA was met and is breached now: send the Event and NOTIFY aether_queue_sla (once the write went out). */
  slaBreached: boolean;
  result: ReconcileResult;
}

export function decideQueue(w: QueueWorld): QueueDecision {
  const { counts, status, spec, now } = w;
  const items = { new: counts.new, inProgress: counts.inProgress, successful: counts.successful, failed: counts.failed, abandoned: counts.abandoned };
  const oldestNewAt = counts.oldestNewAt?.getTime();
  const verdict = slaVerdict(spec.slaSeconds, oldestNewAt, now);
  const oldest = oldestNewAt === undefined ? undefined : kubeTime(new Date(oldestNewAt));
  const ready = status?.conditions?.find((c) => c.type === CONDITIONS.ready);
  const readyNow = w.workflow.ok
    ? { type: CONDITIONS.ready, status: 'True' as const, reason: REASONS.QueueReady, message: `robots of pool ${spec.pool} take the items` }
    : { type: CONDITIONS.ready, status: 'False' as const, reason: w.workflow.reason, message: `${w.workflow.message}: robots take no item until it is fixed` };
  const changed =
    JSON.stringify(status?.items ?? null) !== JSON.stringify(items) ||
    status?.oldestNewItemTime !== oldest ||
    status?.sla !== verdict.sla ||
    ready?.status !== readyNow.status ||
    ready?.message !== readyNow.message;
  const gate = countsWriteDecision({ now, lastWriteAt: w.lastWriteAt, changed });
  const recheck = Math.min(QUEUE_RESYNC_MS, verdict.recheckInMs ?? QUEUE_RESYNC_MS);
  if (!gate.write) return { report: undefined, slaBreached: false, result: requeueAfter(gate.retryInMs > 0 ? Math.min(gate.retryInMs, recheck) : recheck) };
  const slaBreached = verdict.sla === 'Breached' && status?.sla !== 'Breached';
  const slaRecovered = verdict.sla === 'Met' && status?.sla === 'Breached';
  return {
    report: {
      fields: { items, oldestNewItemTime: oldest ?? null, sla: verdict.sla ?? null, countsTime: kubeTime(new Date(now)) },
      conditions: [readyNow],
      events: [
        ...(readyNow.status === 'False' && ready?.message !== readyNow.message ? [{ type: 'Warning' as const, reason: readyNow.reason, message: readyNow.message }] : []),
        ...(slaBreached
          ? [{ type: 'Warning' as const, reason: REASONS.SlaBreached, message: `the oldest New item has waited longer than the SLA of ${spec.slaSeconds}s (${counts.new} items waiting)` }]
          : []),
        ...(slaRecovered ? [{ type: 'Normal' as const, reason: REASONS.SlaRecovered, message: `no New item has waited longer than the SLA of ${spec.slaSeconds}s` }] : []),
      ],
    },
    slaBreached,
    result: requeueAfter(recheck),
  };
}
