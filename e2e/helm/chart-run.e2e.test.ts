// The chart, installed the way `helm install` would and then used: the rendered manifests (CRDs first,
// then the migrations hook Job, then the rest) go to the real API server; the node simulator runs the
// chart's Pods as local processes (operator and migrations through e2e/helm/fixtures/image-entrypoint.sh,
// robots likewise when the operator scales a pool); the two operator replicas elect one leader; an
// RpaWorkflow, a RobotPool and an RpaJob are applied and the job signs in to the local test site with a
// credential from a Secret that only the chart's robot Role lets robots read, and ends Succeeded with
// its outputs. Run with AETHER_TEST_SERVICES=postgres,kube.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { createLogger } from '../../api/log.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../harness/kube.js';
import { freshDatabase } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';
import { NodeSimulator } from '../nodesim/simulator.js';
import { ORDERS } from '../site/html.js';
import { startTestSite, type TestSite } from '../site/server.js';
import { servedMapVersion } from '../api/finalizer-policy.js';
import { RPAJOB_FINALIZER } from '../../api/v1alpha1/index.js';
import { applyObjects, deleteClusterScoped, describeObject, waitForCrdsEstablished } from './apply.js';
import { repoRoot } from './chart-crds.js';
import { findOne, helmBinary, renderChart } from './helm.js';

jest.setTimeout(300_000);

const API = { group: 'rpa.aether.dev', version: 'v1alpha1' } as const;
const FIXTURES = join(repoRoot, 'e2e', 'helm', 'fixtures');
const ENTRYPOINT = join(FIXTURES, 'image-entrypoint.sh');
/** Kinds this API server does not serve (no Prometheus Operator); the chart leaves them off by default. */
const MONITORING = new Set(['ServiceMonitor', 'PodMonitor', 'PrometheusRule']);

