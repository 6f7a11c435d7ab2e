// The rendered chart against the real API server: server-side dry run, then for real; then the robot
// ServiceAccount's RBAC tried with its own token (TokenRequest), and the operator's checked with
// SubjectAccessReviews. Run with AETHER_TEST_SERVICES=postgres,kube.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { deleteNamespace, freshNamespace, serviceAccountKubeConfig, serviceAccountToken, testKubeConfig } from '../harness/kube.js';
import { freshDatabase } from '../harness/testenv.js';
import { migrate } from '../../migrations/index.js';
import { createLogger } from '../../api/log.js';
import { startApiServer, type RunningApiServer } from '../../api-server/src/server.js';
import { bindRole } from '../../api-server/testing/env.js';
import { signDelivery } from '../../api-server/src/webhooks/signature.js';
import { upsertQueue } from '../../api/queue/items/queues.js';
import pg from 'pg';
import { applyObjects, deleteClusterScoped, waitForCrdsEstablished, type ApplyReport } from './apply.js';
import { chartCrdDir, repoRoot } from './chart-crds.js';
import { findOne, helmBinary, renderChart } from './helm.js';

const RPAJOBS = { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpajobs' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** Kinds the test API server cannot serve: the Prometheus Operator's CRDs are not installed there. */
const NOT_SERVED_HERE = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];

/** The chart's CRDs (helm/aether/crds), which Helm installs before any template. */
function crdObjects(): KubernetesObject[] {
  return readdirSync(chartCrdDir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(chartCrdDir, f), 'utf8')).map((d) => d.toJS() as KubernetesObject | null))
    .filter((o): o is KubernetesObject => o?.kind === 'CustomResourceDefinition');
}

