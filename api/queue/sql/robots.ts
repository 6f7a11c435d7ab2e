// One thin function per SQL statement on aether.robots (the fleet's heartbeats and leases).
import type { Queryable } from '../db.js';

export type RobotState = 'alive' | 'draining' | 'dead';

export interface RobotRow {
  id: string;
  namespace: string;
  pool: string;
  pod: string | null;
  state: RobotState;
  workerPoolIds: string[];
  jobsHeld: number;
  leaseSeconds: number;
  startedAt: Date;
  heartbeatAt: Date;
  diedAt: Date | null;
}

const ROBOT_COLUMNS = `id, namespace, pool, pod, state, worker_pool_ids as "workerPoolIds", jobs_held as "jobsHeld",
  lease_seconds as "leaseSeconds", started_at as "startedAt", heartbeat_at as "heartbeatAt", died_at as "diedAt"`;

export async function registerRobot(
  db: Queryable,
  opts: { id: string; namespace: string; pool: string; pod: string | null; leaseSeconds: number; version?: string | null },
): Promise<void> {
  await db.query(
    `insert into aether.robots (id, namespace, pool, pod, lease_seconds, version) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set state = 'alive', heartbeat_at = now(), died_at = null,
       lease_seconds = excluded.lease_seconds, pod = excluded.pod, version = excluded.version`,
    [opts.id, opts.namespace, opts.pool, opts.pod, opts.leaseSeconds, opts.version ?? null],
  );
}

/**
 * Refreshes a robot's lease. Returns the robot's state afterwards, or 'dead' when it had already been
 * declared dead (its jobs were released: it must stop working on them) or was asked to stop
 * (fence_requested_at: its jobs are released once it acknowledged, or its lease expired).
 */
export async function heartbeatRobot(
  db: Queryable,
  opts: { id: string; workerPoolIds: string[]; jobsHeld: number; state?: 'alive' | 'draining' },
): Promise<RobotState> {
  const r = await db.query<{ state: RobotState }>(
    `update aether.robots set heartbeat_at = now(), jobs_held = $3,
            worker_pool_ids = coalesce((select array_agg(distinct x) from unnest(worker_pool_ids || $2::text[]) x), '{}'),
            state = coalesce($4, state)
      where id = $1 and state <> 'dead' and fence_requested_at is null
      returning state`,
    [opts.id, opts.workerPoolIds, opts.jobsHeld, opts.state ?? null],
  );
  return r.rows[0]?.state ?? 'dead';
}

/** Whether the operator asked this robot to stop (its pod was deleted; see requestPodFence). */
export async function robotStopRequested(db: Queryable, opts: { id: string }): Promise<boolean> {
  const r = await db.query(`select 1 from aether.robots where id = $1 and fence_requested_at is not null`, [opts.id]);
  return (r.rowCount ?? 0) > 0;
}

/** A clean exit: the robot holds nothing any more. */
export async function retireRobot(db: Queryable, opts: { id: string }): Promise<void> {
  await db.query(`update aether.robots set state = 'dead', died_at = now(), jobs_held = 0 where id = $1 and state <> 'dead'`, [
    opts.id,
  ]);
}

export async function getRobot(db: Queryable, opts: { id: string }): Promise<RobotRow | null> {
  const r = await db.query<RobotRow>(`select ${ROBOT_COLUMNS} from aether.robots where id = $1`, [opts.id]);
  return r.rows[0] ?? null;
}

export interface DeadRobot {
  id: string;
  namespace: string;
  pool: string;
  pod: string | null;
  workerPoolIds: string[];
}

/**
 * Marks robots whose heartbeat is older than their lease as dead, and robots asked to stop
 * (requestPodFence) once they acknowledged that they stopped: their jobs may go to others now. With
 * `notBefore` (the database's clock) a lease counts from that time at the earliest: robots that could not
 * beat while the caller could not see the database either get a full lease after it came back.
 */
export async function markExpiredRobotsDead(db: Queryable, opts: { notBefore?: Date | null } = {}): Promise<DeadRobot[]> {
  const r = await db.query<DeadRobot>(
    `update aether.robots set state = 'dead', died_at = now()
      where state <> 'dead'
        and (greatest(heartbeat_at, coalesce($1::timestamptz, heartbeat_at)) < now() - make_interval(secs => lease_seconds)
             or (fence_requested_at is not null and stopped_at >= fence_requested_at))
      returning id, namespace, pool, pod, worker_pool_ids as "workerPoolIds"`,
    [opts.notBefore ?? null],
  );
  return r.rows;
}

/** Marks the robots of a pod dead at once (the operator saw the pod deleted). */
export async function markPodRobotsDead(db: Queryable, opts: { namespace: string; pod: string }): Promise<DeadRobot[]> {
  const r = await db.query<DeadRobot>(
    `update aether.robots set state = 'dead', died_at = now()
      where namespace = $1 and pod = $2 and state <> 'dead'
      returning id, namespace, pool, pod, worker_pool_ids as "workerPoolIds"`,
    [opts.namespace, opts.pod],
  );
  return r.rows;
}

/** Frees every job and queue lock held by these graphile-worker pools (their process is gone). */
export async function forceUnlockWorkerPools(db: Queryable, opts: { workerPoolIds: string[] }): Promise<void> {
  await db.query('select graphile_worker.force_unlock_workers($1::text[])', [opts.workerPoolIds]);
}

