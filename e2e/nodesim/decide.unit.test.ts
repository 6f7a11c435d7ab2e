import type { V1Container, V1Pod } from '@kubernetes/client-node';
import {
  afterExit,
  commandForContainer,
  envReferences,
  exitCodeOf,
  expandVars,
  gracePeriodSeconds,
  imageRepository,
  podStatus,
  resolveEnv,
  restartDelayMs,
  shouldBind,
} from './decide.js';

const pod = (
  over: { spec?: Partial<NonNullable<V1Pod['spec']>>; metadata?: V1Pod['metadata']; status?: V1Pod['status'] } = {},
): V1Pod => ({
  metadata: { name: 'p1', namespace: 'ns1', uid: 'u-1', labels: { app: 'robot' }, ...over.metadata },
  spec: { containers: [{ name: 'main', image: 'aether.dev/robot:1' }], ...over.spec },
  status: over.status,
});

describe('imageRepository', () => {
  it.each([
    ['aether.dev/robot', 'aether.dev/robot'],
    ['aether.dev/robot:1.2', 'aether.dev/robot'],
    ['localhost:5000/robot:dev', 'localhost:5000/robot'],
    ['localhost:5000/robot', 'localhost:5000/robot'],
    ['robot@sha256:abc', 'robot'],
    ['reg.io/a/b:t@sha256:abc', 'reg.io/a/b'],
  ])('%s -> %s', (image, repo) => expect(imageRepository(image)).toBe(repo));
});

describe('commandForContainer', () => {
  const table = { 'aether.dev/robot': { command: 'node', args: ['robot.js'], cwd: '/r' }, 'x:2': { command: 'two' } };
  const c = (over: Partial<V1Container>): V1Container => ({ name: 'main', ...over });
  it.each<[string, Partial<V1Container>, unknown]>([
    [
      'repository match keeps default args',
      { image: 'aether.dev/robot:9' },
      { command: 'node', args: ['robot.js'], cwd: '/r' },
    ],
    [
      'Pod args replace default args',
      { image: 'aether.dev/robot', args: ['--x'] },
      { command: 'node', args: ['--x'], cwd: '/r' },
    ],
    ['exact tag match wins', { image: 'x:2' }, { command: 'two', args: [] }],
    ['unknown image', { image: 'nginx' }, { error: expect.stringContaining('"nginx" is not in') }],
    [
      'command override refused',
      { image: 'aether.dev/robot', command: ['sh'] },
      { error: expect.stringContaining('sets command') },
    ],
  ])('%s', (_n, container, want) => expect(commandForContainer(table, c(container))).toEqual(want));
});

describe('shouldBind', () => {
  const node = { name: 'sim-1', labels: { 'kubernetes.io/hostname': 'sim-1', pool: 'a' } };
  it.each<[string, V1Pod, { namespace?: string; claimUnselected: boolean }, boolean]>([
    ['unselected pod, claiming', pod(), { claimUnselected: true }, true],
    ['unselected pod, not claiming', pod(), { claimUnselected: false }, false],
    [
      'selector matches',
      pod({ spec: { containers: [], nodeSelector: { pool: 'a' } } }),
      { claimUnselected: false },
      true,
    ],
    [
      'selector differs',
      pod({ spec: { containers: [], nodeSelector: { pool: 'b' } } }),
      { claimUnselected: true },
      false,
    ],
    [
      'selector key missing on node',
      pod({ spec: { containers: [], nodeSelector: { gpu: 'yes' } } }),
      { claimUnselected: true },
      false,
    ],
    ['already bound', pod({ spec: { containers: [], nodeName: 'other' } }), { claimUnselected: true }, false],
    [
      'being deleted',
      pod({ metadata: { name: 'p', namespace: 'ns1', deletionTimestamp: new Date() } }),
      { claimUnselected: true },
      false,
    ],
    ['other namespace', pod(), { namespace: 'ns2', claimUnselected: true }, false],
    ['same namespace', pod(), { namespace: 'ns1', claimUnselected: true }, true],
    ['finished pod', pod({ status: { phase: 'Failed' } }), { claimUnselected: true }, false],
  ])('%s', (_n, p, opts, want) => expect(shouldBind(p, node, opts)).toBe(want));
});

describe('afterExit', () => {
  it.each<[string | undefined, number, string]>([
    [undefined, 0, 'restart'],
    ['Always', 0, 'restart'],
    ['Always', 1, 'restart'],
    ['OnFailure', 0, 'Succeeded'],
    ['OnFailure', 2, 'restart'],
    ['Never', 0, 'Succeeded'],
    ['Never', 137, 'Failed'],
  ])('policy %s, exit %d -> %s', (policy, code, want) => expect(afterExit(policy, code)).toBe(want));
});

