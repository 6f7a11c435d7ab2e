// Status conditions in the Kubernetes shape. All condition writes go through setCondition so that
// lastTransitionTime moves only when the status changes and observedGeneration is always stamped.
import { kubeTime } from '../../../api/v1alpha1/names.js';
import type { Reason } from '../../../api/v1alpha1/reasons.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  /** CamelCase, from the closed set of reasons (api/v1alpha1/reasons.ts). */
  reason: Reason;
  message: string;
}

/** Returns a new list with `update` applied; the input is not changed. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  opts: { generation?: number; now: Date },
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === update.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime: prev && prev.status === update.status ? prev.lastTransitionTime : kubeTime(opts.now),
    ...(opts.generation !== undefined ? { observedGeneration: opts.generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** True when two lists say the same thing (order-insensitive), so a status patch can be skipped. */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const d = findCondition(y, c.type);
    return (
      d !== undefined &&
      d.status === c.status &&
      d.reason === c.reason &&
      d.message === c.message &&
      d.lastTransitionTime === c.lastTransitionTime &&
      d.observedGeneration === c.observedGeneration
    );
  });
}
