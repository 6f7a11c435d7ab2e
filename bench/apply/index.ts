// `npm run bench -- apply [count]`: 1,000 RpaJobs created -> all Queued (operator in its own process:
// workflow snapshot, enqueue in Postgres, status; the Queued Event only with AETHER_QUEUED_EVENTS=true;
// the finalizer comes from the chart's admission policy, installed here as the chart installs it), against
// the API server's own time to create the same number of plain objects (ConfigMaps) with the same client
// concurrency, measured in the same run before and after (their mean is the baseline).
// The target is aether_s / floor_s (aether_floor_ratio), floor_s being the least any controller makes the
// API server do: each RpaJob created and its status patched once, by the client itself. floor_fin_s is the
// same with the finalizer policy in effect, which Aether pays and the plain floor does not (the honest
// floor for a controller that must clean up a deleted job's queue entry). CPU seconds of each side are
// printed (apiserver + etcd + operator + postgres + this client).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOOP_WORKFLOW } from '../../api/queue/fixtures.js';
import { withKeepAlive } from '../../operator/src/controllers/keep-alive.js';
import { API } from '../../operator/src/controllers/names.js';
import { apiserverWrites, clusterCpu, cpuDelta, elapsedMs, inParallel, startBenchCluster } from '../../e2e/operator/bench-env.js';
import { startOperatorProcess } from '../../e2e/operator/operator-process.js';
import { installFinalizerPolicy } from '../../e2e/api/finalizer-policy.js';

// npm run bench -- apply [count] [--operator-root=DIR]  (DIR: another checkout's operator, for base/head pairs)
const args = process.argv.slice(2);
const COUNT = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const operatorRoot = args.find((a) => a.startsWith('--operator-root='))?.slice('--operator-root='.length);
/** CPU seconds per process group between two readings (clusterCpu). */
const cpuUsed = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
const cpuText = (cpu: Record<string, number>) => Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const CLIENT_CONCURRENCY = 16;

