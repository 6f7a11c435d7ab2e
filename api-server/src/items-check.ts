// Work items' data become the run's params: checked against the declarations of the queue's workflow when
// it exists (the robot checks again when it runs the item). Shared by the bulk endpoint and queue triggers.
import type { NewItem } from '../../api/queue/items/validate.js';
import { itemParamProblems } from '../../api/queue/items/validate.js';
import type { WorkflowSpec } from '../../api/v1alpha1/index.js';
import type { KubeClient } from './kube.js';

const SHOWN = 20;

/** Why the items do not fit the params of workflow `workflowName`, or undefined when they do (or it is missing). */
export async function itemsWorkflowProblem(kube: KubeClient, namespace: string, workflowName: string, items: readonly NewItem[]): Promise<string | undefined> {
  const workflow = await kube.getWorkflow(namespace, workflowName);
  if (workflow === null) return undefined;
  const problems = itemParamProblems(workflow.spec as Pick<WorkflowSpec, 'params'>, items);
  if (problems.length === 0) return undefined;
  return `items do not fit the params of workflow ${workflowName}: ${problems.slice(0, SHOWN).join('; ')}${problems.length > SHOWN ? ` (and ${problems.length - SHOWN} more)` : ''}`;
}
