// `npm run bench -- scaling [trials]`: time from enqueueing work for an idle pool (0 robots) to its
// Deployment's replicas being raised by the operator (NOTIFY -> RobotPool reconcile -> scaler -> apply),
// seen through a watch on Deployments. Each trial uses its own pool, so no trial waits for a scale-down.
// Baseline in the same run: a client raising a Deployment's replicas itself, seen through the same
// watch (the API server's own write + watch latency, the floor for any autoscaler).
import { AppsV1Api, Watch, type V1Deployment } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { testPayload } from '../../api/queue/fixtures.js';
import { API } from '../../operator/src/controllers/names.js';
import { deploymentName } from '../../operator/src/controllers/robotpool/deployment.js';
import { loadConfig } from '../../operator/src/config.js';
import { buildOperator } from '../../operator/src/operator.js';
import { elapsedMs, percentile, quietLogger, startBenchCluster } from '../../e2e/operator/bench-env.js';
import { CustomObjectsApi } from '@kubernetes/client-node';

const TRIALS = Number(process.argv[2] ?? 20);

const cluster = await startBenchCluster();
const { kc, namespace } = cluster;
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const operator = buildOperator({
  config: loadConfig({ AETHER_DATABASE_URL: cluster.databaseUrl, AETHER_WATCH_NAMESPACE: namespace, AETHER_LEADER_ELECTION: 'false', AETHER_METRICS_HOST: '127.0.0.1', AETHER_METRICS_PORT: '0' }),
  kc,
  logger: quietLogger,
});
try {
  await operator.start();
  // Who is waiting for which Deployment to reach which replica count.
  const waiters = new Map<string, { atLeast: number; resolve: () => void }>();
  const watch = await new Watch(kc).watch(`/apis/apps/v1/namespaces/${namespace}/deployments`, {}, (_type: string, d: V1Deployment) => {
    const w = waiters.get(d.metadata!.name!);
    if (w && (d.spec?.replicas ?? 0) >= w.atLeast) {
      waiters.delete(d.metadata!.name!);
      w.resolve();
    }
  }, () => undefined);
  const replicasReach = (name: string, atLeast: number) => new Promise<void>((resolve) => waiters.set(name, { atLeast, resolve }));

  const pools = Array.from({ length: TRIALS }, (_, i) => `pool-${i}`);
  for (const name of pools) {
    await custom.createNamespacedCustomObject({
      ...API,
      plural: 'robotpools',
      namespace,
      body: { apiVersion: `${API.group}/${API.version}`, kind: 'RobotPool', metadata: { name }, spec: { image: 'robot:bench', autoscaling: { minReplicas: 0, maxReplicas: 5 } } },
    });
  }
  for (const name of pools) {
    for (;;) {
      const d = await apps.readNamespacedDeployment({ name: deploymentName(name), namespace }).catch(() => undefined);
      if (d && d.spec?.replicas === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await new Promise((r) => setTimeout(r, 1000)); // let the first reconciles settle

  const aether: number[] = [];
  for (const name of pools) {
    const raised = replicasReach(deploymentName(name), 1);
    const t0 = process.hrtime.bigint();
    await operator.producer.enqueue({ payload: testPayload({ uid: randomUUID(), namespace, pool: name }) });
    await raised;
    aether.push(elapsedMs(t0));
    await new Promise((r) => setTimeout(r, 200));
  }

  // Baseline: the same Deployments raised by a direct patch (0 -> 1 on fresh Deployments).
  const raw: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const name = `raw-${i}`;
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name },
        spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
      },
    });
    const raised = replicasReach(name, 1);
    const t0 = process.hrtime.bigint();
    await apps.patchNamespacedDeployment({ name, namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] });
    await raised;
    raw.push(elapsedMs(t0));
  }
  watch.abort();

  const p50 = percentile(aether, 50);
  const p95 = percentile(aether, 95);
  const rawP50 = percentile(raw, 50);
  console.log(`enqueue -> Deployment replicas raised, ${TRIALS} trials: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...aether).toFixed(1)} ms`);
  console.log(`baseline (direct patch -> watch event): p50 ${rawP50.toFixed(1)} ms, p95 ${percentile(raw, 95).toFixed(1)} ms`);
  console.log(`ratio p50 aether / direct patch: ${(p50 / rawP50).toFixed(2)} (KEDA's default: 30 s poll + 15 s HPA sync)`);
  console.log(`RESULT scaling p50_ms=${Math.round(p50)} p95_ms=${Math.round(p95)} trials=${TRIALS} baseline_p50_ms=${Math.round(rawP50)} ratio=${(p50 / rawP50).toFixed(2)}`);
} finally {
  await operator.stop();
  await cluster.stop();
}
