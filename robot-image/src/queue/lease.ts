// What a robot does about its lease after each heartbeat: the fencing semantics in one pure function.
//
//   the beat reached the database and the robot is alive           → ok
//   the robot was declared dead (the sweeper released its jobs) …
//     … while it holds no job                                     → rejoin: register again, keep fetching
//     … while it holds a job                                      → exit: the job is another robot's now
//   the beat failed (database unreachable) …
//     … for less than the outage budget, or holding no job        → wait: keep beating, keep working
//     … for longer than the budget while holding a job            → exit: the sweeper will release the
//                                                                    job once the database is back
// "exit" means: abort the running handlers (browser work stops at once), write nothing more, and end the
// process non-zero so Kubernetes restarts it (robot-image/src/main.ts, exit code 3). A robot without work
// never exits over the database: it reconnects and rejoins.

export type LeaseVerdict = { action: 'ok' } | { action: 'wait' } | { action: 'rejoin' } | { action: 'exit'; reason: FenceReason };

/** declared-dead, stop-requested (the operator saw the pod deleted) and outage-budget-exceeded come from the heartbeat; durable-fault from the engine (durable/fault.ts); stalled from the consumer's stall watch (stall-watch.ts); runner-failed when graphile-worker shut its worker pool down by itself (consumer.ts). */
export type FenceReason = 'declared-dead' | 'stop-requested' | 'outage-budget-exceeded' | 'durable-fault' | 'stalled' | 'runner-failed';

export interface LeaseFacts {
  /** How the last beat went. */
  beat: 'alive' | 'dead' | 'failed';
  /** Handlers running now. */
  jobsHeld: number;
  /** Since the last beat that reached the database (or since the robot registered). */
  msSinceContact: number;
  outageBudgetMs: number;
}

export function leaseVerdict(f: LeaseFacts): LeaseVerdict {
  if (f.beat === 'alive') return { action: 'ok' };
  if (f.beat === 'dead') return f.jobsHeld > 0 ? { action: 'exit', reason: 'declared-dead' } : { action: 'rejoin' };
  return f.jobsHeld > 0 && f.msSinceContact > f.outageBudgetMs ? { action: 'exit', reason: 'outage-budget-exceeded' } : { action: 'wait' };
}

const FENCE_MESSAGES: Record<FenceReason, string> = {
  'declared-dead': 'the robot was declared dead while holding work (its jobs were released to other robots)',
  'stop-requested': 'the operator asked this robot to stop (its pod was deleted)',
  'outage-budget-exceeded': 'the database was unreachable for longer than the outage budget while the robot held work',
  'durable-fault': 'a checkpoint or workflow state could not be written to the database',
  'runner-failed': 'graphile-worker shut its worker pool down by itself (a job it could not complete or fail, or a worker that died)',
  stalled: "a job's claim or record stayed pending far past the database timeouts (the robot stops so that other robots take its jobs)",
};

/** The consumer's `done` rejects with this when the robot must stop working on the jobs it holds. */
export class RobotFencedError extends Error {
  override readonly name = 'RobotFencedError';
  constructor(readonly reason: FenceReason) {
    super(FENCE_MESSAGES[reason]);
  }
}
