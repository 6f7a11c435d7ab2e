// `helm lint` and `helm template` of helm/aether with the real Helm (built from helm.sh/helm/v3).
// Integration project because the first run builds Helm; no cluster is needed here.
import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Job, V1NetworkPolicy, V1Role, V1StatefulSet } from '@kubernetes/client-node';
import { finalizerBindingSpec, finalizerPolicySpec } from '../../api/admission/finalizer-policy.js';
import { loadConfig } from '../../operator/src/config.js';
import { loadConfig as loadApiServerConfig } from '../../api-server/src/config.js';
import { findOne, helm, helmBinary, helmLint, helmTemplate, renderChart, chartDir } from './helm.js';

const release = 'rel';
const namespace = 'aether-system';
const monitoring = {
  metrics: {
    serviceMonitor: { enabled: true },
    podMonitor: { enabled: true },
    prometheusRule: { enabled: true },
    grafanaDashboard: { enabled: true },
  },
};

const variants: Array<[string, Record<string, unknown>]> = [
  ['default values', {}],
  ['bundled PostgreSQL', { postgresql: { enabled: true } }],
  ['existing database, no PostgreSQL', { postgresql: { enabled: false }, database: { existingSecret: { name: 'my-db', key: 'dsn' } } }],
  ['monitoring on', monitoring],
  ['retention off', { retention: { enabled: false } }],
  ['API server on, with TLS', { apiServer: { enabled: true, tls: { secretName: 'aether-api-tls' } } }],
  ['watched namespaces and robot credentials', { operator: { watchNamespaces: ['team-a', 'team-b'] }, robots: { namespaces: ['team-a'], credentialSecrets: { 'team-a': ['portal'] } } }],
];

beforeAll(() => {
  helmBinary(); // a cold build takes minutes; later calls reuse the cached binary
}, 900_000);

describe('helm lint --strict', () => {
  test.each(variants)('passes with %s', (_name, values) => {
    const r = helmLint(values);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });
});

