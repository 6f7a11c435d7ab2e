// How many robots a pool gets now: the pure HPA-v2 scaler fed by queue depth when autoscaling is on,
// spec.replicas (the scale subresource) when it is off.
import type { QueueDepth } from '../../../../api/queue/index.js';
import { REASONS, type PoolReason, type RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import type { PoolItemDepth } from '../../../../api/queue/items/store.js';
import { decideScale, type ScaleHistory } from '../../scaler/index.js';

export interface ReplicaDecision {
  desired: number;
  autoscaled: boolean;
  reason: PoolReason;
  message: string;
  /** The scaler's memory for the next decision (autoscaled only). */
  history?: ScaleHistory;
}

export const DEFAULT_MANUAL_REPLICAS = 1;

/**
 * A pool's work: its queued RpaJobs plus the work items of every RpaQueue it serves. An item is a job to
 * the scaler (New and due = ready, postponed = delayed, InProgress = running).
 */
export function poolWork(jobs: QueueDepth, items: PoolItemDepth): QueueDepth {
  return { ready: jobs.ready + items.ready, delayed: jobs.delayed + items.delayed, running: jobs.running + items.inProgress };
}

export function decidePoolReplicas(input: { spec: RobotPoolSpec; current: number; depth: QueueDepth; history: ScaleHistory | undefined; now: number }): ReplicaDecision {
  const { spec, current, depth } = input;
  const auto = spec.autoscaling;
  if (!auto || !auto.enabled) {
    const desired = spec.replicas ?? DEFAULT_MANUAL_REPLICAS;
    return { desired, autoscaled: false, reason: REASONS.ManualScaling, message: `autoscaling is off: spec.replicas sets ${desired} replicas` };
  }
  const d = decideScale({
    currentReplicas: current,
    work: depth.ready + depth.running,
    jobsPerRobot: auto.jobsPerRobot ?? spec.concurrencyPerRobot,
    minReplicas: auto.minReplicas,
    maxReplicas: auto.maxReplicas,
    tolerance: auto.tolerance,
    behavior: auto.behavior,
    history: input.history,
    now: input.now,
  });
  return { desired: d.desired, autoscaled: true, reason: d.reason, message: d.message, history: d.history };
}

/**
 * pod-deletion-cost per robot pod: the jobs it holds (idle robots 0), so the ReplicaSet removes idle
 * robots before busy ones when the pool shrinks. Only pods whose annotation must change are returned.
 */
export function deletionCosts(
  pods: ReadonlyArray<{ name: string; cost: string | undefined }>,
  jobsHeldByPod: ReadonlyMap<string, number>,
): Array<{ name: string; cost: string }> {
  return pods.flatMap((p) => {
    const cost = String(jobsHeldByPod.get(p.name) ?? 0);
    return p.cost === cost ? [] : [{ name: p.name, cost }];
  });
}

/** How soon to look at the pool again: often while anything is queued or running, rarely when idle. */
export function recheckAfterMs(depth: QueueDepth, current: number, desired: number): number {
  return depth.ready + depth.delayed + depth.running > 0 || current > 0 || desired > 0 ? 5_000 : 60_000;
}
