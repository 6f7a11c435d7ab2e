// Leader election against the real API server: two electors on one Lease.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Writable } from 'node:stream';
import { CoordinationV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../../api/log.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../../../e2e/harness/kubeclient.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { LeaderElector } from './leader-election.js';

const logger = createLogger({
  name: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

describe('LeaderElector', () => {
  let kc: KubeConfig;
  let ns: string;
  let leases: CoordinationV1Api;

  beforeAll(async () => {
    kc = testKubeConfig();
    leases = kc.makeApiClient(CoordinationV1Api);
    ns = await freshNamespace(kc, 'lease');
  });
  afterAll(async () => {
    await deleteNamespace(kc, ns);
  });

  function elector(
    identity: string,
    lease: string,
    timing: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number },
  ) {
    const log: string[] = [];
    const e = new LeaderElector(kc, {
      namespace: ns,
      name: lease,
      identity,
      logger,
      ...timing,
      onStartedLeading: () => log.push('started'),
      onStoppedLeading: () => log.push('stopped'),
    });
    return { e, log };
  }

  const holder = async (lease: string) =>
    (await leases.readNamespacedLease({ name: lease, namespace: ns })).spec?.holderIdentity;
  const leaderOf = (...es: LeaderElector[]) => es.filter((e) => e.isLeader).map((e) => e.identity);

  it('one of two candidates leads; when it dies without release the other takes over after the lease expires', async () => {
    const timing = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
    const a = elector('a', 'crash', timing);
    const b = elector('b', 'crash', timing);
    a.e.start();
    await waitFor('a leads', async () => (a.e.isLeader ? true : undefined));
    b.e.start();
    // b keeps trying for longer than a lease lasts: a renews, so b never gets it.
    await new Promise((r) => setTimeout(r, timing.leaseDurationMs + 1000));
    expect(leaderOf(a.e, b.e)).toEqual(['a']);
    expect(await holder('crash')).toBe('a');

    // Simulate a crash: a stops renewing and does not release (its loop is cut off, the lease stays).
    (a.e as unknown as { abort: AbortController }).abort.abort();
    const crashedAt = Date.now();
    await waitFor('b leads', async () => (b.e.isLeader ? true : undefined), { timeoutMs: 30_000 });
    const tookMs = Date.now() - crashedAt;
    expect(await holder('crash')).toBe('b');
    const lease = await leases.readNamespacedLease({ name: 'crash', namespace: ns });
    expect(lease.spec?.leaseTransitions).toBe(1);
    expect(lease.spec?.leaseDurationSeconds).toBe(4);
    // Takeover waits out the dead leader's lease: never sooner than the lease duration after b last saw a renewal.
    expect(tookMs).toBeGreaterThanOrEqual(timing.leaseDurationMs - timing.retryPeriodMs * 2);
    expect(b.log).toEqual(['started']);
    await b.e.stop();
  });

  it('a leader that stops releases the lease (holderIdentity cleared) and the other takes over at once', async () => {
    // A long lease: a takeover before it could expire proves the release.
    const timing = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 500 };
    const a = elector('a', 'release', timing);
    const b = elector('b', 'release', timing);
    a.e.start();
    await waitFor('a leads', async () => (a.e.isLeader ? true : undefined));
    b.e.start();
    await waitFor('b has seen the lease held by a', async () => ((await holder('release')) === 'a' ? true : undefined));

    const stoppedAt = Date.now();
    await a.e.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    expect(a.e.isLeader).toBe(false);
    await waitFor('b leads', async () => (b.e.isLeader ? true : undefined), { timeoutMs: 30_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(timing.leaseDurationMs);
    expect(await holder('release')).toBe('b');

    await b.e.stop();
    const released = await leases.readNamespacedLease({ name: 'release', namespace: ns });
    expect(released.spec?.holderIdentity ?? '').toBe('');
  });

  it('a leader that cannot renew within the renew deadline steps down', async () => {
    const timing = { leaseDurationMs: 4000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
    const a = elector('a', 'stolen', timing);
    a.e.start();
    await waitFor('a leads', async () => (a.e.isLeader ? true : undefined));
    // Someone else writes the lease as its own holder (as after a network partition healed).
    const lease = await leases.readNamespacedLease({ name: 'stolen', namespace: ns });
    const tick = setInterval(() => {
      void leases
        .readNamespacedLease({ name: 'stolen', namespace: ns })
        .then((l) =>
          leases.replaceNamespacedLease({
            name: 'stolen',
            namespace: ns,
            body: { ...l, spec: { ...l.spec, holderIdentity: 'intruder', renewTime: new V1MicroTime(Date.now()) } },
          }),
        )
        .catch(() => undefined);
    }, 100);
    try {
      expect(lease.spec?.holderIdentity).toBe('a');
      await waitFor('a steps down', async () => (a.log.includes('stopped') ? true : undefined), { timeoutMs: 30_000 });
      expect(a.e.isLeader).toBe(false);
    } finally {
      clearInterval(tick);
      await a.e.stop();
    }
  });

  // The wall clock of this process jumps (an NTP step, a resumed VM): Date (now() and new Date()) moves
  // by `ms` and goes on ticking in real time; timers and the monotonic clock are untouched.
  function jumpWallClock(ms: number): () => void {
    jest.useFakeTimers({
      now: Date.now() + ms,
      advanceTimers: true,
      doNotFake: ['hrtime', 'performance', 'nextTick', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
    return () => jest.useRealTimers();
  }

  it('a wall-clock jump forward on the candidate is no false take-over', async () => {
    // a renews every 2 s, b looks every 200 ms: b sees the same record many times between renewals.
    const a = elector('a', 'jump-forward', { leaseDurationMs: 6000, renewDeadlineMs: 5000, retryPeriodMs: 2000 });
    const b = elector('b', 'jump-forward', { leaseDurationMs: 6000, renewDeadlineMs: 5000, retryPeriodMs: 200 });
    a.e.start();
    await waitFor('a leads', async () => (a.e.isLeader ? true : undefined));
    b.e.start();
    await new Promise((r) => setTimeout(r, 500)); // b has seen a's lease
    const restore = jumpWallClock(3_600_000);
    try {
      await new Promise((r) => setTimeout(r, 2000));
      expect(leaderOf(a.e, b.e)).toEqual(['a']);
      expect(b.log).toEqual([]);
      expect(a.log).toEqual(['started']);
    } finally {
      restore();
      await b.e.stop();
      await a.e.stop();
    }
  });

  it('a wall-clock jump backward does not keep a dead leader\'s lease alive', async () => {
    const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
    const a = elector('a', 'jump-back', timing);
    const b = elector('b', 'jump-back', timing);
    a.e.start();
    await waitFor('a leads', async () => (a.e.isLeader ? true : undefined));
    b.e.start();
    await new Promise((r) => setTimeout(r, 1000));
    (a.e as unknown as { abort: AbortController }).abort.abort(); // a crashes without releasing
    await new Promise((r) => setTimeout(r, 1000)); // b has seen a's last record
    const restore = jumpWallClock(-3_600_000);
    try {
      await waitFor('b leads', async () => (b.e.isLeader ? true : undefined), { timeoutMs: 15_000 });
      expect(await holder('jump-back')).toBe('b');
    } finally {
      restore();
      await b.e.stop();
    }
  });
});
