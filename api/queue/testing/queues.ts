// Test and bench support: an aether.queues row with defaults (no retries, no back-off, 'reject').
import type { QueueRow } from '../items/queues.js';

export const TEST_QUEUE_WORKFLOW = { steps: [{ id: 'noop', action: 'setVariable', name: 'done', value: 'yes' }] };

export function testQueueRow(namespace: string, name: string, over: Partial<QueueRow> = {}): QueueRow {
  return {
    namespace,
    name,
    pool: 'web',
    workflowRef: { name: 'invoice' },
    maxRetries: 0,
    backoffSeconds: 0,
    backoffMaxSeconds: 0,
    uniqueReference: 'reject',
    inProgressTimeoutSeconds: 3600,
    priority: 0,
    ...over,
  };
}
