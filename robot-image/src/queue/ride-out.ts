// A job's claim and record ride out a database outage instead of failing the job's task. A task that
// throws hands the job to graphile-worker's failJob; with batching on (consumer.ts), graphile-worker 0.18
// does not retry a failed batch (its retry loop breaks after the first error) but shuts its worker pool
// down ("queue is in an inconsistent state"): a robot that finished or fetched a job during an 8 s
// PostgreSQL restart then kept heartbeating while its runner fetched nothing more and held its jobs'
// locks, and those jobs never ran (found by the chaos suite). So these writes are retried while the
// database is unreachable, up to the robot's outage budget; when it answers again, graphile's own
// completion follows at once.
import { isDatabaseUnreachable } from '../../../api/db/wait.js';
import { exponentialBackoffMs } from '../../../api/queue/backoff.js';

export interface RideOutOptions {
  /** Retry for at most this long (the robot's outage budget). */
  budgetMs: number;
  /** Called before each retry. */
  onRetry?: (err: unknown, waitedMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Runs `work`; while it fails because the database is unreachable, runs it again with backoff (250 ms doubling to 2 s) until the budget is spent. */
export async function rideOut<T>(work: () => Promise<T>, o: RideOutOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const waited = now() - started;
      if (!isDatabaseUnreachable(err) || waited >= o.budgetMs) throw err;
      o.onRetry?.(err, waited);
      await sleep(Math.min(exponentialBackoffMs(attempt + 1, { baseMs: 250, maxMs: 2_000 }), Math.max(0, o.budgetMs - waited)));
    }
  }
}
