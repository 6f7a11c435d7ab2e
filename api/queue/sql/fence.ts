// One thin function per SQL statement of fencing: the run's token (runs.claim_epoch) as a holder checks it,
// and the robot side of a requested fence (robots.fence_requested_at / stopped_at). See
// migrations/sql/0008_claim_epoch.sql.
import type { Queryable } from '../db.js';

/** True while `epoch` is the run's current fencing token: its holder may still write for it. */
export async function holdsRun(db: Queryable, opts: { uid: string; epoch: number }): Promise<boolean> {
  const r = await db.query<{ holds: boolean }>(
    `select exists(select 1 from aether.runs where uid = $1 and claim_epoch = $2) as holds`,
    [opts.uid, opts.epoch],
  );
  return r.rows[0]?.holds === true;
}

/**
 * Asks the live robots of a pod to stop (the operator saw the pod deleted, but its process may still run):
 * their heartbeat is refused from now on, so each fences itself, stops its browser work and acknowledges
 * (acknowledgeRobotStopped). The sweeper releases their jobs after that, or once their lease expired.
 * Returns the ids asked.
 */
export async function requestPodFence(db: Queryable, opts: { namespace: string; pod: string }): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `update aether.robots set fence_requested_at = coalesce(fence_requested_at, now())
      where namespace = $1 and pod = $2 and state <> 'dead'
      returning id`,
    [opts.namespace, opts.pod],
  );
  return r.rows.map((x) => x.id);
}

/**
 * A robot that fences itself (a stall, a durable fault) asks for its own fence, as the operator does for a
 * deleted pod: once it acknowledged, the sweeper releases its jobs at once instead of at lease expiry.
 */
export async function requestOwnFence(db: Queryable, opts: { id: string }): Promise<void> {
  await db.query(`update aether.robots set fence_requested_at = coalesce(fence_requested_at, now()) where id = $1 and state <> 'dead'`, [opts.id]);
}

/** A fenced robot stopped every handler it ran (browser contexts closed, no step can record any more). */
export async function acknowledgeRobotStopped(db: Queryable, opts: { id: string }): Promise<void> {
  await db.query(`update aether.robots set stopped_at = now() where id = $1`, [opts.id]);
}

/** True while this worker pool still holds the graphile job (it was not released yet). */
export async function holdsJob(db: Queryable, opts: { graphileJobId: string; workerPoolId: string }): Promise<boolean> {
  const r = await db.query<{ holds: boolean }>(
    `select exists(select 1 from graphile_worker._private_jobs where id = $1::bigint and locked_by = $2) as holds`,
    [opts.graphileJobId, opts.workerPoolId],
  );
  return r.rows[0]?.holds === true;
}
