// The shapes of our custom objects as the informers hold them: metadata as the API server sends it,
// spec unparsed (each controller parses it with the zod schema), status in its API type.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { RobotPoolStatus, RpaJobStatus, RpaQueueStatus, RpaScheduleStatus, RpaWorkflowStatus } from '../../../api/v1alpha1/index.js';

export interface CustomObject<S> extends KubernetesObject {
  metadata: V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec?: Record<string, unknown>;
  status?: S;
}

export type RpaJobObject = CustomObject<RpaJobStatus>;
export type RpaWorkflowObject = CustomObject<RpaWorkflowStatus>;
export type RobotPoolObject = CustomObject<RobotPoolStatus>;
export type RpaScheduleObject = CustomObject<RpaScheduleStatus>;
export type RpaQueueObject = CustomObject<RpaQueueStatus>;

/** metadata.creationTimestamp arrives as a Date from typed clients and as a string from custom ones. */
export function timeOf(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = new Date(t).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
