import { describe, expect, it } from '@jest/globals';
import { RobotPoolSpec } from '../../../../api/v1alpha1/index.js';
import { deploymentName, imageVersion, labelValue, robotDeployment, selectorString } from './deployment.js';
import { decidePoolReplicas, deletionCosts, recheckAfterMs } from './scaling.js';

const pool = { name: 'checkout', namespace: 'rpa', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' };
const defaults = { serviceAccountName: 'aether-robot', databaseSecret: { name: 'aether-database', key: 'url' } };
type Container = { env: Array<{ name: string; value?: string; valueFrom?: unknown }>; image: string };
const container = (d: Record<string, unknown>) => ((d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!);

describe('imageVersion', () => {
  it.each([
    ['ghcr.io/aether/robot:0.4.2', '0.4.2'],
    ['localhost:5000/robot:dev-3', 'dev-3'],
    ['localhost:5000/robot', 'latest'],
    ['robot@sha256:0123456789abcdef0123', 'sha256:0123456789ab'],
    ['robot:1.2@sha256:0123456789abcdef0123', 'sha256:0123456789ab'],
  ])('%s reports %s', (image, version) => expect(imageVersion(image)).toBe(version));
});

describe('robotDeployment', () => {
  const spec = RobotPoolSpec.parse({ image: 'robot:1', concurrencyPerRobot: 3, env: [{ name: 'AETHER_METRICS_PORT', value: '0' }, { name: 'X', value: 'y' }] });
  const d = robotDeployment(pool, spec, 2, defaults);

  it('is owned by the pool and selects its robots', () => {
    const meta = d.metadata as { name: string; ownerReferences: unknown[]; annotations: Record<string, string> };
    expect(meta.name).toBe('checkout-robot');
    expect(meta.ownerReferences).toEqual([expect.objectContaining({ kind: 'RobotPool', name: 'checkout', uid: pool.uid, controller: true })]);
    expect((d.spec as { replicas: number }).replicas).toBe(2);
    expect(selectorString('checkout')).toBe('app.kubernetes.io/part-of=aether,app.kubernetes.io/component=robot,rpa.aether.dev/pool=checkout');
  });

  it('gives the robot its env: database Secret, pool, namespace and pod name, concurrency; a user variable replaces ours', () => {
    const env = container(d).env;
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.AETHER_DATABASE_URL!.valueFrom).toEqual({ secretKeyRef: { name: 'aether-database', key: 'url' } });
    expect(byName.AETHER_POOL!.value).toBe('checkout');
    expect(byName.AETHER_NAMESPACE!.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(byName.AETHER_POD_NAME!.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(byName.AETHER_CONCURRENCY!.value).toBe('3');
    expect(byName.AETHER_ROBOT_VERSION!.value).toBe('1');
    expect(byName.AETHER_METRICS_PORT!.value).toBe('0');
    expect(env.filter((e) => e.name === 'AETHER_METRICS_PORT')).toHaveLength(1); // one entry per name (server-side apply)
    expect(byName.HOME!.value).toBe('/tmp');
  });

  it("with per-namespace roles reads the operator-issued Secret: the role's URL and its DBOS schema, which the robot does not migrate", () => {
    const issued = robotDeployment(pool, spec, 1, { ...defaults, databaseSecret: { name: 'aether-robot-database', key: 'url' }, issuedSecret: true });
    const byName = Object.fromEntries(container(issued).env.map((e) => [e.name, e]));
    expect(byName.AETHER_DATABASE_URL!.valueFrom).toEqual({ secretKeyRef: { name: 'aether-robot-database', key: 'url' } });
    expect(byName.AETHER_DBOS_SCHEMA!.valueFrom).toEqual({ secretKeyRef: { name: 'aether-robot-database', key: 'dbosSchema' } });
    expect(byName.AETHER_DBOS_MIGRATE!.value).toBe('false');
    // Shared roles: DBOS as before (its default schema, migrated at launch).
    expect(container(d).env.map((e) => e.name)).not.toContain('AETHER_DBOS_SCHEMA');
  });

  it('runs robots under Pod Security "restricted": non-root 10001, read-only root with /tmp and /dev/shm emptyDirs, no escalation, seccomp, drop ALL', () => {
    const podSpec = (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(podSpec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect((container(d) as unknown as { securityContext: unknown }).securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec.volumes).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'dshm', emptyDir: { medium: 'Memory' } },
    ]);
  });

  it('drops runtime-changing env names even if a pool got past the allow-list check (defence in depth)', () => {
    const hostile = RobotPoolSpec.parse({ image: 'robot:1', env: [{ name: 'NODE_OPTIONS', value: '--require x' }, { name: 'LD_PRELOAD', value: 'x.so' }, { name: 'AETHER_DATABASE_URL', value: 'postgres://evil/db' }] });
    const env = container(robotDeployment(pool, hostile, 1, defaults)).env;
    expect(env.map((e) => e.name)).not.toEqual(expect.arrayContaining(['NODE_OPTIONS']));
    expect(env.find((e) => e.name === 'LD_PRELOAD')).toBeUndefined();
    expect(env.find((e) => e.name === 'AETHER_DATABASE_URL')!.valueFrom).toEqual({ secretKeyRef: { name: 'aether-database', key: 'url' } });
  });

  it("passes the pool's egress exceptions and the cluster's ranges to the robot; a user env variable cannot replace them", () => {
    const envOf = (x: Record<string, unknown>) => Object.fromEntries(container(x).env.map((e) => [e.name, e.value]));
    expect(envOf(d).AETHER_NETWORK_ALLOW).toBe('[]');
    expect(envOf(d)).not.toHaveProperty('AETHER_CLUSTER_CIDRS');
    const allowing = RobotPoolSpec.parse({
      image: 'robot:1',
      network: { allow: ['10.1.0.0/16', 'reports.svc:8443'] },
      env: [
        { name: 'AETHER_NETWORK_ALLOW', value: '["0.0.0.0/0"]' },
        { name: 'AETHER_CLUSTER_CIDRS', value: '' },
      ],
    });
    const withCidrs = robotDeployment(pool, allowing, 1, { ...defaults, clusterCidrs: ['10.96.0.0/12', '10.244.0.0/16'] });
    const env = container(withCidrs).env;
    expect(env.filter((e) => e.name === 'AETHER_NETWORK_ALLOW')).toEqual([{ name: 'AETHER_NETWORK_ALLOW', value: '["10.1.0.0/16","reports.svc:8443"]' }]);
    expect(env.filter((e) => e.name === 'AETHER_CLUSTER_CIDRS')).toEqual([{ name: 'AETHER_CLUSTER_CIDRS', value: '10.96.0.0/12,10.244.0.0/16' }]);
  });

  it("passes the pool's artifact caps (spec.artifacts) to the robot, and none when the pool sets none", () => {
    const envOf = (x: Record<string, unknown>) => Object.fromEntries(container(x).env.map((e) => [e.name, e.value]));
    expect(envOf(d)).not.toHaveProperty('AETHER_ARTIFACT_MAX_FILE_BYTES');
    const capped = RobotPoolSpec.parse({ image: 'robot:1', artifacts: { maxFileBytes: 1048576, maxJobBytes: 8388608 } });
    expect(envOf(robotDeployment(pool, capped, 1, defaults))).toMatchObject({ AETHER_ARTIFACT_MAX_FILE_BYTES: '1048576', AETHER_ARTIFACT_MAX_JOB_BYTES: '8388608' });
  });

  it('changes its hash when replicas or the pod template change, and only then', () => {
    const hash = (x: Record<string, unknown>) => (x.metadata as { annotations: Record<string, string> }).annotations['rpa.aether.dev/deployment-hash'];
    expect(hash(robotDeployment(pool, spec, 2, defaults))).toBe(hash(d));
    expect(hash(robotDeployment(pool, spec, 3, defaults))).not.toBe(hash(d));
    expect(hash(robotDeployment(pool, { ...spec, image: 'robot:2' }, 2, defaults))).not.toBe(hash(d));
  });

  it('keeps names and label values within Kubernetes limits', () => {
    const long = 'a'.repeat(100);
    expect(labelValue(long).length).toBeLessThanOrEqual(63);
    expect(labelValue(long)).not.toBe(labelValue('a'.repeat(99)));
    expect(labelValue('short')).toBe('short');
    expect(deploymentName('x'.repeat(250)).length).toBeLessThanOrEqual(253);
  });
});

describe('decidePoolReplicas', () => {
  const depth = (ready: number, running = 0) => ({ ready, delayed: 0, running });
  const auto = (extra: Record<string, unknown> = {}) => RobotPoolSpec.parse({ image: 'r', concurrencyPerRobot: 2, autoscaling: { minReplicas: 0, maxReplicas: 5, ...extra } });
  it.each<[string, ReturnType<typeof auto>, number, ReturnType<typeof depth>, number, string]>([
    ['work arrives for an empty pool', auto(), 0, depth(3), 2, 'ScaleFromZero'],
    ['ready and running both count', auto(), 2, depth(3, 3), 3, 'DesiredWithinRange'],
    ['capped by maxReplicas', auto(), 4, depth(40), 5, 'TooManyReplicas'],
    ['jobsPerRobot overrides the concurrency', auto({ jobsPerRobot: 1 }), 0, depth(3), 3, 'ScaleFromZero'],
    ['manual: spec.replicas', RobotPoolSpec.parse({ image: 'r', replicas: 4, autoscaling: { enabled: false, maxReplicas: 9 } }), 1, depth(100), 4, 'ManualScaling'],
    ['manual without replicas: one robot', RobotPoolSpec.parse({ image: 'r' }), 0, depth(0), 1, 'ManualScaling'],
  ])('%s', (_n, spec, current, d, desired, reason) => {
    const got = decidePoolReplicas({ spec, current, depth: d, history: undefined, now: 1_000_000 });
    expect([got.desired, got.reason]).toEqual([desired, reason]);
  });
  it('keeps the scaler history only when autoscaling', () => {
    expect(decidePoolReplicas({ spec: auto(), current: 0, depth: depth(1), history: undefined, now: 1 }).history).toBeDefined();
    expect(decidePoolReplicas({ spec: RobotPoolSpec.parse({ image: 'r' }), current: 0, depth: depth(1), history: undefined, now: 1 }).history).toBeUndefined();
  });
});

describe('deletionCosts', () => {
  it('idle robots cost 0, busy ones the jobs they hold; unchanged annotations are not rewritten', () => {
    const pods = [
      { name: 'a', cost: undefined },
      { name: 'b', cost: '0' },
      { name: 'c', cost: '1' },
    ];
    expect(deletionCosts(pods, new Map([['c', 2]]))).toEqual([
      { name: 'a', cost: '0' },
      { name: 'c', cost: '2' },
    ]);
  });
});

describe('recheckAfterMs', () => {
  it.each<[number, number, number, number, number]>([
    [0, 0, 0, 0, 60_000],
    [1, 0, 0, 0, 5_000],
    [0, 0, 1, 1, 5_000],
    [0, 0, 0, 1, 5_000],
  ])('ready=%p running=%p current=%p desired=%p -> %p', (ready, running, current, desired, ms) => {
    expect(recheckAfterMs({ ready, delayed: 0, running }, current, desired)).toBe(ms);
  });
});