/** The example RpaJob (examples/rpajob.yaml), moved into `namespace`. */
function exampleRpaJob(namespace: string, name: string): KubernetesObject {
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'examples', 'rpajob.yaml'), 'utf8')).map((d) => d.toJS() as KubernetesObject);
  const job = docs.find((d) => d?.kind === 'RpaJob');
  if (!job) throw new Error('examples/rpajob.yaml holds no RpaJob');
  return { ...job, metadata: { name, namespace } };
}

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('the chart on a real API server', () => {
  let kc: KubeConfig;
  let ns: string;
  let release: string;
  let objects: KubernetesObject[];
  let dryRun: ApplyReport;
  let real: ApplyReport;
  const boundSecret = 'portal-login';
  const otherSecret = 'unbound-secret';

  beforeAll(async () => {
    helmBinary();
    kc = testKubeConfig();
    ns = await freshNamespace(kc, 'helm');
    release = `r${ns.slice(-8)}`; // cluster-scoped names (ClusterRoles) must not collide between runs
    // Our CRDs first, as Helm does with crds/.
    const crds = crdObjects();
    if (crds.length < 4) throw new Error(`helm/aether/crds holds ${crds.length} CRDs: run \`npm run gen:crds && npm run gen:chart-crds\``);
    await applyObjects(kc, crds, { dryRun: false });
    await waitForCrdsEstablished(kc, crds);
    objects = renderChart({
      release,
      namespace: ns,
      values: {
        postgresql: { enabled: true },
        apiServer: { enabled: true },
        robots: { credentialSecrets: { [ns]: [boundSecret] } },
        metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } },
      },
    });
    dryRun = await applyObjects(kc, objects, { dryRun: true });
    real = await applyObjects(kc, objects, { dryRun: false });
  }, 900_000);

  afterAll(async () => {
    if (objects) await deleteClusterScoped(kc, objects);
    if (ns) await deleteNamespace(kc, ns);
  });

  test('the dry run accepts every object the server serves, and only monitoring kinds are skipped', () => {
    expect(dryRun.skipped.map((s) => s.ref.split('/')[0]).sort()).toEqual([...NOT_SERVED_HERE].sort());
    expect(dryRun.applied.length + dryRun.skipped.length).toBe(objects.length);
    expect(dryRun.applied).toContain(`RobotPool/${ns}/default`);
  });

  test('the real apply creates them', async () => {
    expect(real.applied).toEqual(dryRun.applied);
    const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: `${release}-aether-operator`, namespace: ns });
    expect(d.spec?.replicas).toBe(2);
    const sts = await kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ name: `${release}-aether-postgresql`, namespace: ns });
    expect(sts.spec?.replicas).toBe(1);
    const pool = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...RPAJOBS, plural: 'robotpools', namespace: ns, name: 'default' })) as { spec: { image: string } };
    expect(pool.spec.image).toBe(findOne<KubernetesObject & { spec: { image: string } }>(objects, 'RobotPool').spec.image);
  });

  describe('robot ServiceAccount (its own token)', () => {
    let robot: KubeConfig;
    let jobName: string;

    beforeAll(async () => {
      const core = kc.makeApiClient(CoreV1Api);
      for (const name of [boundSecret, otherSecret]) {
        await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: { password: 'not-for-robots' } } });
      }
      jobName = 'rbac-probe';
      await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...RPAJOBS, namespace: ns, body: exampleRpaJob(ns, jobName) });
      robot = await serviceAccountKubeConfig(kc, ns, 'aether-robot');
    });

    test('may get a Secret that jobs bind', async () => {
      const s = await robot.makeApiClient(CoreV1Api).readNamespacedSecret({ name: boundSecret, namespace: ns });
      expect(s.metadata?.name).toBe(boundSecret);
    });

    test('is refused (403) a Secret no job binds, and listing Secrets', async () => {
      const core = robot.makeApiClient(CoreV1Api);
      expect(await statusOf(core.readNamespacedSecret({ name: otherSecret, namespace: ns }))).toBe(403);
      expect(await statusOf(core.listNamespacedSecret({ namespace: ns }))).toBe(403);
    });

    test('may get a ConfigMap (a step\'s image template), and is refused (403) listing ConfigMaps', async () => {
      await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'templates' }, data: { icon: 'x' } } });
      const core = robot.makeApiClient(CoreV1Api);
      expect((await core.readNamespacedConfigMap({ name: 'templates', namespace: ns })).data).toEqual({ icon: 'x' });
      expect(await statusOf(core.listNamespacedConfigMap({ namespace: ns }))).toBe(403);
    });

    test('may get an RpaJob and patch its status', async () => {
      const api = robot.makeApiClient(CustomObjectsApi);
      const job = (await api.getNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: jobName })) as KubernetesObject;
      expect(job.metadata?.name).toBe(jobName);
      const patched = (await api.patchNamespacedCustomObjectStatus(
        { ...RPAJOBS, namespace: ns, name: jobName, body: { status: { observedGeneration: 1 } } },
        mergePatch,
      )) as KubernetesObject;
      expect(patched.metadata?.name).toBe(jobName);
    });

    test('may create an Event on an RpaJob (the audit of credential uses and refusals)', async () => {
      const job = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: jobName })) as KubernetesObject;
      const now = new Date();
      const created = await robot.makeApiClient(CoreV1Api).createNamespacedEvent({
        namespace: ns,
        body: {
          metadata: { name: `${jobName}.audit-probe`, namespace: ns },
          involvedObject: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', name: jobName, namespace: ns, uid: job.metadata?.uid },
          type: 'Warning',
          reason: 'CredentialScopeDenied',
          message: 'probe',
          firstTimestamp: now,
          lastTimestamp: now,
        },
      });
      expect(created.reason).toBe('CredentialScopeDenied');
      expect(await statusOf(robot.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns }))).toBe(403);
    });

    test("is refused (403) patching or replacing an RpaJob's spec, and deleting it", async () => {
      const api = robot.makeApiClient(CustomObjectsApi);
      const job = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: jobName })) as KubernetesObject;
      expect(await statusOf(api.patchNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: jobName, body: { spec: { suspend: true } } }, mergePatch))).toBe(403);
      expect(await statusOf(api.replaceNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: jobName, body: job }))).toBe(403);
      expect(await statusOf(api.deleteNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: jobName }))).toBe(403);
    });

    test('is refused (403) anything cluster-wide or in another namespace', async () => {
      const api = robot.makeApiClient(CustomObjectsApi);
      expect(await statusOf(api.listClusterCustomObject({ ...RPAJOBS }))).toBe(403);
      expect(await statusOf(api.getNamespacedCustomObject({ ...RPAJOBS, namespace: 'default', name: jobName }))).toBe(403);
      expect(await statusOf(robot.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns }))).toBe(403);
    });
  });

  describe('operator ServiceAccount (SubjectAccessReview)', () => {
    type Check = [verb: string, resource: string, group: string, namespace: string | undefined, allowed: boolean];
    const checks = (n: string): Check[] => [
      ['watch', 'rpajobs', 'rpa.aether.dev', undefined, true],
      ['patch', 'rpajobs/status', 'rpa.aether.dev', n, true],
      ['update', 'robotpools/finalizers', 'rpa.aether.dev', n, true],
      ['watch', 'rpanotifications', 'rpa.aether.dev', undefined, true],
      ['patch', 'rpanotifications/status', 'rpa.aether.dev', n, true],
      ['create', 'rpajobs', 'rpa.aether.dev', n, true],
      ['create', 'deployments', 'apps', n, true],
      ['delete', 'deployments', 'apps', n, true],
      ['patch', 'pods', '', n, true],
      ['create', 'events', '', n, true],
      ['get', 'serviceaccounts', '', n, true],
      ['list', 'customresourcedefinitions', 'apiextensions.k8s.io', undefined, true],
      ['update', 'leases', 'coordination.k8s.io', n, true],
      ['update', 'leases', 'coordination.k8s.io', 'default', false],
      ['get', 'secrets', '', n, false],
      ['delete', 'pods', '', n, false],
      ['create', 'roles', 'rbac.authorization.k8s.io', n, false],
      ['update', 'customresourcedefinitions', 'apiextensions.k8s.io', undefined, false],
    ];

    test('has what it needs and nothing more', async () => {
      const authz = kc.makeApiClient(AuthorizationV1Api);
      const user = `system:serviceaccount:${ns}:${release}-aether-operator`;
      const got: Check[] = [];
      for (const [verb, res, group, namespace] of checks(ns)) {
        const [resource, subresource] = res.split('/');
        const review = await authz.createSubjectAccessReview({
          body: {
            spec: {
              user,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
              resourceAttributes: { verb, resource, subresource, group, namespace },
            },
          },
        });
        got.push([verb, res, group, namespace, review.status?.allowed === true]);
      }
      expect(got).toEqual(checks(ns));
    });
  });

  describe('API server ServiceAccount (its own token, as in its pod)', () => {
    let server: RunningApiServer;
    afterAll(async () => {
      await server?.close();
    });

    let databaseUrl: string;

    test("suffices to review callers' tokens and rights and to create an RpaJob for them", async () => {
      databaseUrl = await freshDatabase('helmapi');
      const logger = createLogger({ name: 'apiserver', level: 'silent' });
      await migrate({ databaseUrl, logger });
      const asApiServer = await serviceAccountKubeConfig(kc, ns, `${release}-aether-apiserver`);
      server = await startApiServer({
        // Only this release's namespace: API servers of other test files share the cluster.
        config: { databaseUrl, host: '127.0.0.1', port: 0, authCacheMs: 0, dbosSchema: 'dbos', watchNamespaces: [ns] },
        kc: asApiServer,
        logger,
        triggerResyncMs: 500,
      });
      await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRole({
        namespace: ns,
        body: { metadata: { name: 'submitter' }, rules: [{ apiGroups: ['rpa.aether.dev'], resources: ['rpajobs'], verbs: ['create'] }] },
      });
      await bindRole(kc, ns, 'submitter', 'submitter');
      const token = await serviceAccountToken(kc, ns, 'submitter');
      const post = (body: unknown, bearer = token) =>
        fetch(`${server.url}/api/v1/namespaces/${ns}/jobs`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const created = await post({ name: 'via-api', spec: (exampleRpaJob(ns, 'x') as KubernetesObject & { spec: unknown }).spec });
      expect(created.status).toBe(201);
      const job = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...RPAJOBS, namespace: ns, name: 'via-api' })) as KubernetesObject;
      expect(job.metadata?.annotations?.['rpa.aether.dev/submitted-by']).toBe(`system:serviceaccount:${ns}:submitter`);
      // Reading needs `get`, which the submitter lacks.
      const read = await fetch(`${server.url}/api/v1/namespaces/${ns}/jobs/via-api`, { headers: { Authorization: `Bearer ${token}` } });
      expect(read.status).toBe(403);
      // The API server itself may read no Secret but the webhook keys' (apiServer.webhooks.secretNames).
      expect(await statusOf(asApiServer.makeApiClient(CoreV1Api).readNamespacedSecret({ name: boundSecret, namespace: ns }))).toBe(403);
    });

    test('suffices to take a signed webhook delivery to an RpaTrigger and to write the trigger status', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const objects = kc.makeApiClient(CustomObjectsApi);
      const TRIGGERS = { group: 'rpa.aether.dev', version: 'v1alpha1', plural: 'rpatriggers', namespace: ns } as const;
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'aether-webhooks' }, stringData: { inbox: 'hook-key' } } });
      const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      await upsertQueue(db, {
        namespace: ns, name: 'inbox', pool: 'default', workflowRef: { name: 'wf' }, maxRetries: 0, backoffSeconds: 1,
        backoffMaxSeconds: 10, uniqueReference: 'reject', inProgressTimeoutSeconds: 60, priority: 0,
      });
      await db.end();
      for (const [name, secret] of [['inbox', 'aether-webhooks'], ['elsewhere', otherSecret]] as const)
        await objects.createNamespacedCustomObject({
          ...TRIGGERS,
          body: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaTrigger', metadata: { name }, spec: { secretRef: { name: secret, key: 'inbox' }, queue: { name: 'inbox' } } },
        });
      const body = Buffer.from(JSON.stringify({ reference: 'r-1' }));
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${server.url}/hooks/v1/namespaces/${ns}/triggers/inbox`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Aether-Timestamp': ts, 'X-Aether-Delivery': 'd-1', 'X-Aether-Signature': signDelivery(Buffer.from('hook-key'), ts, body) },
        body,
      });
      expect([res.status, ((await res.json()) as { added?: number }).added]).toEqual([200, 1]);
      const readyOf = async (name: string) => {
        const t = (await objects.getNamespacedCustomObject({ ...TRIGGERS, name })) as { status?: { deliveries?: number; conditions?: Array<{ type: string; status: string; reason: string }> } };
        const c = t.status?.conditions?.find((x) => x.type === 'Ready');
        return `${c?.status}/${c?.reason}/${t.status?.deliveries ?? 0}`;
      };
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && ((await readyOf('inbox')) !== 'True/TriggerReady/1' || (await readyOf('elsewhere')) === 'undefined/undefined/0'))
        await new Promise((r) => setTimeout(r, 200));
      expect(await readyOf('inbox')).toBe('True/TriggerReady/1');
      // A Secret outside apiServer.webhooks.secretNames stays unreadable to it: that trigger is not Ready.
      expect(await readyOf('elsewhere')).toBe('False/SecretNotFound/0');
    });
  });
});