const cluster = await startBenchCluster();
const { namespace } = cluster;
// As the chart does with operator.watchNamespaces: the finalizer policy bound to the watched namespace.
// 'floor-fin': the floor's namespace with the policy in effect too.
await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'floor-fin' } } });
const policy = await installFinalizerPolicy(cluster.kc, { name: 'aether-bench-rpajob-finalizer', namespaces: [namespace, 'floor-fin'] });
console.log(`finalizer policy: ${policy.apiVersion} MutatingAdmissionPolicy in effect for namespace ${namespace}`);
// The same connection reuse as the operator, as kubectl (client-go) has it.
const kc = withKeepAlive(cluster.kc);
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const logDir = mkdtempSync(join(tmpdir(), 'aether-bench-apply-'));
const operator = await startOperatorProcess({
  identity: 'bench',
  logDir,
  ...(operatorRoot ? { root: operatorRoot } : {}),
  env: { AETHER_DATABASE_URL: cluster.databaseUrl, KUBECONFIG: cluster.kube.kubeconfigPath, AETHER_WATCH_NAMESPACE: namespace, AETHER_LEADER_ELECTION: 'false', AETHER_LOG_LEVEL: 'warn', AETHER_RECONCILE_CONCURRENCY: process.env.AETHER_RECONCILE_CONCURRENCY ?? '', AETHER_QUEUED_EVENTS: process.env.AETHER_QUEUED_EVENTS ?? '' },
});
try {
  for (;;) {
    if (await operator.ready()) break;
    if (operator.proc.exitCode !== null) throw new Error(`operator exited; see ${operator.logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const createConfigMaps = async (prefix: string): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await inParallel(Array.from({ length: COUNT }, (_, i) => i), CLIENT_CONCURRENCY, async (i) => {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `${prefix}-${i}` }, data: { pool: 'bench', workflow: JSON.stringify(NOOP_WORKFLOW) } } });
    });
    return elapsedMs(t0) / 1000;
  };

  const rawBefore = await createConfigMaps('before');
  // Diagnostic: the same RpaJobs in a namespace the operator does not watch (the CRD's own cost).
  await core.createNamespace({ body: { metadata: { name: 'unwatched' } } });
  const tc = process.hrtime.bigint();
  await inParallel(Array.from({ length: COUNT }, (_, i) => i), CLIENT_CONCURRENCY, async (i) => {
    await custom.createNamespacedCustomObject({
      ...API,
      plural: 'rpajobs',
      namespace: 'unwatched',
      body: { apiVersion: `${API.group}/${API.version}`, kind: 'RpaJob', metadata: { name: `job-${i}` }, spec: { pool: 'bench', workflow: NOOP_WORKFLOW } },
    });
  });
  const crdOnlyS = elapsedMs(tc) / 1000;
  // The least any controller must make the API server do: each RpaJob created and its status set to
  // Queued once (merge patch, as ours), by this client at once, no operator, no Postgres, no Event.
  const floor = async (ns: string): Promise<{ s: number; cpu: Record<string, number> }> => {
    const cpu0 = clusterCpu(cluster, operator.proc.pid!);
    const t = process.hrtime.bigint();
    await inParallel(Array.from({ length: COUNT }, (_, i) => i), CLIENT_CONCURRENCY, async (i) => {
      const ref = { ...API, plural: 'rpajobs', namespace: ns, name: `job-${i}` };
      await custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: `${API.group}/${API.version}`, kind: 'RpaJob', metadata: { name: ref.name }, spec: { pool: 'bench', workflow: NOOP_WORKFLOW } } });
      await custom.patchNamespacedCustomObjectStatus({ ...ref, body: { status: { phase: 'Queued' } } }, mergePatchHeader);
    });
    return { s: elapsedMs(t) / 1000, cpu: cpuUsed(cpu0, clusterCpu(cluster, operator.proc.pid!)) };
  };
  await core.createNamespace({ body: { metadata: { name: 'floor' } } });
  const plainFloor = await floor('floor');
  const floorS = plainFloor.s;
  // The same in a namespace where the finalizer policy puts the finalizer on at create, as in Aether's.
  const finFloor = await floor('floor-fin');

  const queued = new Set<string>();
  let allQueued: () => void = () => {};
  const done = new Promise<void>((r) => (allQueued = r));
  const see = (o: { metadata: { name: string }; status?: { phase?: string } }) => {
    if (o.status?.phase === 'Queued') queued.add(o.metadata.name);
    if (queued.size >= COUNT) allQueued();
  };
  // A slow poll takes over if the watch ends early (it only ever adds to the count). Only then: a list of
  // up to 1,000 RpaJobs every few seconds is API-server work the floor does not pay.
  let poll: NodeJS.Timeout | undefined;
  let watching = true;
  const watch = await new Watch(kc).watch(`/apis/${API.group}/${API.version}/namespaces/${namespace}/rpajobs`, {}, (_t: string, o: Parameters<typeof see>[0]) => see(o), (err: unknown) => {
    if (!watching) return;
    console.error(`watch ended early (a poll takes over): ${String(err)}`);
    poll = setInterval(() => {
      void custom
        .listNamespacedCustomObject({ ...API, plural: 'rpajobs', namespace })
        .then((l: { items: Array<Parameters<typeof see>[0]> }) => l.items.forEach(see))
        .catch(() => undefined);
    }, 3000);
  });
  const cpu0 = clusterCpu(cluster, operator.proc.pid!);
  const t0 = process.hrtime.bigint();
  await inParallel(Array.from({ length: COUNT }, (_, i) => i), CLIENT_CONCURRENCY, async (i) => {
    await custom.createNamespacedCustomObject({
      ...API,
      plural: 'rpajobs',
      namespace,
      body: { apiVersion: `${API.group}/${API.version}`, kind: 'RpaJob', metadata: { name: `job-${i}` }, spec: { pool: 'bench', workflow: NOOP_WORKFLOW } },
    });
  });
  const createdS = elapsedMs(t0) / 1000;
  const timeout = setTimeout(() => console.error(`still waiting: ${queued.size}/${COUNT} Queued`), 120_000);
  await done;
  const aetherS = elapsedMs(t0) / 1000;
  const cpu1 = clusterCpu(cluster, operator.proc.pid!);
  const cpuUsedText = cpuDelta(cpu0, cpu1);
  const aetherCpu = cpuUsed(cpu0, cpu1);
  clearTimeout(timeout);
  watching = false;
  clearInterval(poll);
  watch.abort();

  const rawAfter = await createConfigMaps('after');
  const rawS = (rawBefore + rawAfter) / 2;
  console.log(`${COUNT} ConfigMaps created: ${rawBefore.toFixed(2)} s before, ${rawAfter.toFixed(2)} s after (concurrency ${CLIENT_CONCURRENCY})`);
  console.log(`${COUNT} RpaJobs created without an operator watching: ${crdOnlyS.toFixed(2)} s (the CRD's own cost)`);
  console.log(`${COUNT} RpaJobs created and each patched Queued by the client itself (no operator): ${floorS.toFixed(2)} s, ratio ${(floorS / rawS).toFixed(2)} (the floor for any controller); CPU ${cpuText(plainFloor.cpu)}`);
  console.log(`the same with the finalizer policy in effect: ${finFloor.s.toFixed(2)} s; CPU ${cpuText(finFloor.cpu)}`);
  console.log(`${COUNT} RpaJobs created in ${createdS.toFixed(2)} s, all Queued after ${aetherS.toFixed(2)} s (Queued Events ${process.env.AETHER_QUEUED_EVENTS === 'true' ? 'on' : 'off'})${operatorRoot ? ` (operator of ${operatorRoot})` : ''}`);
  console.log(`CPU used while the RpaJobs were created and queued: ${cpuUsedText}`);
  console.log(`API server writes: ${JSON.stringify(await apiserverWrites(kc, ['rpajobs', 'events', 'configmaps']))}`);
  const total = (cpu: Record<string, number>) => Object.values(cpu).reduce((a, b) => a + b, 0).toFixed(1);
  console.log(
    `RESULT apply aether_s=${aetherS.toFixed(2)} raw_s=${rawS.toFixed(2)} ratio=${(aetherS / rawS).toFixed(2)} crd_only_s=${crdOnlyS.toFixed(2)} ` +
      `floor_s=${floorS.toFixed(2)} floor_ratio=${(floorS / rawS).toFixed(2)} aether_floor_ratio=${(aetherS / floorS).toFixed(2)} ` +
      `floor_fin_s=${finFloor.s.toFixed(2)} aether_floor_fin_ratio=${(aetherS / finFloor.s).toFixed(2)} ` +
      `aether_cpu_s=${total(aetherCpu)} floor_cpu_s=${total(plainFloor.cpu)} floor_fin_cpu_s=${total(finFloor.cpu)} ` +
      // CPU seconds are less sensitive than wall time to other work on a shared machine.
      `aether_floor_cpu_ratio=${(Number(total(aetherCpu)) / Number(total(plainFloor.cpu))).toFixed(2)} ` +
      // How long after the last create the last job showed Queued: the operator's own lag.
      `queued_lag_s=${(aetherS - createdS).toFixed(2)}`,
  );
} finally {
  await operator.stop();
  await cluster.stop();
}
