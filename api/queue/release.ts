// Releasing dead robots' jobs: their runs go back to 'queued' and their worker pools' job locks are
// force-unlocked, then a NOTIFY on graphile's 'jobs:insert' wakes idle runners. Shared by the
// operator's sweeper (expired leases, deleted pods) and `aether run` (the robot of a killed CLI).
// A crash is not a failed attempt: failed_attempts is not touched.
import type pg from 'pg';
import { withTransaction, type Queryable } from './db.js';
import { GRAPHILE_JOBS_CHANNEL } from './identifiers.js';
import { forceUnlockWorkerPools, markPodRobotsDead, requeueRunsOfRobots, type DeadRobot } from './sql/robots.js';
import { insertAudit, notify } from './sql/runs.js';

export interface ReleaseResult {
  deadRobots: DeadRobot[];
  /** Worker pool ids whose locks were released. */
  releasedWorkerPools: string[];
  /** Runs put back to 'queued'. */
  requeuedRuns: number;
}

export interface ReleaseOptions {
  /** Locks of worker pools that belong to no robot (orphans) to release as well. */
  extraWorkerPoolIds?: string[];
  /** Writes a 'robot.dead' audit row per robot by this actor when set. */
  auditActor?: string;
}

/** Releases robots already marked dead, inside the caller's transaction. */
export async function releaseDeadRobots(tx: Queryable, dead: DeadRobot[], opts: ReleaseOptions = {}): Promise<ReleaseResult> {
  const poolIds = [...new Set([...dead.flatMap((r) => r.workerPoolIds), ...(opts.extraWorkerPoolIds ?? [])])];
  let requeuedRuns = 0;
  if (dead.length > 0) requeuedRuns = await requeueRunsOfRobots(tx, { robotIds: dead.map((r) => r.id) });
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
  }
  return { deadRobots: dead, releasedWorkerPools: poolIds, requeuedRuns };
}

/** Marks every live robot of one pod dead and releases its jobs, in one transaction. */
export async function releasePodRobots(
  pool: pg.Pool,
  opts: { namespace: string; pod: string; auditActor?: string },
): Promise<ReleaseResult> {
  return withTransaction(pool, async (tx) =>
    releaseDeadRobots(tx, await markPodRobotsDead(tx, { namespace: opts.namespace, pod: opts.pod }), {
      ...(opts.auditActor && { auditActor: opts.auditActor }),
    }),
  );
}
