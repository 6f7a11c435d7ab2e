// Releasing dead robots' jobs: their runs go back to 'queued' (and the work items they held to New) and
// their worker pools' job locks are force-unlocked, then a NOTIFY on graphile's 'jobs:insert' wakes idle runners. Shared by the
// operator's sweeper (expired leases, deleted pods) and `aether run` (the robot of a killed CLI).
// A crash is not a failed attempt: failed_attempts is not touched. It is a take-over, counted in
// crash_count: past the run's max_crashes take-overs it fails for good as 'CrashLooping' instead of going
// back to the queue (a poison job that kills or stalls every robot would otherwise move from robot to robot
// forever). Only these releases count: a robot declared dead (lease expired, pod deleted; a fenced robot
// is one declared dead). A hand-back at shutdown or after an environment fault does not: the robot
// stopped, the job did not break it.
import type pg from 'pg';
import { withTransaction, type Queryable } from './db.js';
import { GRAPHILE_JOBS_CHANNEL } from './identifiers.js';
import { forceUnlockWorkerPools, markPodRobotsDead, requeueRunsOfRobots, type CrashLoopedRun, type DeadRobot } from './sql/robots.js';
import { insertAudit, notify } from './sql/runs.js';
import { releaseItemsOfRobots } from './items/store.js';

export interface ReleaseResult {
  deadRobots: DeadRobot[];
  /** Worker pool ids whose locks were released. */
  releasedWorkerPools: string[];
  /** Runs put back to 'queued'. */
  requeuedRuns: number;
  /** Runs that went past their max_crashes with this release: failed for good ('CrashLooping'). */
  crashLoopedRuns: CrashLoopedRun[];
  /** Work items the dead robots held, New again (a crash is not a failure; aether_queue_item notified). */
  releasedItems: string[];
}

export interface ReleaseOptions {
  /** Locks of worker pools that belong to no robot (orphans) to release as well. */
  extraWorkerPoolIds?: string[];
  /** Writes a 'robot.dead' audit row per robot by this actor when set. */
  auditActor?: string;
  /** Why the robots are dead, as recorded with each take-over (runs.crashes). Default 'lease expired'. */
  reason?: string;
}

/** Releases robots already marked dead, inside the caller's transaction. */
export async function releaseDeadRobots(tx: Queryable, dead: DeadRobot[], opts: ReleaseOptions = {}): Promise<ReleaseResult> {
  const poolIds = [...new Set([...dead.flatMap((r) => r.workerPoolIds), ...(opts.extraWorkerPoolIds ?? [])])];
  let released = { requeued: 0, crashLooped: [] as CrashLoopedRun[] };
  if (dead.length > 0) released = await requeueRunsOfRobots(tx, { robots: dead, reason: opts.reason ?? 'lease expired' });
  const releasedItems = await releaseItemsOfRobots(tx, { robots: dead.map((r) => r.id) });
  if (poolIds.length > 0) {
    await forceUnlockWorkerPools(tx, { workerPoolIds: poolIds });
    // force_unlock_workers sends no NOTIFY of its own; the random part keeps Postgres from folding it
    // into an identical notification of the same transaction.
    await notify(tx, { channel: GRAPHILE_JOBS_CHANNEL, payload: JSON.stringify({ r: Math.random(), count: poolIds.length }) });
  }
  if (opts.auditActor) {
    for (const r of dead) {
      await insertAudit(tx, { actor: opts.auditActor, action: 'robot.dead', namespace: r.namespace, details: { robot: r.id, pod: r.pod, workerPoolIds: r.workerPoolIds } });
    }
    for (const run of released.crashLooped) {
      await insertAudit(tx, { actor: opts.auditActor, action: 'run.crashLooping', namespace: run.namespace, details: { uid: run.uid, name: run.name, crashCount: run.crashCount } });
    }
  }
  return { deadRobots: dead, releasedWorkerPools: poolIds, requeuedRuns: released.requeued, crashLoopedRuns: released.crashLooped, releasedItems };
}

/** Marks every live robot of one pod dead and releases its jobs, in one transaction. */
export async function releasePodRobots(
  pool: pg.Pool,
  opts: { namespace: string; pod: string; auditActor?: string },
): Promise<ReleaseResult> {
  return withTransaction(pool, async (tx) =>
    releaseDeadRobots(tx, await markPodRobotsDead(tx, { namespace: opts.namespace, pod: opts.pod }), {
      ...(opts.auditActor && { auditActor: opts.auditActor }),
      reason: 'pod deleted',
    }),
  );
}