describe('helm template', () => {
  /** The operator container's plain env as rendered with `values`, with a database URL: what loadConfig reads. */
  const operatorEnv = (values: Record<string, unknown> = {}) => {
    const c = findOne<V1Deployment>(renderChart({ release, namespace, values }), 'Deployment').spec!.template.spec!.containers[0]!;
    const plain = (c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]);
    return { ...Object.fromEntries(plain), AETHER_DATABASE_URL: 'postgres://aether@db/aether' } as Record<string, string>;
  };

  test.each(variants)('renders with %s, every object labelled', (_name, values) => {
    const objects = renderChart({ release, namespace, values });
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      expect(o.metadata?.labels?.['app.kubernetes.io/instance']).toBe(release);
      expect(o.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
      expect(o.metadata?.labels?.['app.kubernetes.io/part-of']).toBe('aether');
    }
  });

  test('operator: two replicas, leader election, probes, metrics port, non-root read-only container', () => {
    const objects = renderChart({ release, namespace });
    const d = findOne<V1Deployment>(objects, 'Deployment');
    expect(d.spec?.replicas).toBe(2);
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.AETHER_LEADER_ELECTION).toBe('true');
    expect(env.AETHER_DATABASE_URL).toEqual({ secretKeyRef: { name: 'aether-database', key: 'url' } });
    expect(env.POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.POD_NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(env.AETHER_METRICS_PORT).toBe('8080');
    expect(env.AETHER_ROBOT_SERVICE_ACCOUNT).toBe('aether-robot');
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.resources?.requests).toBeDefined();
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.serviceAccountName).toBe(`${release}-aether-operator`);
    // Lease permissions exist only in the release namespace.
    const leases = findOne<V1Role>(objects, 'Role', `${release}-aether-operator-leader-election`);
    expect(leases.metadata?.namespace).toBe(namespace);
  });

  test('tenancy: the operator issues per-namespace database roles by default, and may touch only its own Secret name', () => {
    const config = loadConfig(operatorEnv());
    expect(config.robot.tenancy).toEqual({ rolePrefix: 'rpa_robot', secretName: 'aether-robot-database' });
    expect(config.robot.databaseSecret).toEqual({ name: 'aether-robot-database', key: 'url' });
    expect(loadConfig(operatorEnv({ database: { robotRoles: 'shared' } })).robot.tenancy).toBeUndefined();
    const rules = (values: Record<string, unknown> = {}) =>
      (renderChart({ release, namespace, values }).find((o) => o.kind === 'ClusterRole' && o.metadata?.name === `${release}-aether-operator`) as unknown as {
        rules: Array<{ resources: string[]; verbs: string[]; resourceNames?: string[] }>;
      }).rules.filter((r) => r.resources.includes('secrets'));
    expect(rules()).toEqual([
      expect.objectContaining({ verbs: ['create'] }),
      expect.objectContaining({ resourceNames: ['aether-robot-database'], verbs: ['get', 'update'] }),
    ]);
    expect(rules().some((r) => r.verbs.includes('list') || r.verbs.includes('watch') || (r.verbs.includes('get') && !r.resourceNames))).toBe(false);
    // Shared roles: only the create of each namespace's checkpoint key remains; no Secret may be read.
    expect(rules({ database: { robotRoles: 'shared' } })).toEqual([expect.objectContaining({ verbs: ['create'] })]);
    expect(helmLint({ database: { robotRoles: 'everyone' } }).status).not.toBe(0);
  });

  test('queuedEvents: off by default, operator.queuedEvents turns the Queued Event on', () => {
    expect(loadConfig(operatorEnv()).queuedEvents).toBe(false);
    expect(loadConfig(operatorEnv({ operator: { queuedEvents: true } })).queuedEvents).toBe(true);
    expect(helmLint({ operator: { queuedEvents: 'yes' } }).status).not.toBe(0);
  });

  test('retention: the values reach the operator as the policy it parses; off means no pruning', () => {
    const DAY = 86_400_000;
    const on = loadConfig(operatorEnv({ retention: { runsDays: 7, auditDays: 0, batchSize: 300 } }));
    expect(on.retention).toEqual({
      maxAgeMs: { runs: 7 * DAY, screenshots: 14 * DAY, healing: 90 * DAY, workflows: 14 * DAY },
      intervalMs: 600_000,
      batchSize: 300,
      pauseMs: 10,
      dbosSchema: 'dbos',
    });
    expect(loadConfig(operatorEnv({ retention: { enabled: false } })).retention).toBeUndefined();
    const bad = helmLint({ retention: { batchSize: 0, runsDays: -1 } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr + bad.stdout).toMatch(/retention/);
  });

  test('bundled PostgreSQL: StatefulSet, Service and a generated Secret the operator and migrations read', () => {
    const objects = renderChart({ release, namespace, values: { postgresql: { enabled: true } } });
    const sts = findOne<V1StatefulSet>(objects, 'StatefulSet');
    expect(sts.spec?.replicas).toBe(1);
    findOne(objects, 'Service', `${release}-aether-postgresql`);
    const secret = findOne<KubernetesObject & { stringData: Record<string, string> }>(objects, 'Secret', `${release}-aether-postgresql`);
    expect(secret.stringData.url).toMatch(new RegExp(`^postgres://aether:[A-Za-z0-9]{32}@${release}-aether-postgresql\\.${namespace}\\.svc:5432/aether$`));
    const d = findOne<V1Deployment>(objects, 'Deployment');
    const dbEnv = d.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === 'AETHER_DATABASE_URL');
    expect(dbEnv?.valueFrom?.secretKeyRef).toEqual({ name: `${release}-aether-postgresql`, key: 'url' });
    // The bundled database exists only after install, so migrations run post-install and wait for it.
    const job = findOne<V1Job>(objects, 'Job');
    expect(job.metadata?.annotations?.['helm.sh/hook']).toBe('post-install,pre-upgrade');
    expect(job.spec?.template.spec?.initContainers?.[0]?.name).toBe('wait-for-postgresql');
  });

  test('existing database: no PostgreSQL objects; migrations run before install with the operator image', () => {
    const objects = renderChart({ release, namespace, values: { database: { existingSecret: { name: 'my-db', key: 'dsn' } } } });
    // The only Secret left is each robot namespace's checkpoint key (robot-rbac.yaml).
    expect(objects.filter((o) => o.kind === 'StatefulSet' || (o.kind === 'Secret' && o.metadata?.name !== 'aether-checkpoint-key'))).toEqual([]);
    const job = findOne<V1Job>(objects, 'Job');
    expect(job.metadata?.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const c = job.spec!.template.spec!.containers[0]!;
    const operator = findOne<V1Deployment>(objects, 'Deployment').spec!.template.spec!.containers[0]!;
    expect(c.image).toBe(operator.image);
    expect(c.args).toEqual(['dist/migrations/cli.js']);
    expect(c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'my-db', key: 'dsn' });
  });

  test('monitoring: ServiceMonitor, PodMonitor, three alerts and a dashboard on the metrics the code exports', () => {
    const objects = renderChart({ release, namespace, values: monitoring });
    findOne(objects, 'ServiceMonitor');
    findOne(objects, 'PodMonitor');
    const rule = findOne<KubernetesObject & { spec: { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> } }>(objects, 'PrometheusRule');
    const alerts = rule.spec.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert).sort()).toEqual(['AetherJobFailureRateHigh', 'AetherQueueTooOld', 'AetherRobotsNotReady']);
    const cm = findOne<V1ConfigMap>(objects, 'ConfigMap', `${release}-aether-dashboard`);
    expect(cm.metadata?.labels?.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data!['aether.json']!) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of ['aether_pool_queue_depth', 'aether_pool_desired_replicas', 'aether_pool_actual_replicas', 'aether_jobs_total', 'aether_step_duration_seconds_bucket', 'aether_healing_events_total']) {
      expect(exprs).toContain(metric);
    }
  });

  test('robots: a Secret Role only for listed names, none when no Secret is listed', () => {
    const none = renderChart({ release, namespace });
    expect(none.filter((o) => o.kind === 'Role' && o.metadata?.name?.endsWith('robot-credentials'))).toEqual([]);
    const some = renderChart({ release, namespace, values: { robots: { credentialSecrets: { [namespace]: ['portal', 'erp', 'portal'] } } } });
    const role = findOne<V1Role>(some, 'Role', `${release}-aether-robot-credentials`);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['portal', 'erp'], verbs: ['get'] }]);
  });

  test('robots: a NetworkPolicy per robot namespace, egress to DNS, PostgreSQL, the API server and public addresses only, no ingress', () => {
    const objects = renderChart({ release, namespace, values: { robots: { namespaces: ['team-a', 'team-b'] } } });
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as V1NetworkPolicy[];
    expect(policies.map((p) => p.metadata?.namespace)).toEqual(['team-a', 'team-b']);
    const p = policies[0]!.spec!;
    expect(p.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'aether', 'app.kubernetes.io/component': 'robot' } });
    expect(p.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.ingress).toEqual([]);
    const [dns, db, api, jobs, ...rest] = p.egress!;
    expect(rest).toEqual([]);
    expect(dns!.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    expect(dns!.ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    expect(db!.ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    expect(api!.ports).toEqual([{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }]);
    expect(jobs!.to![0]).toEqual({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'] } });
    expect(jobs!.ports).toEqual([{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }]);
  });

  test('robots: the NetworkPolicy follows its values (bundled database, API server and database addresses, metrics scrapers, allowed ranges); off when disabled', () => {
    const bundled = findOne<V1NetworkPolicy>(renderChart({ release, namespace, values: { postgresql: { enabled: true } } }), 'NetworkPolicy').spec!;
    expect(bundled.egress![1]!.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'aether', 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': 'postgresql' } },
      },
    ]);
    const custom = findOne<V1NetworkPolicy>(
      renderChart({
        release,
        namespace,
        values: {
          networkPolicy: {
            database: { cidrs: ['10.5.0.10/32'] },
            apiServer: { cidrs: ['172.18.0.2/32'], ports: [6443] },
            allowedCidrs: [{ cidr: '10.50.0.0/16' }],
            allowedPorts: [],
            metricsNamespaces: ['monitoring'],
          },
        },
      }),
      'NetworkPolicy',
    ).spec!;
    expect(custom.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    expect(custom.egress![1]!.to).toEqual([{ ipBlock: { cidr: '10.5.0.10/32' } }]);
    expect(custom.egress![2]).toEqual({ to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] });
    expect(custom.egress![3]).toEqual({ to: [{ ipBlock: { cidr: '10.50.0.0/16' } }] });
    expect(renderChart({ release, namespace, values: { networkPolicy: { enabled: false } } }).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test("robots: the cluster's ranges reach the operator, which gives them to robot pods", () => {
    const none = findOne<V1Deployment>(renderChart({ release, namespace }), 'Deployment');
    expect(none.spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain('AETHER_ROBOT_CLUSTER_CIDRS');
    const d = findOne<V1Deployment>(renderChart({ release, namespace, values: { robots: { clusterCidrs: ['10.96.0.0/12', '10.244.0.0/16'] } } }), 'Deployment');
    expect(d.spec!.template.spec!.containers[0]!.env).toContainEqual({ name: 'AETHER_ROBOT_CLUSTER_CIDRS', value: '10.96.0.0/12,10.244.0.0/16' });
  });
});

describe('RobotPool confinement', () => {
  const envOf = (values?: Record<string, unknown>) =>
    Object.fromEntries(findOne<V1Deployment>(renderChart({ release, namespace, ...(values ? { values } : {}) }), 'Deployment').spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));

  test('by default a pool may ask for nothing beyond the robot image and SA', () => {
    const env = envOf();
    expect(env.AETHER_ROBOT_ALLOWED_IMAGES).toBe('');
    expect(env.AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS).toBe('');
    expect(env.AETHER_ROBOT_ALLOWED_ENV_SECRETS).toBe('');
    expect(env.AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS).toBe('');
    expect(env.AETHER_ROBOT_SERVICE_ACCOUNT).toBe('aether-robot');
  });

  test('the allow-list values reach the operator', () => {
    const env = envOf({ robots: { allowedImages: ['registry.example/robot:*', 'r:2'], allowedServiceAccounts: ['robot-gpu'], allowedEnvSecrets: ['proxy'], allowedSchedulingFields: ['tolerations', 'nodeSelector'] } });
    expect(env.AETHER_ROBOT_ALLOWED_IMAGES).toBe('registry.example/robot:*,r:2');
    expect(env.AETHER_ROBOT_ALLOWED_SERVICE_ACCOUNTS).toBe('robot-gpu');
    expect(env.AETHER_ROBOT_ALLOWED_ENV_SECRETS).toBe('proxy');
    expect(env.AETHER_ROBOT_ALLOWED_SCHEDULING_FIELDS).toBe('tolerations,nodeSelector');
  });
});

describe('values are checked', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown top-level key', { replicas: 3 }, /additional properties 'replicas' not allowed|replicas/],
    ['an unknown nested key', { operator: { leaderElection: { enabled: true, lease: '15s' } } }, /lease/],
    ['a wrong type', { operator: { replicas: 'two' } }, /replicas/],
    ['a bad log level', { operator: { logLevel: 'verbose' } }, /logLevel/],
    ['a bad namespace name', { robots: { namespaces: ['Team_A'] } }, /namespaces/],
    ['an empty credential list', { robots: { credentialSecrets: { default: [] } } }, /credentialSecrets/],
    ['a bad pull policy', { image: { pullPolicy: 'Sometimes' } }, /pullPolicy/],
    ['credentials for a namespace without robots', { robots: { credentialSecrets: { elsewhere: ['x'] } } }, /not a robot namespace/],
    ['no database at all', { database: { existingSecret: { name: '' } } }, /database.existingSecret.name is needed/],
    ['a cluster range that is not a CIDR', { robots: { clusterCidrs: ['kube.local'] } }, /clusterCidrs/],
    ['a NetworkPolicy range that is not a CIDR', { networkPolicy: { allowedCidrs: [{ cidr: 'everywhere' }] } }, /allowedCidrs/],
    ['a scheduling field the operator does not know', { robots: { allowedSchedulingFields: ['affinity'] } }, /allowedSchedulingFields/],
    ['an allowed ServiceAccount that is not a name', { robots: { allowedServiceAccounts: ['Not A Name'] } }, /allowedServiceAccounts/],
    ['a bad NetworkPolicy port', { networkPolicy: { apiServer: { ports: [70000] } } }, /ports/],
    ['a ServiceMonitor without the metrics Service', { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } }, /metrics.service.enabled/],
  ])('rejects %s', (_name, values, message) => {
    expect(() => helmTemplate({ release, namespace, values })).toThrow(message);
  });

  test('the chart directory is what helm packages', () => {
    const r = helm(['show', 'chart', chartDir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^name: aether$/m);
  });
});

