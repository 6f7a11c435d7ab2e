// The consumer's own liveness bound: the parts of a job's task that only talk to PostgreSQL (its claim,
// and the record of how its handler ended) are each bounded by the pools' timeouts (api/db/pool.ts: a
// connect, a statement, a query), so one still pending long past them means a promise that will never
// settle. The robot then stops (fenced 'stalled', exit 3): its jobs go to other robots through the
// sweeper, instead of staying locked by a live process that heartbeats but never finishes them. A chaos
// run once left a job locked this way after a PostgreSQL restart, on a robot that kept heartbeating.
//
// The handler's own run is not watched here: it is bounded by the job's timeouts and abort signals.

export type TaskPhase = 'claim' | 'record';

export interface StallLimits {
  /** The claim: a slot's batched read of the run (and at most one re-read). */
  claimMs: number;
  /** The record: one batched write, or one short transaction. */
  recordMs: number;
}

/** Several times what the default pool timeouts allow for the statements of each phase. */
export const DEFAULT_STALL_LIMITS: StallLimits = { claimMs: 90_000, recordMs: 120_000 };

export interface Stall {
  graphileJobId: string;
  phase: TaskPhase;
  forMs: number;
}

/** The longest-pending phase past its limit, or null. Pure. */
export function findStall(entries: Iterable<[string, { phase: TaskPhase; since: number }]>, now: number, limits: StallLimits): Stall | null {
  let worst: Stall | null = null;
  for (const [graphileJobId, { phase, since }] of entries) {
    const forMs = now - since;
    const limit = phase === 'claim' ? limits.claimMs : limits.recordMs;
    if (forMs > limit && (!worst || forMs > worst.forMs)) worst = { graphileJobId, phase, forMs };
  }
  return worst;
}

/** Which watched phase each job's task is in now. */
export class TaskPhases {
  readonly #phases = new Map<string, { phase: TaskPhase; since: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  enter(graphileJobId: string, phase: TaskPhase): void {
    this.#phases.set(graphileJobId, { phase, since: this.now() });
  }
  leave(graphileJobId: string): void {
    this.#phases.delete(graphileJobId);
  }
  entries(): IterableIterator<[string, { phase: TaskPhase; since: number }]> {
    return this.#phases.entries();
  }
}

/** Checks every `intervalMs`; calls onStall once, for the first stall found. */
export function watchStalls(o: {
  phases: TaskPhases;
  limits: StallLimits;
  intervalMs?: number;
  onStall: (stall: Stall) => void;
  now?: () => number;
}): { stop(): void } {
  const now = o.now ?? Date.now;
  const timer = setInterval(() => {
    const stall = findStall(o.phases.entries(), now(), o.limits);
    if (!stall) return;
    clearInterval(timer);
    o.onStall(stall);
  }, o.intervalMs ?? 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
