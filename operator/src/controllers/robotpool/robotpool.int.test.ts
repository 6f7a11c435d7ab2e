// The RobotPool controller on the real API server (with the controller manager) and PostgreSQL: the
// Deployment it owns, scaling with queue depth and back to zero, the scale subresource with autoscaling
// off, pod-deletion-cost on scale-in, the sweeper reacting to a deleted robot pod, and the allow-list
// (RobotPool confinement) refusing a pool that asks for another image or ServiceAccount.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { AppsV1Api, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { testPayload } from '../../../../api/queue/fixtures.js';
import { completeRuns } from '../../../../api/queue/sql/runs.js';
import { ensureServiceAccount } from '../../../../e2e/harness/kubeclient.js';
import { waitFor } from '../../../../e2e/harness/wait.js';
import type { Operator } from '../../operator.js';
import { createObject, eventsFor, setUpEnv, startTestOperator, tearDownEnv, waitForObject, type TestEnv } from '../../testing/operator-env.js';
import { ANNOTATIONS } from '../names.js';
import { deploymentName, selectorString } from './deployment.js';

jest.setTimeout(120_000);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('RobotPool controller', () => {
  let env: TestEnv;
  let operator: Operator;
  let apps: AppsV1Api;

  beforeAll(async () => {
    env = await setUpEnv('robotpool');
    apps = env.kc.makeApiClient(AppsV1Api);
    await ensureServiceAccount(env.kc, env.namespace, 'aether-robot'); // the chart creates it in robot namespaces
    operator = await startTestOperator(env, { extraEnv: { AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot', AETHER_ROBOT_DATABASE_ROLES: 'shared', AETHER_ROBOT_DATABASE_SECRET_NAME: 'db', AETHER_ROBOT_DATABASE_SECRET_KEY: 'uri', AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS: 'nodeSelector,tolerations' } });
  });
  afterAll(async () => {
    await operator?.stop();
    await tearDownEnv(env);
  });

  const deployment = (pool: string) => apps.readNamespacedDeployment({ name: deploymentName(pool), namespace: env.namespace }).catch(() => undefined);
  const replicasReach = (pool: string, n: number) =>
    waitFor(`Deployment of ${pool} at ${n} replicas`, async () => {
      const d = await deployment(pool);
      return d?.spec?.replicas === n ? d : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });

  it('owns a Deployment with the robot container, scales it with queue depth and back to zero', async () => {
    const pool = await createObject(env, 'RobotPool', 'auto', {
      image: 'aether.dev/robot:test',
      concurrencyPerRobot: 2,
      terminationGracePeriodSeconds: 45,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'rpa', operator: 'Exists', effect: 'NoSchedule' }],
      resources: { requests: { cpu: '500m', memory: '1Gi' } },
      env: [{ name: 'EXTRA', value: 'x' }],
      autoscaling: { minReplicas: 0, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 1 } } },
    });
    const d: V1Deployment = await replicasReach('auto', 0);
    expect(d.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: 'RobotPool', name: 'auto', uid: pool.metadata.uid, controller: true })]);
    expect(d.metadata!.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'aether', 'app.kubernetes.io/component': 'robot', 'app.kubernetes.io/instance': 'auto' });
    const podSpec = d.spec!.template.spec!;
    expect(podSpec.serviceAccountName).toBe('aether-robot');
    expect(podSpec.terminationGracePeriodSeconds).toBe(45);
    expect(podSpec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(podSpec.tolerations).toEqual([{ key: 'rpa', operator: 'Exists', effect: 'NoSchedule' }]);
    const c = podSpec.containers[0]!;
    expect(c.image).toBe('aether.dev/robot:test');
    expect(c.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: 9464 })]);
    expect(c.resources?.requests).toEqual({ cpu: '500m', memory: '1Gi' });
    const env_ = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
    expect(env_.AETHER_DATABASE_URL!.valueFrom!.secretKeyRef).toMatchObject({ name: 'db', key: 'uri' });
    expect(env_.AETHER_POD_NAME!.valueFrom!.fieldRef!.fieldPath).toBe('metadata.name');
    expect(env_.AETHER_NAMESPACE!.valueFrom!.fieldRef!.fieldPath).toBe('metadata.namespace');
    expect(env_.AETHER_POOL!.value).toBe('auto');
    expect(env_.AETHER_CONCURRENCY!.value).toBe('2');
    expect(env_.EXTRA!.value).toBe('x');
    expect(podSpec.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'dshm', emptyDir: { medium: 'Memory' } })]));

    // 5 jobs, 2 per robot -> 3 robots.
    const uids = Array.from({ length: 5 }, () => randomUUID());
    await operator.producer.enqueueMany(uids.map((uid) => ({ payload: testPayload({ uid, namespace: env.namespace, pool: 'auto' }) })));
    await replicasReach('auto', 3);
    const status = (await waitForObject(env, 'RobotPool', 'auto', 'status shows the decision', (o) => o.status?.desiredReplicas === 3)).status!;
    expect(status.queue).toEqual({ ready: 5, delayed: 0, running: 0 });
    expect(status.lastScaleTime).toEqual(expect.any(String));
    expect(status.selector).toBe(selectorString('auto'));
    expect(status.conditions.find((x: { type: string }) => x.type === 'ScalingActive')).toMatchObject({ status: 'True' });
    const scaledUp = await waitFor('a ScaledUp event', async () => (await eventsFor(env, 'auto')).find((e) => e.reason === 'ScaledUp'));
    expect(scaledUp.message).toBe('0 -> 3 replicas: work arrived for an empty pool');
    const metrics = await operator.metrics.registry.metrics();
    expect(metrics).toContain(`aether_pool_queue_depth{namespace="${env.namespace}",pool="auto",state="ready"} 5`);
    expect(metrics).toMatch(new RegExp(`aether_queue_oldest_ready_age_seconds\\{namespace="${env.namespace}",pool="auto"\\} [0-9.]+`));

    // Work done: after the (1 s) scale-down window the pool goes back to zero.
    await completeRuns(env.db, { results: uids.map((uid) => ({ uid, outputs: {} })), robot: 'r' });
    await replicasReach('auto', 0);
  });

  it('with autoscaling off, spec.replicas and the scale subresource (kubectl scale) drive the Deployment', async () => {
    await createObject(env, 'RobotPool', 'manual', { image: 'aether.dev/robot:test', replicas: 2, autoscaling: { enabled: false, maxReplicas: 10 } });
    await replicasReach('manual', 2);
    const path = { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'robotpools', namespace: env.namespace, name: 'manual' };
    await env.custom.patchNamespacedCustomObjectScale({ ...path, body: { spec: { replicas: 3 } } }, mergePatch);
    await replicasReach('manual', 3);
    const scale = (await env.custom.getNamespacedCustomObjectScale(path)) as { status?: { selector?: string } };
    expect(scale.status?.selector).toBe(selectorString('manual'));
    const pool = await waitForObject(env, 'RobotPool', 'manual', 'ManualScaling', (o) => o.status?.conditions?.some((x: { reason: string }) => x.reason === 'ManualScaling'));
    expect(pool.status!.desiredReplicas).toBe(3);
  });

  it('before scaling in, idle robots get the lowest pod-deletion-cost so the busy one stays; deleted pods release their robots', async () => {
    await createObject(env, 'RobotPool', 'costs', { image: 'aether.dev/robot:test', replicas: 3, autoscaling: { enabled: false, maxReplicas: 10 } });
    await replicasReach('costs', 3);
    const pods = await waitFor('3 robot pods', async () => {
      const list = await env.core.listNamespacedPod({ namespace: env.namespace, labelSelector: selectorString('costs') });
      return list.items.length === 3 ? list.items.map((p) => p.metadata!.name!) : undefined;
    });
    const [busy, ...idle] = pods;
    for (const [i, pod] of pods.entries()) {
      await env.db.query(`insert into aether.robots (id, namespace, pool, pod, jobs_held, lease_seconds) values ($1, $2, 'costs', $3, $4, 3600)`, [
        `robot-${i}`,
        env.namespace,
        pod,
        pod === busy ? 2 : 0,
      ]);
    }
    await env.custom.patchNamespacedCustomObject(
      { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'robotpools', namespace: env.namespace, name: 'costs', body: { spec: { replicas: 1 } } },
      mergePatch,
    );
    const survivor = await waitFor('one pod left', async () => {
      const list = await env.core.listNamespacedPod({ namespace: env.namespace, labelSelector: selectorString('costs') });
      const live = list.items.filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 1 ? live[0]! : undefined;
    });
    expect(survivor.metadata!.name).toBe(busy);
    expect(survivor.metadata!.annotations?.[ANNOTATIONS.podDeletionCost]).toBe('2');
    // The operator saw the idle pods deleted: their robots are asked to stop at once (a deleted pod's
    // process may still run), and are dead as soon as they acknowledge, without waiting for the lease.
    await waitFor('robots of deleted pods asked to stop', async () => {
      const rows = (await env.db.query(`select pod, fence_requested_at from aether.robots where pool = 'costs'`)).rows as Array<{ pod: string; fence_requested_at: Date | null }>;
      const asked = new Map(rows.map((r) => [r.pod, r.fence_requested_at !== null]));
      return idle.every((p) => asked.get(p) === true) && asked.get(busy!) === false ? true : undefined;
    });
    await env.db.query(`update aether.robots set stopped_at = now() where pool = 'costs' and fence_requested_at is not null`);
    await waitFor('robots of deleted pods marked dead once they acknowledged', async () => {
      const rows = (await env.db.query(`select pod, state from aether.robots where pool = 'costs'`)).rows as Array<{ pod: string; state: string }>;
      const byPod = new Map(rows.map((r) => [r.pod, r.state]));
      return idle.every((p) => byPod.get(p) === 'dead') && byPod.get(busy!) === 'alive' ? true : undefined;
    });
  });

  it('refuses a pool asking for another ServiceAccount or image: Ready=False Forbidden, a Warning, no Deployment; an existing one stays as it is', async () => {
    const forbidden = (name: string) =>
      waitForObject(env, 'RobotPool', name, 'Ready=False Forbidden', (o) => o.status?.conditions?.some((x: { type: string; reason: string }) => x.type === 'Ready' && x.reason === 'Forbidden'));
    const readyOf = (o: { status?: { conditions?: Array<{ type: string; status: string; message: string }> } }) => o.status!.conditions!.find((x) => x.type === 'Ready')!;

    await createObject(env, 'RobotPool', 'other-sa', { image: 'aether.dev/robot:test', serviceAccountName: 'default', replicas: 1, autoscaling: { enabled: false, maxReplicas: 2 } });
    await createObject(env, 'RobotPool', 'other-image', { image: 'evil.example/miner:1', replicas: 1, autoscaling: { enabled: false, maxReplicas: 2 } });
    const sa = readyOf(await forbidden('other-sa'));
    expect(sa.status).toBe('False');
    expect(sa.message).toContain('spec.serviceAccountName: "default" is not an allowed robot ServiceAccount');
    const image = readyOf(await forbidden('other-image'));
    expect(image.message).toContain('spec.image: "evil.example/miner:1" is not an allowed robot image');
    for (const name of ['other-sa', 'other-image']) {
      const warning = await waitFor(`a Forbidden Warning for ${name}`, async () => (await eventsFor(env, name)).find((e) => e.reason === 'Forbidden'));
      expect(warning.type).toBe('Warning');
      expect(await deployment(name)).toBeUndefined();
    }

    // An admitted pool changed to another image: the refusal, and its Deployment keeps the admitted image.
    await createObject(env, 'RobotPool', 'changed', { image: 'aether.dev/robot:test', replicas: 1, autoscaling: { enabled: false, maxReplicas: 2 } });
    await replicasReach('changed', 1);
    await env.custom.patchNamespacedCustomObject(
      { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'robotpools', namespace: env.namespace, name: 'changed', body: { spec: { image: 'evil.example/miner:1', replicas: 2 } } },
      mergePatch,
    );
    expect(readyOf(await forbidden('changed')).message).toContain('spec.image');
    const kept = (await deployment('changed'))!;
    expect(kept.spec!.template.spec!.containers[0]!.image).toBe('aether.dev/robot:test');
    expect(kept.spec!.replicas).toBe(1);
    expect(kept.spec!.template.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    // One Warning, not a retry storm: the refusal is terminal until the pool changes.
    await new Promise((r) => setTimeout(r, 1500));
    const warnings = (await eventsFor(env, 'changed')).filter((e) => e.reason === 'Forbidden');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.count).toBe(1);
    // Each refusal is in the audit log once (the news, not every reconcile).
    const audit = await env.db.query<{ name: string; n: number; message: string }>(
      `select name, count(*)::int as n, min(details->>'message') as message from aether.audit_log
        where action = 'robotpool.forbidden' and namespace = $1 group by name order by name`,
      [env.namespace],
    );
    expect(audit.rows.map((r) => [r.name, r.n])).toEqual([['changed', 1], ['other-image', 1], ['other-sa', 1]]);
    expect(audit.rows.find((r) => r.name === 'other-sa')!.message).toContain('spec.serviceAccountName: "default" is not an allowed robot ServiceAccount');
  });
});
