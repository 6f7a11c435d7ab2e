// The RobotPool controller: owns the pool's robot Deployment and sizes it. Reads the queue depth,
// decides the replicas (scaler or spec.replicas), marks idle robots cheapest to delete before a scale-in,
// applies the Deployment (server-side apply, skipped when nothing changed) and reports status once.
// Read (pool, Deployment, queue depth), decide (decide.ts decidePool, pure), apply, report.
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import type { Producer } from '../../../../api/queue/index.js';
import { poolItemDepth } from '../../../../api/queue/items/store.js';
import { RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import type { ScaleHistory } from '../../scaler/index.js';
import { issuesText } from '../../../../api/zod-issues.js';
import type { Reconcile, ReconcileContext } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { ObjectKey } from '../../runtime/key.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { done, requeueAfter, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import { reportStatus } from '../../runtime/report.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, LABELS, MANAGER } from '../names.js';
import type { RobotPoolObject } from '../objects.js';
import { decidePool, invalidPoolReport } from './decide.js';
import { deploymentName, labelValue, type RobotDefaults } from './deployment.js';
import { deletionCosts, poolWork } from './scaling.js';
import type { RobotConfinement } from './confinement.js';
import type { TenantIssuer } from '../../tenancy/issuer.js';
import { checkpointKeys } from './checkpoint-key.js';
import { auditPoolRefusal, jobsHeldByPod, oldestReadyAgeSeconds } from './sql.js';

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
  confinement: RobotConfinement;
  /** Issues the pool's namespace its own database role and Secret (absent: robots share a hand-made one). */
  tenancy?: TenantIssuer;
  now: () => number;
}

const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function robotPoolReconciler(deps: RobotPoolControllerDeps): Reconcile {
  const reporting = { api: deps.clients.json, events: deps.events, now: deps.now };
  /** The scaler's recommendation history per pool: in memory, like the HPA controller's. */
  const histories = new Map<string, ScaleHistory>();
  const keys = checkpointKeys(deps.clients.core);
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

  return async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const pool = deps.pools.get(key.namespace, key.name);
    if (!pool || pool.metadata.deletionTimestamp) {
      forget(key); // the Deployment goes with its owner (garbage collector)
      return done();
    }
    const ref = crRef('RobotPool', key.namespace, key.name);
    const parsed = RobotPoolSpec.safeParse(pool.spec);
    if (!parsed.success) {
      const message = issuesText(parsed.error.issues, { under: 'spec' });
      await reportStatus(reporting, pool, ref, invalidPoolReport(message), { signal: ctx.signal });
      throw new TerminalError(message);
    }
    // Read.
    const historyKey = `${key.namespace}/${key.name}`;
    const [jobDepth, itemDepth, oldest] = await Promise.all([
      deps.producer.depth(key.namespace, key.name),
      poolItemDepth(deps.db, { namespace: key.namespace, pool: key.name }),
      oldestReadyAgeSeconds(deps.db, { namespace: key.namespace, pool: key.name }),
    ]);
    const depth = poolWork(jobDepth, itemDepth);
    const deployment = deps.deployments.get(key.namespace, deploymentName(key.name));
    // Decide.
    const d = decidePool({ pool, spec: parsed.data, deployment, depth, history: histories.get(historyKey), robotDefaults: deps.robotDefaults, confinement: deps.confinement, now: deps.now() });
    if (d.forbidden) {
      // Nothing applied; terminal until the pool changes (a watch event brings it back). The refusal is also
      // a row of the audit log, once per pool generation and message (written after the status).
      // Conditional on what this pass read: a pass on a stale cache gets 409 (and retries) instead of
      // writing the refusal, and its Warning, a second time.
      const written = await reportStatus(reporting, pool, ref, d.report, {
        signal: ctx.signal,
        ...(pool.metadata?.resourceVersion && { ifUnchangedSince: pool.metadata.resourceVersion }),
      });
      if (written && (d.report.events ?? []).length > 0)
        await auditPoolRefusal(deps.db, { namespace: key.namespace, name: key.name, generation: pool.metadata?.generation ?? null, message: d.forbidden });
      throw new TerminalError(d.forbidden);
    }
    if (d.history) histories.set(historyKey, d.history);
    else histories.delete(historyKey);
    // Apply. The namespace's database Secret first: the Deployment's robots read it.
    await deps.tenancy?.ensure(key.namespace).catch(async (err: unknown) => {
      const message = `could not issue the namespace its database role: ${err instanceof Error ? err.message : String(err)}`;
      await deps.events.record(pool, { type: 'Warning', reason: 'DatabaseAccessFailed', message });
      throw err;
    });
    await keys.ensure(key.namespace);
    if (d.markIdleRobots) await markIdleRobotsCheapest(key);
    if (d.deployment) await apply(d.deployment, key);
    if (d.scaled) ctx.logger.info({ ...d.scaled, queue: depth }, 'scaled the robot pool');
    // Report.
    await reportStatus(reporting, pool, ref, d.report, { signal: ctx.signal });
    const labels = { namespace: key.namespace, pool: key.name };
    deps.metrics.poolQueueDepth.set({ ...labels, state: 'ready' }, depth.ready);
    deps.metrics.poolQueueDepth.set({ ...labels, state: 'delayed' }, depth.delayed);
    deps.metrics.poolQueueDepth.set({ ...labels, state: 'running' }, depth.running);
    deps.metrics.poolDesiredReplicas.set(labels, d.desired);
    deps.metrics.poolActualReplicas.set(labels, deployment?.status?.readyReplicas ?? 0);
    oldestAge.set(labels, oldest);
    return requeueAfter(d.requeueAfterMs);
  };
}
