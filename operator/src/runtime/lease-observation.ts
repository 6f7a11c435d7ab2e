// Whether another holder's Lease has run out, judged as client-go judges it: by how long WE have seen the
// lease record unchanged, on a monotonic clock. The record's renewTime is the holder's wall clock (another
// node's, possibly skewed, possibly jumping); it only tells us that the record changed. Wall-clock time is
// used for what is written into the Lease, never for a decision.
import { performance } from 'node:perf_hooks';
import type { V1LeaseSpec } from '@kubernetes/client-node';

export interface ElectionClock {
  /** Monotonic milliseconds (never jumps): every duration and deadline. */
  monotonicMs(): number;
  /** Wall-clock milliseconds since the epoch: only the timestamps written into the Lease. */
  wallMs(): number;
}

export const systemElectionClock: ElectionClock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
};

function sameRecord(a: V1LeaseSpec | undefined, b: V1LeaseSpec | undefined): boolean {
  const t = (d: Date | undefined) => (d ? new Date(d).getTime() : undefined);
  return (
    a?.holderIdentity === b?.holderIdentity &&
    t(a?.renewTime) === t(b?.renewTime) &&
    t(a?.acquireTime) === t(b?.acquireTime) &&
    a?.leaseTransitions === b?.leaseTransitions &&
    a?.leaseDurationSeconds === b?.leaseDurationSeconds
  );
}

export class LeaseObservation {
  private seen = false;
  private record: V1LeaseSpec | undefined;
  /** Monotonic time at which the current record was first seen. */
  private seenAt = 0;

  constructor(private readonly monotonicMs: () => number) {}

  /** Notes what the Lease says now; a changed record restarts its holder's time. */
  observe(spec: V1LeaseSpec | undefined): void {
    if (!this.seen || !sameRecord(spec, this.record)) {
      this.seen = true;
      this.record = spec;
      this.seenAt = this.monotonicMs();
    }
  }

  /**
   * Whether `identity` may write itself into the Lease described by `spec` (already observed): it is free,
   * already ours, or its holder has left it unchanged for its lease duration as measured here.
   */
  mayAcquire(spec: V1LeaseSpec | undefined, identity: string, defaultDurationMs: number): boolean {
    const holder = spec?.holderIdentity ?? '';
    if (holder === '' || holder === identity) return true;
    const durationMs = spec?.leaseDurationSeconds !== undefined ? spec.leaseDurationSeconds * 1000 : defaultDurationMs;
    return this.monotonicMs() - this.seenAt >= durationMs;
  }
}
