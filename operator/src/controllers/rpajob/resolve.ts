// Resolving and validating the workflow of an RpaJob: the referenced RpaWorkflow (at a pinned
// generation, if given) or the inline one, then the job's own fields and bindings. Pure: the lookup of
// an RpaWorkflow is passed in.
import { z } from 'zod';
import { checkWorkflow, formatCallProblem, formatProblem, inputShapeProblems, paramsProblems, resolveCallGraph, RpaJobSpec, validateWorkflow, WorkflowSpec, type CalledWorkflow, type WorkflowProblem } from '../../../../api/v1alpha1/index.js';
import { issuesText } from '../../../../api/zod-issues.js';
import type { RpaWorkflowObject } from '../objects.js';
import { bindingProblems, formatSpecProblems } from './bindings.js';

export type ParsedJobSpec = z.output<typeof RpaJobSpec>;

export type Resolution =
  /** `calls`: the RpaWorkflows its call steps run, by name, at the generation found (call-graph.ts). */
  | { kind: 'ok'; spec: ParsedJobSpec; workflow: WorkflowSpec; calls: Record<string, CalledWorkflow> }
  /** A bad spec: no retry until the job (or its workflow) changes. */
  | { kind: 'invalid'; reason: 'Invalid' | 'WorkflowInvalid'; message: string }
  /** The referenced RpaWorkflow does not exist (yet). */
  | { kind: 'notFound'; message: string }
  /** A workflow a call step names does not exist (yet): the message names the field; `missing` the names. */
  | { kind: 'calleeNotFound'; message: string; missing: string[] }
  /** The pinned generation is older than the workflow's: the job can never run. */
  | { kind: 'generationMismatch'; message: string }
  /** The pinned generation is newer than the workflow's: wait for the update. */
  | { kind: 'waitForGeneration'; message: string };

const inlineWorkflowInvalid = (problems: WorkflowProblem[]): Resolution => ({
  kind: 'invalid',
  reason: 'Invalid',
  message: problems.map((p) => `spec.workflow: ${formatProblem(p)}`).join('; '),
});

export function resolveJobWorkflow(rawSpec: unknown, lookup: (name: string) => RpaWorkflowObject | undefined): Resolution {
  const raw = (rawSpec ?? {}) as { workflow?: unknown; params?: unknown };
  // The job's schema parses an inline workflow too, so a valid job is parsed once; the workflow's own
  // problems (named by step) still come first, as validateWorkflow reports them.
  const parsed = RpaJobSpec.safeParse(rawSpec);
  if (raw.workflow !== undefined) {
    // The raw shape first: the schema's parse silently drops a `__proto__` key, so only the raw input shows it.
    const shape = inputShapeProblems(raw.workflow);
    const problems =
      shape.length > 0 ? shape : parsed.success && parsed.data.workflow ? checkWorkflow(parsed.data.workflow) : validateWorkflow(raw.workflow);
    if (problems.length > 0) return inlineWorkflowInvalid(problems);
  }
  // Raw params too: deep nesting would overflow the robot's templating, a `__proto__` key its objects.
  const params = paramsProblems(raw.params);
  if (params.length > 0) return { kind: 'invalid', reason: 'Invalid', message: params.map(formatProblem).join('; ') };
  if (!parsed.success) return { kind: 'invalid', reason: 'Invalid', message: issuesText(parsed.error.issues, { under: 'spec' }) };
  const spec = parsed.data;

  let workflow: WorkflowSpec;
  if (spec.workflow) {
    workflow = spec.workflow;
  } else {
    const ref = spec.workflowRef!;
    const wf = lookup(ref.name);
    if (!wf) return { kind: 'notFound', message: `RpaWorkflow ${ref.name} does not exist` };
    const generation = wf.metadata.generation ?? 1;
    if (ref.generation !== undefined && ref.generation < generation)
      return { kind: 'generationMismatch', message: `spec.workflowRef.generation: pinned generation ${ref.generation}, but RpaWorkflow ${ref.name} is at generation ${generation}` };
    if (ref.generation !== undefined && ref.generation > generation)
      return { kind: 'waitForGeneration', message: `waiting for RpaWorkflow ${ref.name} to reach generation ${ref.generation} (it is at ${generation})` };
    const problems = validateWorkflow(wf.spec);
    if (problems.length > 0)
      return { kind: 'invalid', reason: 'WorkflowInvalid', message: `RpaWorkflow ${ref.name}: ${problems.map(formatProblem).join('; ')}` };
    workflow = WorkflowSpec.parse(wf.spec);
  }
  const bindings = bindingProblems(workflow, spec.params, spec.credentials);
  if (bindings.length > 0) return { kind: 'invalid', reason: 'Invalid', message: formatSpecProblems(bindings) };
  return resolveCalls(spec, workflow, lookup);
}

/** The callees of the job's workflow, snapshotted at their current generation, or why the job cannot run yet. */
function resolveCalls(spec: ParsedJobSpec, workflow: WorkflowSpec, lookup: (name: string) => RpaWorkflowObject | undefined): Resolution {
  const root = spec.workflowRef?.name;
  const graph = resolveCallGraph(
    workflow,
    (name) => {
      const wf = lookup(name);
      return wf && { generation: wf.metadata.generation ?? 1, spec: wf.spec };
    },
    { boundSlots: new Set(Object.keys(spec.credentials ?? {})), ...(root !== undefined && { rootName: root }) },
  );
  const lines = (kind: 'invalid' | 'notFound') =>
    graph.problems.filter((p) => p.kind === kind).map((p) => formatCallProblem(p, root)).join('; ');
  if (graph.problems.some((p) => p.kind === 'invalid')) return { kind: 'invalid', reason: 'WorkflowInvalid', message: lines('invalid') };
  if (graph.missing.length > 0) return { kind: 'calleeNotFound', message: lines('notFound'), missing: graph.missing };
  return { kind: 'ok', spec, workflow, calls: graph.calls };
}