/** A run a dead robot held that had used up its take-overs (crash_count went past max_crashes). */
export interface CrashLoopedRun {
  uid: string;
  namespace: string;
  name: string;
  crashCount: number;
}

export interface ReleasedRuns {
  /** Runs put back to 'queued'. */
  requeued: number;
  /** Runs failed for good with the error code 'CrashLooping' (dead letters; their queue jobs removed). */
  crashLooped: CrashLoopedRun[];
}

/** At most this many take-overs are kept in runs.crashes (the count goes on in crash_count). */
export const MAX_CRASH_RECORDS = 20;

/**
 * The runs dead robots were running (or whose queue jobs they held) are taken over: each counts one crash
 * (crash_count, and the robot and why it died appended to crashes). max_crashes take-overs are allowed:
 * up to it the run goes back to 'queued' (its job is released with the robot's locks); the death after
 * that fails it for good with the error code 'CrashLooping' and deletes its queue job, so no robot takes
 * it again (see migrations/sql/0005_crash_count.sql).
 */
export async function requeueRunsOfRobots(
  db: Queryable,
  opts: { robots: Array<{ id: string; pod: string | null; workerPoolIds: string[] }>; reason: string },
): Promise<ReleasedRuns> {
  // A run the robot held: marked 'running' by it, or still 'queued' in the row (marks are written only once
  // a handler has run a moment, robot-image/src/queue/running-marks.ts) while one of its worker pools holds
  // the run's queue job — a job that kills its robot at once is a take-over too.
  const r = await db.query<CrashLoopedRun & { state: string }>(
    `with dead as (
       select x.id, x.pod, x.pools from jsonb_to_recordset($1::jsonb) as x(id text, pod text, pools text[])
     ), held as (
       select distinct on (r.uid) r.uid, d.id, d.pod
         from dead d
         join aether.runs r on r.state = 'running' and r.robot = d.id
       union
       select distinct on (r.uid) r.uid, d.id, d.pod
         from dead d
         join graphile_worker._private_jobs j on j.locked_by = any(d.pools) and j.key like 'rpa:%'
         join aether.runs r on r.uid = substr(j.key, 5)::uuid and r.state = 'queued'
     ), released as (
       update aether.runs r set
         -- the dead robot's fencing token is no longer current: whatever it still tries to write is refused
         claim_epoch = r.claim_epoch + 1,
         crash_count = r.crash_count + 1,
         crashes = (
           select coalesce(jsonb_agg(e order by n), '[]'::jsonb)
             from jsonb_array_elements(
                    r.crashes || jsonb_build_array(jsonb_build_object('robot', d.id, 'pod', d.pod, 'reason', $2::text, 'at', now()))
                  ) with ordinality as c(e, n)
            where n > jsonb_array_length(r.crashes) + 1 - $3::int
         ),
         state = case when r.crash_count + 1 > r.max_crashes then 'failed' else 'queued' end,
         finished_at = case when r.crash_count + 1 > r.max_crashes then now() else r.finished_at end,
         error = case when r.crash_count + 1 > r.max_crashes
           then jsonb_build_object(
             'code', 'CrashLooping',
             'message', format('the job''s robot died while running it %s times (maxCrashes: %s take-overs allowed): %s',
                               r.crash_count + 1, r.max_crashes, (
               -- the robots that died, oldest first (the last MAX_CRASH_RECORDS + 1)
               select string_agg(coalesce(e->>'pod', e->>'robot') || ' (' || (e->>'reason') || ')', ', ' order by n)
                 from jsonb_array_elements(r.crashes || jsonb_build_array(jsonb_build_object('robot', d.id, 'pod', d.pod, 'reason', $2::text)))
                      with ordinality as c(e, n))))
           else r.error end,
         updated_at = now()
         from (select distinct on (uid) uid, id, pod from held) d
        where r.uid = d.uid and r.state in ('running', 'queued')
       returning r.uid, r.namespace, r.name, r.state, r.crash_count as "crashCount"
     ), removed as (
       delete from graphile_worker._private_jobs j
        using released x
        where x.state = 'failed' and j.key = 'rpa:' || x.uid::text
     )
     select uid::text as uid, namespace, name, state, "crashCount" from released`,
    [JSON.stringify(opts.robots.map((x) => ({ id: x.id, pod: x.pod, pools: x.workerPoolIds }))), opts.reason, MAX_CRASH_RECORDS],
  );
  const crashLooped = r.rows.filter((x) => x.state === 'failed').map(({ uid, namespace, name, crashCount }) => ({ uid, namespace, name, crashCount }));
  return { requeued: r.rows.length - crashLooped.length, crashLooped };
}

/**
 * Locks held by worker pools that no live robot has registered, older than `olderThanSeconds`: the tiny
 * window between graphile creating a pool (and fetching) and the robot's heartbeat recording its id.
 * Scans the locked jobs; run it rarely.
 */
export async function findOrphanedWorkerPools(db: Queryable, opts: { olderThanSeconds: number }): Promise<string[]> {
  const r = await db.query<{ lockedBy: string }>(
    `select distinct j.locked_by as "lockedBy"
       from graphile_worker._private_jobs j
      where j.locked_at is not null and j.locked_at < now() - make_interval(secs => $1)
        and j.locked_by like 'pool-%'
        and not exists (select 1 from aether.robots r where r.state <> 'dead' and j.locked_by = any(r.worker_pool_ids))`,
    [opts.olderThanSeconds],
  );
  return r.rows.map((x) => x.lockedBy);
}
