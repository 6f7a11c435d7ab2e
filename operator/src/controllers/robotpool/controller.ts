// The RobotPool controller: owns the pool's robot Deployment and sizes it. Reads the queue depth,
// decides the replicas (scaler or spec.replicas), marks idle robots cheapest to delete before a scale-in,
// applies the Deployment (server-side apply, skipped when nothing changed) and reports status once.
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import type { Producer } from '../../../../api/queue/index.js';
import { RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import type { ScaleHistory } from '../../scaler/index.js';
import { kubeTime, setCondition, type Condition, type ConditionUpdate } from '../../runtime/conditions.js';
import type { Reconcile, ReconcileContext } from '../../runtime/controller.js';
import type { EventInput, EventRecorder } from '../../runtime/events.js';
import type { ObjectKey } from '../../runtime/key.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { done, requeueAfter, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import { patchStatus } from '../../runtime/status.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, CONDITIONS, LABELS, MANAGER } from '../names.js';
import type { RobotPoolObject } from '../objects.js';
import { statusDelta } from '../status-delta.js';
import { deploymentName, labelValue, robotDeployment, selectorString, type RobotDefaults } from './deployment.js';
import { decidePoolReplicas, deletionCosts, recheckAfterMs } from './scaling.js';
import { jobsHeldByPod, oldestReadyAgeSeconds } from './sql.js';

export interface RobotPoolControllerDeps {
  clients: KubeClients;
  pools: KindCache<RobotPoolObject>;
  deployments: KindCache<V1Deployment>;
  pods: KindCache<V1Pod>;
  producer: Producer;
  db: pg.Pool;
  events: EventRecorder;
  metrics: OperatorMetrics;
  robotDefaults: RobotDefaults;
  now: () => number;
}

