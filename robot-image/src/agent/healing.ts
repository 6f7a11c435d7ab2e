// Where a job's self-healing records live: the RpaWorkflow it references, or, for an inline workflow,
// a key derived from the workflow's digest (no RpaWorkflow shows those, but the robot still learns).
import type { QueuePayload } from '../../../api/queue/payload.js';

export function workflowKeyOf(p: Pick<QueuePayload, 'namespace' | 'workflowRef' | 'workflowDigest'>): { namespace: string; name: string } {
  if (p.workflowRef) return { namespace: p.namespace, name: p.workflowRef.name };
  return { namespace: p.namespace, name: `inline-${p.workflowDigest.replace(/^sha256:/, '').slice(0, 16)}` };
}
