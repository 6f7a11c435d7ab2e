// The work queues a run's queueAdd steps add to: the RpaQueues of its namespace, through the robot's
// namespace role (row-level security: another namespace's queue does not exist for it). Items are checked
// against the params of the queue's workflow first (as the API's bulk add does), so a dispatcher learns
// of data its items cannot run with at once, not item by item later.
import type { Queryable } from '../../../api/queue/db.js';
import { getQueue } from '../../../api/queue/items/queues.js';
import { addItemsOnce, QueueNotFoundError } from '../../../api/queue/items/store.js';
import { itemParamMessage, itemParamProblems } from '../../../api/queue/items/validate.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/index.js';
import { queueAddKey, type RunQueues } from '../engine/queue-add.js';

export function runQueues(o: { db: Queryable; namespace: string }): RunQueues {
  return {
    forStep(runUid, stepPath) {
      const key = queueAddKey(runUid, stepPath);
      return {
        key,
        async add(name, items) {
          const queue = { namespace: o.namespace, name };
          const row = await getQueue(o.db, queue);
          if (!row) throw new QueueNotFoundError(queue);
          // The snapshot is null while the queue's RpaWorkflow is missing or invalid: items wait for it.
          if (row.workflow) {
            const problems = itemParamProblems(row.workflow as Pick<WorkflowSpec, 'params'>, items);
            if (problems.length > 0) throw new Error(itemParamMessage(row.workflowRef.name, problems));
          }
          return addItemsOnce(o.db, queue, key, items);
        },
      };
    },
  };
}