describe('RpaJob finalizer policy', () => {
  const kinds = ['MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'];
  const policyObjects = (objects: KubernetesObject[]) => objects.filter((o) => kinds.includes(o.kind ?? ''));
  type Spec = KubernetesObject & { spec: Record<string, unknown> };

  test('renders the api/admission specs on the newest served API version, bound to the watched namespaces', () => {
    const objects = renderChart({
      release,
      namespace,
      values: { operator: { watchNamespaces: ['team-a', 'team-b'] } },
      apiVersions: ['admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy'],
    });
    const name = `${release}-aether-${namespace}-rpajob-finalizer`;
    const policy = findOne<Spec>(objects, 'MutatingAdmissionPolicy', name);
    const binding = findOne<Spec>(objects, 'MutatingAdmissionPolicyBinding', name);
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(binding.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec).toEqual(finalizerPolicySpec());
    expect(binding.spec).toEqual(finalizerBindingSpec(name, ['team-a', 'team-b']));
  });

  test('v1beta1 where only that is served; unbound to namespaces when every namespace is watched', () => {
    const objects = renderChart({ release, namespace, apiVersions: ['admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy'] });
    const name = `${release}-aether-${namespace}-rpajob-finalizer`;
    expect(policyObjects(objects).map((o) => o.apiVersion)).toEqual(['admissionregistration.k8s.io/v1beta1', 'admissionregistration.k8s.io/v1beta1']);
    expect(findOne<Spec>(objects, 'MutatingAdmissionPolicyBinding', name).spec).toEqual(finalizerBindingSpec(name));
  });

  test('nothing where the API is not served, or when turned off', () => {
    expect(policyObjects(renderChart({ release, namespace }))).toEqual([]);
    const off = renderChart({ release, namespace, values: { operator: { finalizerPolicy: { enabled: false } } }, apiVersions: ['admissionregistration.k8s.io/v1/MutatingAdmissionPolicy'] });
    expect(policyObjects(off)).toEqual([]);
  });
});

