// The RobotPool controller's one decision per reconcile (pure): from the pool, its Deployment and its
// queue depth, the replicas it gets, whether idle robots are marked cheapest to delete first, the
// Deployment to apply (none when the one there is up to date), the status to report and when to look again.
import type { V1Deployment } from '@kubernetes/client-node';
import type { QueueDepth } from '../../../../api/queue/index.js';
import { kubeTime, REASONS, type RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import type { ScaleHistory } from '../../scaler/index.js';
import type { ConditionUpdate } from '../../runtime/conditions.js';
import type { StatusReport } from '../../runtime/report.js';
import { ANNOTATIONS, CONDITIONS } from '../names.js';
import type { RobotPoolObject } from '../objects.js';
import { refusedFields, type RobotConfinement } from './confinement.js';
import { robotDeployment, selectorString, type RobotDefaults } from './deployment.js';
import { decidePoolReplicas, recheckAfterMs } from './scaling.js';

export interface PoolWorld {
  pool: RobotPoolObject;
  spec: RobotPoolSpec;
  /** The pool's robot Deployment as the cache has it. */
  deployment: V1Deployment | undefined;
  depth: QueueDepth;
  /** The scaler's recent recommendations for this pool. */
  history: ScaleHistory | undefined;
  robotDefaults: RobotDefaults;
  /** What a pool may ask for (chart values robots.allowed*). */
  confinement: RobotConfinement;
  now: number;
}

export interface PoolDecision {
  desired: number;
  /** The scaler's memory for the next pass (undefined: forget it). */
  history: ScaleHistory | undefined;
  /** Scaling in: idle robots get the lowest pod-deletion-cost first. */
  markIdleRobots: boolean;
  /** The Deployment to apply (server-side apply), or undefined when the one there is up to date. */
  deployment: Record<string, unknown> | undefined;
  report: StatusReport;
  /** A scale happened: for the log. */
  scaled?: { from: number; to: number; reason: string };
  requeueAfterMs: number;
  /** The pool asks for fields outside the allow-list: nothing applied, terminal until the pool changes. */
  forbidden?: string;
}

export function decidePool(w: PoolWorld): PoolDecision {
  const { pool, spec, deployment, depth, now } = w;
  const refused = refusedFields(spec, w.confinement);
  if (refused.length > 0) return forbiddenDecision(w, refused);
  const { name, namespace, uid } = pool.metadata;
  const current = deployment?.spec?.replicas ?? 0;
  const decision = decidePoolReplicas({ spec, current, depth, history: w.history, now });
  const body = robotDeployment({ name, namespace, uid }, spec, decision.desired, w.robotDefaults);
  const wantedHash = (body.metadata as { annotations: Record<string, string> }).annotations[ANNOTATIONS.deploymentHash];
  const upToDate = deployment !== undefined && deployment.metadata?.annotations?.[ANNOTATIONS.deploymentHash] === wantedHash && current === decision.desired;
  const scaled = decision.desired !== current;
  const ready = deployment?.status?.readyReplicas ?? 0;
  const readyCondition: ConditionUpdate =
    ready >= decision.desired
      ? { type: CONDITIONS.ready, status: 'True', reason: REASONS.DeploymentReady, message: `${ready} of ${decision.desired} robots ready` }
      : { type: CONDITIONS.ready, status: 'False', reason: REASONS.DeploymentProgressing, message: `${ready} of ${decision.desired} robots ready` };
  return {
    desired: decision.desired,
    history: decision.history,
    markIdleRobots: decision.desired < current,
    deployment: upToDate ? undefined : body,
    report: {
      fields: {
        replicas: deployment?.status?.replicas ?? 0,
        readyReplicas: ready,
        desiredReplicas: decision.desired,
        queue: depth,
        lastScaleTime: scaled ? kubeTime(new Date(now)) : pool.status?.lastScaleTime,
        selector: selectorString(name),
      },
      conditions: [readyCondition, { type: CONDITIONS.scaling, status: 'True', reason: decision.reason, message: decision.message }],
      actionEvents: scaled
        ? [{ type: 'Normal', reason: decision.desired > current ? REASONS.ScaledUp : REASONS.ScaledDown, message: decision.message, action: 'Scale' }]
        : [],
    },
    ...(scaled ? { scaled: { from: current, to: decision.desired, reason: decision.reason } } : {}),
    requeueAfterMs: recheckAfterMs(depth, current, decision.desired),
  };
}

/** A spec the schema rejects: Ready=False Invalid (and a Warning when that is news); no retry. */
export function invalidPoolReport(message: string): StatusReport {
  return {
    conditions: [{ type: CONDITIONS.ready, status: 'False', reason: REASONS.Invalid, message }],
    events: [{ type: 'Warning', reason: REASONS.Invalid, message }],
  };
}

/**
 * A pool outside the allow-list: no Deployment change (the one there stays as it is, none is created),
 * Ready=False Forbidden naming every refused field, and a Warning when that is news.
 */
function forbiddenDecision(w: PoolWorld, refused: string[]): PoolDecision {
  const current = w.deployment?.spec?.replicas ?? 0;
  const message = `refused by the platform's RobotPool allow-list: ${refused.join('; ')}`;
  const said = (w.pool.status?.conditions ?? []).find((c) => c.type === CONDITIONS.ready);
  const news = !(said?.reason === REASONS.Forbidden && said.message === message);
  return {
    desired: current,
    history: w.history,
    markIdleRobots: false,
    deployment: undefined,
    report: {
      conditions: [{ type: CONDITIONS.ready, status: 'False', reason: REASONS.Forbidden, message }],
      // Once per refusal (not on every status write while the old Deployment's robots come and go).
      events: news ? [{ type: 'Warning', reason: REASONS.Forbidden, message }] : [],
    },
    requeueAfterMs: 0,
    forbidden: message,
  };
}