describe('restartDelayMs / exitCodeOf / gracePeriodSeconds', () => {
  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [10, 5000],
  ])('restart %d waits %d ms', (n, ms) => expect(restartDelayMs(n, 500, 5000)).toBe(ms));
  it.each<[number | null, NodeJS.Signals | null, number]>([
    [0, null, 0],
    [3, null, 3],
    [null, 'SIGKILL', 137],
    [null, 'SIGTERM', 143],
  ])('exit %s / %s -> %d', (code, sig, want) => expect(exitCodeOf(code, sig)).toBe(want));
  it.each<[V1Pod, number]>([
    [pod(), 30],
    [pod({ spec: { containers: [], terminationGracePeriodSeconds: 5 } }), 5],
    [
      pod({ spec: { containers: [], terminationGracePeriodSeconds: 5 }, metadata: { deletionGracePeriodSeconds: 0 } }),
      0,
    ],
  ])('grace period %#', (p, want) => expect(gracePeriodSeconds(p)).toBe(want));
});

describe('expandVars', () => {
  it.each([
    ['$(A)-x', { A: '1' }, '1-x'],
    ['$(B)', { A: '1' }, '$(B)'],
    ['$$(A)', { A: '1' }, '$(A)'],
    ['plain', {}, 'plain'],
  ])('%s', (v, defined, want) => expect(expandVars(v, defined)).toBe(want));
});

describe('resolveEnv', () => {
  const container: V1Container = {
    name: 'main',
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
    env: [
      { name: 'PLAIN', value: 'p' },
      { name: 'DERIVED', value: '$(PLAIN)-$(CFG_mode)' },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'OPT', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
    ],
  };

  it('lists the Secrets and ConfigMaps it needs', () => {
    expect(envReferences(container)).toEqual({ secrets: ['creds', 'nope'], configMaps: ['cfg'] });
  });

  it('resolves every kind of reference', () => {
    const r = resolveEnv(pod(), container, {
      secrets: { creds: { password: 's3cret' }, nope: undefined },
      configMaps: { cfg: { mode: 'fast' } },
    });
    expect(r).toEqual({
      errors: [],
      env: {
        CFG_mode: 'fast',
        PLAIN: 'p',
        DERIVED: 'p-fast',
        PASSWORD: 's3cret',
        MODE: 'fast',
        POD: 'p1',
        NS: 'ns1',
        APP: 'robot',
      },
    });
  });

  it('reports every missing source at once', () => {
    const r = resolveEnv(pod(), container, { secrets: { creds: { other: 'x' } }, configMaps: {} });
    expect(r.errors).toEqual([
      'configmap "cfg" not found',
      "couldn't find key password in secret creds",
      'configmap "cfg" not found',
    ]);
    expect(r.env).not.toHaveProperty('PASSWORD');
  });

  it('refuses unsupported field paths', () => {
    const c: V1Container = {
      name: 'm',
      env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'status.hostIPs' } } }],
    };
    expect(resolveEnv(pod(), c, { secrets: {}, configMaps: {} }).errors).toEqual([
      'fieldRef status.hostIPs is not supported by the node simulator',
    ]);
  });
});

describe('podStatus', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('running and ready', () => {
    const s = podStatus(pod(), { state: { kind: 'running', startedAt: now, pid: 42 }, restartCount: 0, now });
    expect(s.phase).toBe('Running');
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(s.containerStatuses?.[0]).toMatchObject({
      name: 'main',
      ready: true,
      started: true,
      containerID: 'nodesim://42',
      state: { running: { startedAt: now } },
    });
  });
  it('failed keeps the exit code and is not ready', () => {
    const s = podStatus(pod(), {
      state: { kind: 'terminated', exitCode: 3, reason: 'Error', finishedAt: now },
      restartCount: 1,
      phase: 'Failed',
      now,
    });
    expect(s.phase).toBe('Failed');
    expect(s.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(s.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });
  it('keeps lastTransitionTime while a condition does not change', () => {
    const earlier = new Date('2025-12-31T00:00:00Z');
    const p = pod({ status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: earlier }] } });
    const s = podStatus(p, { state: { kind: 'running', startedAt: now, pid: 1 }, restartCount: 0, now });
    expect(s.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toEqual(earlier);
    expect(s.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toEqual(now);
  });
});
