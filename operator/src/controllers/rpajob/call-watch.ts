// Which RpaJobs an RpaWorkflow event concerns because they call it: jobs not yet queued whose Valid
// condition says a workflow they call is missing or invalid, and whose call graph (resolved against the
// cache now) reaches the workflow. Pure: the jobs and the lookup come from the informer caches. The
// reconcile that follows resolves the job afresh (level-based); this only decides who gets one.
import { resolveCallGraph, WorkflowSpec } from '../../../../api/v1alpha1/index.js';
import { CONDITIONS, REASONS } from '../names.js';
import type { RpaJobObject, RpaWorkflowObject } from '../objects.js';

const WAITING_REASONS: readonly string[] = [REASONS.WorkflowNotFound, REASONS.WorkflowInvalid];

function waitsOnACallee(job: RpaJobObject): boolean {
  if (job.status?.queuedAt) return false;
  const valid = job.status?.conditions?.find((c) => c.type === CONDITIONS.valid);
  return valid?.status === 'False' && WAITING_REASONS.includes(valid.reason ?? '');
}

/** Keys (`namespace/name`) are built by the caller; this returns the jobs. */
export function jobsCalling(
  jobs: readonly RpaJobObject[],
  workflow: string,
  lookup: (name: string) => RpaWorkflowObject | undefined,
): RpaJobObject[] {
  const found = (name: string) => {
    const wf = lookup(name);
    return wf && { generation: wf.metadata.generation ?? 1, spec: wf.spec };
  };
  return jobs.filter((job) => {
    if (!waitsOnACallee(job)) return false;
    const spec = (job.spec ?? {}) as { workflow?: unknown; workflowRef?: { name?: string } };
    const rootName = spec.workflowRef?.name;
    const root = WorkflowSpec.safeParse(spec.workflow ?? (rootName !== undefined ? lookup(rootName)?.spec : undefined));
    if (!root.success) return false;
    const graph = resolveCallGraph(root.data, found, { boundSlots: new Set(), ...(rootName !== undefined && { rootName }) });
    return graph.missing.includes(workflow) || workflow in graph.calls;
  });
}
