// Work items' data become the run's params: checked against the declarations of the queue's workflow when
// it exists (the robot checks again when it runs the item). Shared by the bulk endpoint and queue triggers.
import type { NewItem } from '../../api/queue/items/validate.js';
import { itemParamMessage, itemParamProblems } from '../../api/queue/items/validate.js';
import type { WorkflowSpec } from '../../api/v1alpha1/index.js';
import type { KubeApi } from './kube.js';

/**
 * Why the items do not fit the params of the queue's workflow, or undefined when they do (or it is missing).
 * The queue's snapshot (aether.queues.workflow, what robots run) when the operator has resolved it — no
 * Kubernetes round trip per request; otherwise the RpaWorkflow as it is now.
 */
export async function itemsWorkflowProblem(
  kube: KubeApi,
  namespace: string,
  queue: { workflowRef: { name: string }; workflow?: unknown },
  items: readonly NewItem[],
): Promise<string | undefined> {
  const workflowName = queue.workflowRef.name;
  const spec = queue.workflow ?? (await kube.getWorkflow(namespace, workflowName))?.spec;
  if (spec === undefined || spec === null) return undefined;
  const problems = itemParamProblems(spec as Pick<WorkflowSpec, 'params'>, items);
  if (problems.length === 0) return undefined;
  return itemParamMessage(workflowName, problems);
}