type Obj = KubernetesObject & { spec?: Record<string, any>; status?: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

const hookOf = (o: KubernetesObject) => o.metadata?.annotations?.['helm.sh/hook'] ?? '';

/** The user's manifests of fixtures/run.yaml, placed in `namespace` and pointed at the site and image. */
function runManifests(namespace: string, robotImage: string, siteUrl: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(FIXTURES, 'run.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
  return docs.map((d) => {
    const o: Obj = { ...d, metadata: { ...d.metadata, namespace } };
    // The site is on loopback, which robots refuse unless their pool allows it.
    if (o.kind === 'RobotPool') o.spec = { ...o.spec, image: robotImage, network: { allow: [new URL(siteUrl).host] } };
    if (o.kind === 'RpaJob') o.spec = { ...o.spec, params: { ...o.spec!.params, baseUrl: siteUrl } };
    return o;
  });
}

/** Lines of a Pod's log that are pino JSON records. */
function jsonLines(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const v = JSON.parse(l) as unknown;
        return v && typeof v === 'object' ? [v as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
}

describe('the chart installed on a real API server, run through the node simulator', () => {
  let kc: KubeConfig;
  let ns: string;
  let release: string;
  let site: TestSite;
  let sim: NodeSimulator;
  let objects: KubernetesObject[] = [];
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let failed = false;

  const custom = () => kc.makeApiClient(CustomObjectsApi);
  const getCustom = (plural: string, name: string) =>
    custom().getNamespacedCustomObject({ ...API, plural, namespace: ns, name }) as Promise<Obj>;
  const operatorPods = async (): Promise<V1Pod[]> =>
    (
      await kc.makeApiClient(CoreV1Api).listNamespacedPod({
        namespace: ns,
        labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator`,
      })
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
  /** A hint for a failed wait: the tails of every Pod log the simulator wrote. */
  const podLogs = () =>
    readdirSync(sim.workDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => `--- ${f}\n${readFileSync(join(sim.workDir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');

  beforeAll(async () => {
    helmBinary();
    chmodSync(ENTRYPOINT, 0o755); // the "image" must be executable even if a checkout dropped the mode
    kc = testKubeConfig();
    ns = await freshNamespace(kc, 'chartrun');
    release = `r${ns.slice(-8)}`; // ClusterRole names must not collide between runs
    site = await startTestSite({ users: { alice: password } });

    // What an admin creates before `helm install` with an existing database: the Secret with its URL,
    // and the credential Secret a job will bind.
    const core = kc.makeApiClient(CoreV1Api);
    const databaseUrl = await freshDatabase('chartrun');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'aether-database' }, stringData: { url: databaseUrl } } });
    await core.createNamespacedSecret({
      namespace: ns,
      // Its owner lets robots type its values into the test site's pages, and nowhere else.
      body: {
        metadata: { name: 'site-login', annotations: { 'rpa.aether.dev/credential-scope': JSON.stringify([{ urlPrefix: `${new URL(site.url).origin}/`, usages: ['fill'] }]) } },
        stringData: { username: 'alice', password },
      },
    });

    // As `helm install` does, ask the server which APIs it serves: the finalizer policy is rendered when it serves one.
    const mapVersion = await servedMapVersion(kc);
    objects = renderChart({
      release,
      namespace: ns,
      includeCrds: true,
      apiVersions: mapVersion ? [`${mapVersion}/MutatingAdmissionPolicy`] : [],
      values: {
        postgresql: { enabled: false },
        database: { existingSecret: { name: 'aether-database', key: 'url' } },
        // Only this namespace: other suites share the API server.
        operator: { watchNamespaces: [ns] },
        robots: { credentialSecrets: { [ns]: ['site-login'] } },
      },
    });
    const operatorImage = findOne<Obj>(objects, 'Deployment').spec!.template.spec.containers[0].image as string;
    const robotImage = findOne<Obj>(objects, 'RobotPool').spec!.image as string;
    const image = { command: ENTRYPOINT, cwd: repoRoot, env: { NODE: process.execPath } };
    sim = new NodeSimulator({
      kubeConfig: kc,
      nodeName: `sim-${ns}`,
      namespace: ns,
      images: {
        [operatorImage]: { ...image, args: ['dist/operator/src/main.js'] },
        [robotImage]: { ...image, args: ['dist/robot-image/src/main.js'] },
      },
      restartBackoffMs: { base: 500, max: 5000 },
      log: createLogger({ name: 'nodesim', level: 'warn', destination: process.stderr }),
    });
    await sim.start();
  }, 300_000);

  afterAll(async () => {
    if (failed && sim) process.stderr.write(`chart-run: Pod logs\n${podLogs()}\n`);
    // The operator is still running: let it finish its RpaJob finalizer before it stops.
    if (ns) {
      await custom().deleteNamespacedCustomObject({ ...API, plural: 'rpajobs', namespace: ns, name: 'site-orders-1' }).catch(() => undefined);
      await waitFor('the RpaJob to be gone', async () => (await getCustom('rpajobs', 'site-orders-1').then(() => undefined, () => true)), { timeoutMs: 20_000 }).catch(() => undefined);
    }
    await sim?.stop();
    await site?.stop();
    if (objects.length) await deleteClusterScoped(kc, objects);
    if (ns) await deleteNamespace(kc, ns);
  }, 120_000);

  const step = (name: string, fn: () => Promise<void>, timeoutMs?: number) =>
    it(name, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    }, timeoutMs);

  step('applies the CRDs, then (server-side dry run first) everything else the server serves', async () => {
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata!.name).sort()).toEqual(
      ['robotpools', 'rpajobs', 'rpanotifications', 'rpaqueues', 'rpaschedules', 'rpatriggers', 'rpaworkflows'].map((p) => `${p}.rpa.aether.dev`),
    );
    expect(objects.some((o) => MONITORING.has(o.kind!))).toBe(false);
    await applyObjects(kc, crds, { dryRun: false });
    await waitForCrdsEstablished(kc, crds);
    const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
    const dry = await applyObjects(kc, rest, { dryRun: true });
    expect(dry.skipped).toEqual([]);
    expect(dry.applied).toHaveLength(rest.length);
  });

  step('runs the pre-install migrations Job to completion before the release', async () => {
    const hooks = objects.filter((o) => hookOf(o).includes('pre-install'));
    expect(hooks.map(describeObject)).toEqual([`Job/${ns}/${release}-aether-migrate-1`]);
    await applyObjects(kc, hooks, { dryRun: false });
    const batch = kc.makeApiClient(BatchV1Api);
    const job = await waitFor(
      'the migrations Job to succeed',
      async () => {
        const j = await batch.readNamespacedJob({ name: hooks[0]!.metadata!.name!, namespace: ns });
        if ((j.status?.failed ?? 0) > 0) throw new Error(`the migrations Job failed:\n${podLogs()}`);
        return (j.status?.succeeded ?? 0) >= 1 ? j : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
  });

  step('applies the release; both operator replicas run and exactly one leads', async () => {
    const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition' && !hookOf(o));
    const report = await applyObjects(kc, rest, { dryRun: false });
    expect(report.applied).toContain(`Deployment/${ns}/${release}-aether-operator`);
    expect(report.applied).toContain(`MutatingAdmissionPolicy/${release}-aether-${ns}-rpajob-finalizer`);

    const lease = await waitFor(
      'an operator Pod to hold the leader Lease, and both replicas to have started',
      async () => {
        const pods = await operatorPods();
        const names = pods.map((p) => p.metadata!.name!);
        const l = await kc
          .makeApiClient(CoordinationV1Api)
          .readNamespacedLease({ name: 'aether-operator', namespace: ns })
          .catch(() => undefined);
        const started = pods.filter((p) =>
          jsonLines(sim.podLogFile(ns, p.metadata!.name!)).some((r) => r.msg === 'operator started'),
        );
        return pods.length === 2 && started.length === 2 && names.includes(l?.spec?.holderIdentity ?? '') ? l : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500 },
    );

    // Each replica reports on its own /metrics whether it leads: one does, the other stands by.
    const leading: Record<string, number> = {};
    for (const pod of await operatorPods()) {
      const name = pod.metadata!.name!;
      const started = jsonLines(sim.podLogFile(ns, name)).filter((r) => r.msg === 'operator started').pop()!;
      expect(started.identity).toBe(name);
      leading[name] = await waitFor(`aether_leader of ${name}`, async () => {
        const res = await fetch(`http://127.0.0.1:${Number(started.port)}/metrics`).catch(() => undefined);
        const line = res?.ok ? (await res.text()).split('\n').find((l) => l.startsWith('aether_leader ')) : undefined;
        return line ? Number(line.split(' ')[1]) : undefined;
      });
    }
    expect(Object.values(leading).sort()).toEqual([0, 1]);
    expect(leading[lease.spec!.holderIdentity!]).toBe(1);

    const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: `${release}-aether-operator`, namespace: ns });
    expect(deployment.spec?.replicas).toBe(2);
  }, 240_000);

  step('an applied RpaJob runs on a robot the operator scaled up and ends Succeeded with its outputs', async () => {
    const robotImage = findOne<Obj>(objects, 'RobotPool').spec!.image as string;
    const report = await applyObjects(kc, runManifests(ns, robotImage, site.url), { dryRun: false, fieldManager: 'kubectl' });
    expect(report.applied).toEqual([`RpaWorkflow/${ns}/site-orders`, `RobotPool/${ns}/chart-run`, `RpaJob/${ns}/site-orders-1`]);

    const job = await waitFor(
      'RpaJob site-orders-1 to finish',
      async () => {
        const j = await getCustom('rpajobs', 'site-orders-1');
        return ['Succeeded', 'Failed', 'Cancelled'].includes(j.status?.phase) ? j : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    expect({ phase: job.status?.phase, error: job.status?.error }).toEqual({ phase: 'Succeeded', error: undefined });
    const outputs = job.status!.outputs as Record<string, unknown>;
    // The user name comes from the credential Secret too: the robot masks credential values in outputs.
    expect(outputs.welcome).toBe('Welcome, [redacted]');
    expect(Array.isArray(outputs.orders)).toBe(true);
    expect(JSON.stringify(outputs.orders)).toContain(ORDERS[0]![1]);
    expect((outputs.orders as unknown[]).length).toBe(ORDERS.length);
    // It ran on a robot Pod of the pool's Deployment, which the operator created from the chart's settings.
    expect(String(job.status!.robot ?? '')).toMatch(/^chart-run-robot-/);
    const robots = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'chart-run-robot', namespace: ns });
    expect(robots.spec?.template.spec?.serviceAccountName).toBe('aether-robot');
    expect(site.hits()['POST /login']).toBeGreaterThanOrEqual(1);
    // The chart's admission policy put the finalizer on at create time: besides status writes, only the
    // user (kubectl) ever wrote the job.
    expect(job.metadata?.finalizers).toEqual([RPAJOB_FINALIZER]);
    const writers = (job.metadata?.managedFields as Array<{ manager: string; subresource?: string }>).filter((e) => e.subresource !== 'status').map((e) => e.manager);
    expect([...new Set(writers)]).toEqual(['kubectl']);

    // The password went from the Secret to the page only: not into the status, nor any Pod's log.
    expect(JSON.stringify(job)).not.toContain(password);
    for (const f of readdirSync(sim.workDir).filter((x) => x.endsWith('.log'))) {
      expect(readFileSync(join(sim.workDir, f), 'utf8')).not.toContain(password);
    }
  }, 240_000);
});
