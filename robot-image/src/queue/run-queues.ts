// The work queues a run's queueAdd steps add to: the RpaQueues of its namespace, through the robot's
// namespace role (row-level security: another namespace's queue does not exist for it).
import type { Queryable } from '../../../api/queue/db.js';
import { addItemsOnce } from '../../../api/queue/items/store.js';
import { queueAddKey, type RunQueues } from '../engine/queue-add.js';

export function runQueues(o: { db: Queryable; namespace: string }): RunQueues {
  return {
    forStep(workflowId, stepPath) {
      const key = queueAddKey(workflowId, stepPath);
      return { key, add: (queue, items) => addItemsOnce(o.db, { namespace: o.namespace, name: queue }, key, items) };
    },
  };
}
