// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the lease
// when it is free or its holder has not renewed it for leaseDuration (measured on the candidate's own
// monotonic clock from when it last saw the lease change, so neither clock skew between nodes nor a
// wall-clock jump matters: lease-observation.ts); the leader renews every retryPeriod and gives up if it
// cannot renew within renewDeadline (monotonic too); on shutdown it clears holderIdentity so a candidate
// takes over at once. Wall-clock time is only written into the Lease (acquireTime, renewTime).
import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import type { Logger } from '../../../api/log.js';
import { isConflict, isNotFound } from './api-errors.js';
import { sleep } from './clock.js';
import { LeaseObservation, systemElectionClock, type ElectionClock } from './lease-observation.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** Lease name, e.g. aether-operator. */
  name: string;
  identity: string;
  /** Default 15 s. */
  leaseDurationMs?: number;
  /** Default 10 s. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryPeriodMs?: number;
  logger: Logger;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  /** Monotonic time for every decision, wall-clock time only for the Lease's timestamps. Tests pass their own. */
  clock?: ElectionClock;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`lease request timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly opts: Required<
    Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader' | 'clock'>
  > &
    Pick<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader'>;
  private readonly abort = new AbortController();
  private readonly clock: ElectionClock;
  private readonly observation: LeaseObservation;
  private lastLeader: string | undefined;
  private leading = false;
  private loop: Promise<void> | undefined;

  constructor(kc: KubeConfig, opts: LeaderElectionOptions) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
    this.clock = opts.clock ?? systemElectionClock;
    this.observation = new LeaseObservation(() => this.clock.monotonicMs());
    if (this.opts.renewDeadlineMs >= this.opts.leaseDurationMs)
      throw new Error('renewDeadline must be shorter than the lease duration');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get identity(): string {
    return this.opts.identity;
  }

  /** Starts campaigning in the background; after losing the lease it campaigns again. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader releases the lease so another candidate takes over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.release();
      this.opts.onStoppedLeading?.();
    }
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.tryAcquireOrRenew())) {
        await sleep(this.opts.retryPeriodMs * (1 + Math.random() * 0.2), this.abort.signal);
        continue;
      }
      this.leading = true;
      this.opts.logger.info({ identity: this.opts.identity, lease: this.opts.name }, 'became leader');
      this.opts.onStartedLeading?.();
      await this.renewUntilLost();
      if (this.stopped) return; // stop() releases and reports
      this.leading = false;
      this.opts.logger.warn({ identity: this.opts.identity, lease: this.opts.name }, 'lost leadership');
      this.opts.onStoppedLeading?.();
    }
  }

  private async renewUntilLost(): Promise<void> {
    while (!this.stopped) {
      await sleep(this.opts.retryPeriodMs, this.abort.signal);
      if (this.stopped) return;
      // Monotonic: a wall-clock jump neither cuts the renew deadline short nor stretches it.
      const deadline = this.clock.monotonicMs() + this.opts.renewDeadlineMs;
      const left = () => deadline - this.clock.monotonicMs();
      let renewed = false;
      while (!this.stopped && left() > 0) {
        if (await this.tryAcquireOrRenew(left())) {
          renewed = true;
          break;
        }
        await sleep(Math.min(this.opts.retryPeriodMs, Math.max(0, left())), this.abort.signal);
      }
      if (!renewed && !this.stopped) return;
    }
  }

  private record(prev: V1LeaseSpec | undefined, now: Date): V1LeaseSpec {
    const mine = prev?.holderIdentity === this.opts.identity;
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
      acquireTime:
        mine && prev?.acquireTime
          ? new V1MicroTime(new Date(prev.acquireTime).getTime())
          : new V1MicroTime(now.getTime()),
      renewTime: new V1MicroTime(now.getTime()),
      leaseTransitions: mine ? (prev?.leaseTransitions ?? 0) : (prev?.leaseTransitions ?? -1) + 1,
    };
  }

  private observe(spec: V1LeaseSpec | undefined): void {
    this.observation.observe(spec);
    const holder = spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.lastLeader) {
      this.lastLeader = holder;
      this.opts.onNewLeader?.(holder);
    }
  }

  /** One attempt to take or keep the lease; false when someone else holds it or the write lost a race. */
  private async tryAcquireOrRenew(timeoutMs = this.opts.renewDeadlineMs): Promise<boolean> {
    const { namespace, name } = this.opts;
    const now = new Date(this.clock.wallMs());
    try {
      let lease: V1Lease;
      try {
        lease = await withTimeout(this.api.readNamespacedLease({ name, namespace }), timeoutMs);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const spec = this.record(undefined, now);
        await withTimeout(
          this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } }),
          timeoutMs,
        );
        this.observe(spec);
        return true;
      }
      this.observe(lease.spec);
      if (!this.observation.mayAcquire(lease.spec, this.opts.identity, this.opts.leaseDurationMs)) return false;
      const spec = this.record(lease.spec, now);
      // replace carries metadata.resourceVersion: a concurrent writer makes this fail with 409.
      await withTimeout(this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } }), timeoutMs);
      this.observe(spec);
      return true;
    } catch (err) {
      if (!isConflict(err)) this.opts.logger.warn({ err, lease: name }, 'lease update failed');
      return false;
    }
  }

  private async release(): Promise<void> {
    const { namespace, name } = this.opts;
    try {
      const lease = await withTimeout(this.api.readNamespacedLease({ name, namespace }), this.opts.renewDeadlineMs);
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = new V1MicroTime(this.clock.wallMs());
      const spec: V1LeaseSpec = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.spec?.leaseTransitions ?? 0,
      };
      await withTimeout(
        this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } }),
        this.opts.renewDeadlineMs,
      );
      this.opts.logger.info({ identity: this.opts.identity, lease: name }, 'released leadership');
    } catch (err) {
      this.opts.logger.warn({ err, lease: name }, 'lease release failed; it expires on its own');
    }
  }
}
