import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1EnvVar,
  type V1Pod,
} from '@kubernetes/client-node';
import { deleteNamespace, freshNamespace, testKubeConfig, waitFor } from '../harness/kube.js';
import { TEST_SLEEPER_IMAGE, testImages } from '../nodesim/images.js';
import { NodeSimulator } from '../nodesim/simulator.js';

const isReady = (p: V1Pod | undefined) =>
  p?.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('node simulator', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns: string;
  let sim: NodeSimulator;
  let markers: string;

  const readPod = async (name: string) => {
    try {
      return await core.readNamespacedPod({ name, namespace: ns });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  };
  const started = (pod: string) =>
    JSON.parse(readFileSync(join(markers, `${pod}.started.json`), 'utf8')) as Record<string, unknown> & { pid: number };
  const sleeperEnv = (extra: V1EnvVar[] = []): V1EnvVar[] => [
    { name: 'MARKER_DIR', value: markers },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ...extra,
  ];
  const createSleeper = (name: string, opts: { env?: V1EnvVar[]; grace?: number; restartPolicy?: string } = {}) =>
    core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name },
        spec: {
          restartPolicy: opts.restartPolicy ?? 'Always',
          terminationGracePeriodSeconds: opts.grace ?? 10,
          containers: [{ name: 'main', image: `${TEST_SLEEPER_IMAGE}:latest`, env: sleeperEnv(opts.env) }],
        },
      },
    });

  beforeAll(async () => {
    kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    ns = await freshNamespace(kc, 'smoke-nodesim');
    markers = mkdtempSync(join(tmpdir(), 'aether-markers-'));
    sim = new NodeSimulator({
      kubeConfig: kc,
      nodeName: `sim-${ns}`,
      namespace: ns,
      images: testImages(),
      restartBackoffMs: { base: 200, max: 1000 },
    });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await deleteNamespace(kc, ns);
    rmSync(markers, { recursive: true, force: true });
  });

  it('registers a Ready Node', async () => {
    const node = await core.readNode({ name: sim.nodeName });
    expect(node.metadata?.labels?.['kubernetes.io/hostname']).toBe(sim.nodeName);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.status?.allocatable?.pods).toBe('110');
  });

  it('binds a Pod, runs its process with resolved env, and stops it gracefully on deletion', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'creds' }, stringData: { password: 'hunter2' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'cfg' }, data: { greeting: 'hello' } },
    });
    await createSleeper('sleeper-a', {
      env: [
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
        { name: 'SECRET_VALUE', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      ],
    });

    const pod = await waitFor('sleeper-a Running and Ready', async () => {
      const p = await readPod('sleeper-a');
      return isReady(p) ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe(sim.nodeName);
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'main', ready: true, restartCount: 0 });

    const info = await waitFor('the marker file', async () =>
      existsSync(join(markers, 'sleeper-a.started.json')) ? started('sleeper-a') : undefined,
    );
    expect(info).toMatchObject({
      pod: 'sleeper-a',
      namespace: ns,
      greeting: 'hello',
      secretSha256: createHash('sha256').update('hunter2').digest('hex'),
      kubeconfig: true,
    });
    expect(alive(info.pid)).toBe(true);

    await core.deleteNamespacedPod({ name: 'sleeper-a', namespace: ns });
    await waitFor('sleeper-a to be removed', async () => ((await readPod('sleeper-a')) ? undefined : true));
    expect(readFileSync(join(markers, 'sleeper-a.sigterm'), 'utf8').trim()).toBe(String(info.pid));
    expect(alive(info.pid)).toBe(false);
    expect(readFileSync(sim.podLogFile(ns, 'sleeper-a'), 'utf8')).toContain('sleeper sleeper-a got SIGTERM');
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    await createSleeper('stubborn', { env: [{ name: 'IGNORE_SIGTERM', value: '1' }], grace: 1 });
    await waitFor('stubborn Ready', async () => (isReady(await readPod('stubborn')) ? true : undefined));
    const info = await waitFor('the marker file', async () =>
      existsSync(join(markers, 'stubborn.started.json')) ? started('stubborn') : undefined,
    );
    await core.deleteNamespacedPod({ name: 'stubborn', namespace: ns });
    await waitFor('stubborn to be removed', async () => ((await readPod('stubborn')) ? undefined : true));
    expect(existsSync(join(markers, 'stubborn.sigterm'))).toBe(true);
    expect(alive(info.pid)).toBe(false);
  });

  it('applies the restart policy when the process exits', async () => {
    await createSleeper('once', {
      restartPolicy: 'Never',
      env: [
        { name: 'EXIT_AFTER_MS', value: '50' },
        { name: 'EXIT_CODE', value: '3' },
      ],
    });
    await createSleeper('again', {
      restartPolicy: 'Always',
      env: [
        { name: 'EXIT_AFTER_MS', value: '50' },
        { name: 'EXIT_CODE', value: '1' },
      ],
    });

    const failed = await waitFor('once to fail', async () => {
      const p = await readPod('once');
      return p?.status?.phase === 'Failed' ? p : undefined;
    });
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);

    const restarted = await waitFor('again to restart twice', async () => {
      const p = await readPod('again');
      return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    });
    expect(restarted.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
    expect(readFileSync(join(markers, 'again.starts'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);
  });

  it('reports a Pod whose image it cannot run, and one whose Secret is missing', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'unknown-image' }, spec: { containers: [{ name: 'main', image: 'nginx:1' }] } },
    });
    await createSleeper('no-secret', {
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }],
    });
    const waiting = async (name: string) =>
      waitFor(`${name} waiting`, async () => {
        const w = (await readPod(name))?.status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason ? w : undefined;
      });
    expect(await waiting('unknown-image')).toMatchObject({
      reason: 'ErrImageNeverPull',
      message: expect.stringContaining('nginx:1'),
    });
    expect(await waiting('no-secret')).toMatchObject({
      reason: 'CreateContainerConfigError',
      message: 'secret "absent" not found',
    });

    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'absent' }, stringData: { k: 'v' } },
    });
    await waitFor('no-secret to start once its Secret exists', async () =>
      isReady(await readPod('no-secret')) ? true : undefined,
    );
  });

  it('runs the Pods of a Deployment until it is available', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const labels = { app: 'sleepers' };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'sleepers' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 5,
              containers: [{ name: 'main', image: TEST_SLEEPER_IMAGE, env: sleeperEnv() }],
            },
          },
        },
      },
    });
    await waitFor('the Deployment to have 2 available replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'sleepers', namespace: ns });
      return d.status?.availableReplicas === 2 ? true : undefined;
    });
    await apps.patchNamespacedDeploymentScale(
      { name: 'sleepers', namespace: ns, body: { spec: { replicas: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('one Pod left after scaling down', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=sleepers' });
      return pods.items.length === 1 && isReady(pods.items[0]) ? true : undefined;
    });
  });
});
