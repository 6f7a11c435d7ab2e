// Work items' data become the run's params: checked against the declarations of the queue's workflow when
// it exists (the robot checks again when it runs the item). Shared by the bulk endpoint and queue triggers.
import type { NewItem } from '../../api/queue/items/validate.js';
import { itemParamMessage, itemParamProblems } from '../../api/queue/items/validate.js';
import type { WorkflowSpec } from '../../api/v1alpha1/index.js';
import type { KubeClient } from './kube.js';

/** Why the items do not fit the params of workflow `workflowName`, or undefined when they do (or it is missing). */
export async function itemsWorkflowProblem(kube: KubeClient, namespace: string, workflowName: string, items: readonly NewItem[]): Promise<string | undefined> {
  const workflow = await kube.getWorkflow(namespace, workflowName);
  if (workflow === null) return undefined;
  const problems = itemParamProblems(workflow.spec as Pick<WorkflowSpec, 'params'>, items);
  if (problems.length === 0) return undefined;
  return itemParamMessage(workflowName, problems);
}