describe('API server', () => {
  const component = (o: KubernetesObject) => o.metadata?.labels?.['app.kubernetes.io/component'];

  test('is off by default', () => {
    expect(renderChart({ release, namespace }).filter((o) => component(o) === 'apiserver')).toEqual([]);
  });

  test('on: a Deployment from the operator image whose env the API server accepts, a Service, and review-only RBAC plus RpaTriggers and their named key Secrets', () => {
    const objects = renderChart({ release, namespace, values: { apiServer: { enabled: true, tls: { secretName: 'aether-api-tls' } } } });
    const mine = objects.filter((o) => component(o) === 'apiserver');
    expect(mine.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service', 'ServiceAccount']);
    const d = findOne<V1Deployment>(mine, 'Deployment');
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.args).toEqual(['dist/api-server/src/main.js']);
    expect(c.image).toBe(findOne<V1Deployment>(objects, 'Deployment', `${release}-aether-operator`).spec!.template.spec!.containers[0]!.image);
    expect(pod.serviceAccountName).toBe(`${release}-aether-apiserver`);
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.AETHER_DATABASE_URL).toEqual({ secretKeyRef: { name: 'aether-database', key: 'url' } });
    // What the chart sets, the API server's own configuration parser accepts.
    const config = loadApiServerConfig({ ...Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')), AETHER_DATABASE_URL: 'postgres://u@db/aether' } as Record<string, string>);
    expect(config).toMatchObject({ port: 8443, tls: { certFile: '/etc/aether/tls/tls.crt', keyFile: '/etc/aether/tls/tls.key' }, watchNamespaces: [] });
    // Scoped like the operator: it serves (and writes the status of) only the watched namespaces' RpaTriggers.
    const scoped = findOne<V1Deployment>(
      renderChart({ release, namespace, values: { apiServer: { enabled: true }, operator: { watchNamespaces: ['team-a', 'team-b'] } } }),
      'Deployment',
      d.metadata!.name!,
    );
    const scopedEnv = scoped.spec!.template.spec!.containers[0]!.env ?? [];
    expect(scopedEnv.find((e) => e.name === 'AETHER_WATCH_NAMESPACE')?.value).toBe('team-a,team-b');
    expect(loadApiServerConfig({ AETHER_DATABASE_URL: 'postgres://u@db/aether', AETHER_WATCH_NAMESPACE: 'team-a,team-b' }).watchNamespaces).toEqual(['team-a', 'team-b']);
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'aether-api-tls' } });
    expect(c.readinessProbe?.httpGet?.scheme).toBe('HTTPS');
    const role = findOne<{ rules: Array<{ resources: string[]; verbs: string[] }> } & KubernetesObject>(mine, 'ClusterRole');
    expect(role.rules.map((r) => [r.resources, r.verbs])).toEqual([
      [['tokenreviews'], ['create']],
      [['subjectaccessreviews'], ['create']],
      [['rpajobs'], ['get', 'list', 'watch', 'create', 'delete', 'patch']],
      [['rpaworkflows'], ['get', 'list', 'patch']],
      [['robotpools'], ['get', 'list']],
      [['rpatriggers'], ['get', 'list', 'watch']],
      [['rpatriggers/status'], ['patch']],
      [['secrets'], ['get']],
    ]);
    // RpaTrigger keys: only Secrets of the names the values allow.
    expect(role.rules.find((r) => r.resources[0] === 'secrets')).toMatchObject({ resourceNames: ['aether-webhooks'] });
    const none = renderChart({ release, namespace, values: { apiServer: { enabled: true, webhooks: { secretNames: [] } } } });
    const noSecrets = findOne<{ rules: Array<{ resources: string[] }> } & KubernetesObject>(none.filter((o) => component(o) === 'apiserver'), 'ClusterRole');
    expect(noSecrets.rules.map((r) => r.resources[0])).not.toContain('secrets');
  });
});