const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function robotPoolReconciler(deps: RobotPoolControllerDeps): Reconcile {
  /** The scaler's recommendation history per pool: in memory, like the HPA controller's. */
  const histories = new Map<string, ScaleHistory>();
  const oldestAge = new Gauge({
    name: 'aether_queue_oldest_ready_age_seconds',
    help: 'Seconds the oldest job ready to run has waited for a robot, per pool.',
    labelNames: ['namespace', 'pool'] as const,
    registers: [deps.metrics.registry],
  });

  function forget(key: ObjectKey): void {
    histories.delete(`${key.namespace}/${key.name}`);
    deps.metrics.forgetPool(key.namespace, key.name);
    oldestAge.remove({ namespace: key.namespace, pool: key.name });
  }

  async function markIdleRobotsCheapest(key: ObjectKey): Promise<void> {
    const held = await jobsHeldByPod(deps.db, { namespace: key.namespace, pool: key.name });
    const pods = deps.pods
      .list(key.namespace)
      .filter((p) => p.metadata?.labels?.[LABELS.pool] === labelValue(key.name) && !p.metadata?.deletionTimestamp)
      .map((p) => ({ name: p.metadata!.name!, cost: p.metadata?.annotations?.[ANNOTATIONS.podDeletionCost] }));
    for (const { name, cost } of deletionCosts(pods, held)) {
      await deps.clients.core
        .patchNamespacedPod({ name, namespace: key.namespace, body: { metadata: { annotations: { [ANNOTATIONS.podDeletionCost]: cost } } } }, mergePatchHeader)
        .catch(() => undefined); // a pod that just went away needs no cost
    }
  }

  async function apply(body: Record<string, unknown>, key: ObjectKey): Promise<void> {
    await deps.clients.apps.patchNamespacedDeployment(
      { name: deploymentName(key.name), namespace: key.namespace, body, fieldManager: MANAGER, force: true },
      applyPatch,
    );
  }

  async function reportInvalid(pool: RobotPoolObject, message: string): Promise<never> {
    const conditions = setCondition((pool.status?.conditions ?? []) as Condition[], { type: CONDITIONS.ready, status: 'False', reason: 'Invalid', message }, { generation: pool.metadata.generation, now: new Date(deps.now()) });
    const delta = statusDelta(pool.status as Record<string, unknown> | undefined, { conditions, observedGeneration: pool.metadata.generation });
    if (delta) {
      await patchStatus(deps.clients.json, crRef('RobotPool', pool.metadata.namespace, pool.metadata.name), delta);
      void deps.events.record(pool, { type: 'Warning', reason: 'Invalid', message });
    }
    throw new TerminalError(message);
  }

  return async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const pool = deps.pools.get(key.namespace, key.name);
    if (!pool || pool.metadata.deletionTimestamp) {
      forget(key); // the Deployment goes with its owner (garbage collector)
      return done();
    }
    const parsed = RobotPoolSpec.safeParse(pool.spec);
    if (!parsed.success) return reportInvalid(pool, parsed.error.issues.map((i) => `spec.${i.path.map(String).join('.')}: ${i.message}`).join('; '));
    const spec = parsed.data;
    const now = deps.now();
    const [depth, oldest] = await Promise.all([
      deps.producer.depth(key.namespace, key.name),
      oldestReadyAgeSeconds(deps.db, { namespace: key.namespace, pool: key.name }),
    ]);
    const deployment = deps.deployments.get(key.namespace, deploymentName(key.name));
    const current = deployment?.spec?.replicas ?? 0;
    const historyKey = `${key.namespace}/${key.name}`;
    const decision = decidePoolReplicas({ spec, current, depth, history: histories.get(historyKey), now });
    if (decision.history) histories.set(historyKey, decision.history);
    else histories.delete(historyKey);

    if (decision.desired < current) await markIdleRobotsCheapest(key);
    const body = robotDeployment({ name: key.name, namespace: key.namespace, uid: pool.metadata.uid }, spec, decision.desired, deps.robotDefaults);
    const wantedHash = (body.metadata as { annotations: Record<string, string> }).annotations[ANNOTATIONS.deploymentHash];
    const upToDate = deployment !== undefined && deployment.metadata?.annotations?.[ANNOTATIONS.deploymentHash] === wantedHash && current === decision.desired;
    if (!upToDate) await apply(body, key);

    const events: EventInput[] = [];
    const scaled = decision.desired !== current;
    if (scaled) {
      const up = decision.desired > current;
      events.push({ type: 'Normal', reason: up ? 'ScaledUp' : 'ScaledDown', message: decision.message, action: 'Scale' });
      ctx.logger.info({ from: current, to: decision.desired, reason: decision.reason, queue: depth }, 'scaled the robot pool');
    }
    const ready = deployment?.status?.readyReplicas ?? 0;
    const readyUpdate: ConditionUpdate =
      ready >= decision.desired
        ? { type: CONDITIONS.ready, status: 'True', reason: 'DeploymentReady', message: `${ready} of ${decision.desired} robots ready` }
        : { type: CONDITIONS.ready, status: 'False', reason: 'DeploymentProgressing', message: `${ready} of ${decision.desired} robots ready` };
    let conditions = (pool.status?.conditions ?? []) as Condition[];
    for (const u of [readyUpdate, { type: CONDITIONS.scaling, status: 'True' as const, reason: decision.reason, message: decision.message }])
      conditions = setCondition(conditions, u, { generation: pool.metadata.generation, now: new Date(now) });
    const delta = statusDelta(pool.status as Record<string, unknown> | undefined, {
      replicas: deployment?.status?.replicas ?? 0,
      readyReplicas: ready,
      desiredReplicas: decision.desired,
      queue: depth,
      lastScaleTime: scaled ? kubeTime(new Date(now)) : pool.status?.lastScaleTime,
      selector: selectorString(key.name),
      conditions,
      observedGeneration: pool.metadata.generation,
    });
    if (delta) await patchStatus(deps.clients.json, crRef('RobotPool', key.namespace, key.name), delta);
    for (const e of events) void deps.events.record(pool, e);

    const labels = { namespace: key.namespace, pool: key.name };
    deps.metrics.poolQueueDepth.set({ ...labels, state: 'ready' }, depth.ready);
    deps.metrics.poolQueueDepth.set({ ...labels, state: 'delayed' }, depth.delayed);
    deps.metrics.poolQueueDepth.set({ ...labels, state: 'running' }, depth.running);
    deps.metrics.poolDesiredReplicas.set(labels, decision.desired);
    deps.metrics.poolActualReplicas.set(labels, ready);
    oldestAge.set(labels, oldest);
    return requeueAfter(recheckAfterMs(depth, current, decision.desired));
  };
}
