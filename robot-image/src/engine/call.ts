// The `call` step: runs another RpaWorkflow's steps from the job's snapshot (the queue payload's `calls`,
// resolved by the operator at the generation current when the job was queued). The call step's own
// checkpoint records the params it rendered, so a take-over enters the callee with the same params; the
// callee's steps checkpoint under the call step's path (`<call>.<id>`, `<call>.<loop>[i].<id>`, ...), so a
// crash inside it resumes at the callee's step and nothing runs twice. The callee has a scope of its own
// (its params, its steps, its variables); the browser session, egress rules, credentials and limits stay
// the job's. Its top-level step outputs come back as `steps.<call>.output.<id>`.
import { callParamTypeProblem, MAX_CALL_DEPTH, type CalledWorkflow } from '../../../api/v1alpha1/call-graph.js';
import type { CallStep, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { ControlOutcome, FlowContext } from './control-flow.js';

/** Callees by name, as the job's payload snapshotted them. */
export type Callees = Readonly<Record<string, CalledWorkflow>>;

/** Calls run inside calls at most this deep here (admission allows MAX_CALL_DEPTH; this bounds a payload that slipped by). */
export const MAX_RUNTIME_CALL_DEPTH = MAX_CALL_DEPTH;

function calleeOf(step: CallStep, calls: Callees): WorkflowSpec {
  const callee = calls[step.call.workflow];
  if (!callee)
    throw new Error(`RpaWorkflow ${step.call.workflow} is not in the job's snapshot (callees are resolved when the job is queued)`);
  return callee.spec;
}

/** The callee's params as the call step renders them in the caller's scope, each checked against its declared type. */
export async function renderCallParams(
  step: CallStep,
  calls: Callees,
  render: (src: string) => Promise<unknown>,
): Promise<Record<string, unknown>> {
  const callee = calleeOf(step, calls);
  const params: Record<string, unknown> = {};
  for (const [name, src] of Object.entries(step.call.params ?? {})) {
    const value = await render(src);
    const problem = callParamTypeProblem(callee, name, value);
    if (problem) throw new Error(`call of RpaWorkflow ${step.call.workflow}: ${problem}`);
    params[name] = value;
  }
  const missing = (callee.params ?? []).find((p) => p.required && params[p.name] === undefined);
  if (missing) throw new Error(`call of RpaWorkflow ${step.call.workflow}: param "${missing.name}" is required`);
  return params;
}

/** Runs the callee's steps under `path` with the params the call step recorded. */
export async function runCall(
  step: CallStep,
  path: string,
  params: Record<string, unknown>,
  flow: FlowContext,
): Promise<ControlOutcome> {
  let callee: WorkflowSpec;
  try {
    callee = calleeOf(step, flow.calls);
  } catch (err) {
    return { error: { message: flow.errorMessage(err) } };
  }
  if (flow.callDepth >= MAX_RUNTIME_CALL_DEPTH)
    return { error: { message: `calls nest deeper than ${MAX_RUNTIME_CALL_DEPTH} (at RpaWorkflow ${step.call.workflow})` } };
  return flow.runCallee(step.call.workflow, callee, params, path);
}
