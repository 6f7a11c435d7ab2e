// The RpaWorkflow controller: validates the workflow (schema and deep checks) and reports it in the
// Valid condition, with a message naming the step and field of every problem, and the step count.
import { countSteps } from './workflow-steps.js';
import { formatProblem, validateWorkflow, WorkflowSpec } from '../../../api/v1alpha1/index.js';
import type { Reconcile } from '../runtime/controller.js';
import type { EventInput, EventRecorder } from '../runtime/events.js';
import { reportStatus, type StatusReport } from '../runtime/report.js';
import { done, requeueAfter, TerminalError } from '../runtime/result.js';
import type { KindCache } from './cache.js';
import { crRef, type KubeClients } from './kube.js';
import { CONDITIONS, REASONS } from './names.js';
import type { RpaWorkflowObject } from './objects.js';
import { DEFAULT_HEALING_RESYNC_MS, healingUpdate, type HealingDeps } from './healing-suggestions.js';

export interface WorkflowVerdict {
  valid: boolean;
  message: string;
  stepCount: number | undefined;
}

/** Pure: the Valid condition's status and message, and the step count of a valid workflow. */
export function judgeWorkflow(spec: unknown): WorkflowVerdict {
  const problems = validateWorkflow(spec);
  if (problems.length > 0) return { valid: false, message: problems.map(formatProblem).join('; '), stepCount: undefined };
  const { steps, blocks } = WorkflowSpec.parse(spec);
  const n = countSteps(steps) + (blocks ?? []).reduce((m, b) => m + countSteps(b.steps), 0);
  return { valid: true, message: `the workflow is valid (${n} steps)`, stepCount: n };
}

/** Pure: the status a verdict (and the healing records, when read) asks for. */
export function workflowReport(verdict: WorkflowVerdict, healing: { fields: Record<string, unknown>; events: EventInput[] }): StatusReport {
  return {
    fields: { stepCount: verdict.stepCount ?? null, ...healing.fields },
    conditions: [{ type: CONDITIONS.valid, status: verdict.valid ? 'True' : 'False', reason: verdict.valid ? REASONS.Valid : REASONS.Invalid, message: verdict.message }],
    events: [...(verdict.valid ? [] : [{ type: 'Warning' as const, reason: REASONS.Invalid, message: verdict.message }]), ...healing.events],
  };
}

export function rpaWorkflowReconciler(deps: {
  clients: KubeClients;
  workflows: KindCache<RpaWorkflowObject>;
  events: EventRecorder;
  now: () => number;
  /** Self-healing suggestions and fragility in status (healing-suggestions.ts); off without it. */
  healing?: HealingDeps;
}): Reconcile {
  const reporting = { api: deps.clients.json, events: deps.events, now: deps.now };
  return async (key, ctx) => {
    const wf = deps.workflows.get(key.namespace, key.name);
    if (!wf || wf.metadata.deletionTimestamp) return done();
    const verdict = judgeWorkflow(wf.spec);
    const healing =
      verdict.valid && deps.healing
        ? await healingUpdate(deps.healing, wf, WorkflowSpec.parse(wf.spec).steps, ctx.logger)
        : { fields: {}, events: [] };
    await reportStatus(reporting, wf, crRef('RpaWorkflow', key.namespace, key.name), workflowReport(verdict, healing));
    if (!verdict.valid) throw new TerminalError(verdict.message);
    // Robots add heal events at any time: look again now and then (a NOTIFY listener may enqueue sooner).
    return deps.healing ? requeueAfter(deps.healing.resyncMs ?? DEFAULT_HEALING_RESYNC_MS) : done();
  };
}
