// The RpaWorkflow controller: validates the workflow (schema and deep checks) and reports it in the
// Valid condition, with a message naming the step and field of every problem, and the step count.
import { countSteps } from './workflow-steps.js';
import { formatProblem, validateWorkflow, WorkflowSpec } from '../../../api/v1alpha1/index.js';
import { setCondition, type Condition } from '../runtime/conditions.js';
import type { Reconcile } from '../runtime/controller.js';
import type { EventRecorder } from '../runtime/events.js';
import { done, requeueAfter, TerminalError } from '../runtime/result.js';
import { patchStatus } from '../runtime/status.js';
import type { KindCache } from './cache.js';
import { crRef, type KubeClients } from './kube.js';
import { CONDITIONS } from './names.js';
import type { RpaWorkflowObject } from './objects.js';
import { statusDelta } from './status-delta.js';
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
  const steps = WorkflowSpec.parse(spec).steps;
  return { valid: true, message: `the workflow is valid (${countSteps(steps)} steps)`, stepCount: countSteps(steps) };
}

export function rpaWorkflowReconciler(deps: {
  clients: KubeClients;
  workflows: KindCache<RpaWorkflowObject>;
  events: EventRecorder;
  now: () => number;
  /** Self-healing suggestions and fragility in status (healing-suggestions.ts); off without it. */
  healing?: HealingDeps;
}): Reconcile {
  return async (key, ctx) => {
    const wf = deps.workflows.get(key.namespace, key.name);
    if (!wf || wf.metadata.deletionTimestamp) return done();
    const verdict = judgeWorkflow(wf.spec);
    const conditions = setCondition(
      (wf.status?.conditions ?? []) as Condition[],
      { type: CONDITIONS.valid, status: verdict.valid ? 'True' : 'False', reason: verdict.valid ? 'Valid' : 'Invalid', message: verdict.message },
      { generation: wf.metadata.generation, now: new Date(deps.now()) },
    );
    const healing =
      verdict.valid && deps.healing
        ? await healingUpdate(deps.healing, wf, WorkflowSpec.parse(wf.spec).steps, ctx.logger)
        : { fields: {}, events: [] };
    const delta = statusDelta(wf.status as Record<string, unknown> | undefined, {
      conditions,
      stepCount: verdict.stepCount ?? null,
      observedGeneration: wf.metadata.generation,
      ...healing.fields,
    });
    if (delta) {
      await patchStatus(deps.clients.json, crRef('RpaWorkflow', key.namespace, key.name), delta);
      if (!verdict.valid) void deps.events.record(wf, { type: 'Warning', reason: 'Invalid', message: verdict.message });
      for (const event of healing.events) void deps.events.record(wf, event);
    }
    if (!verdict.valid) throw new TerminalError(verdict.message);
    // Robots add heal events at any time: look again now and then (a NOTIFY listener may enqueue sooner).
    return deps.healing ? requeueAfter(deps.healing.resyncMs ?? DEFAULT_HEALING_RESYNC_MS) : done();
  };
}
