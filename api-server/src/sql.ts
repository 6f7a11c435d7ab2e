// The API server's reads of the robots' history in PostgreSQL, one thin function per statement. The
// server connects as the schema owner, so every statement filters by the namespace the caller was
// authorized for (row-level security does not apply to the owner).
import type { Queryable } from '../../api/queue/db.js';
import { getRun, type RunRow } from '../../api/queue/sql/runs.js';

export type { RunRow };

/** The run of the RpaJob `name` in `namespace`: the one with `uid`, or the newest of that name. */
export async function findRun(db: Queryable, opts: { namespace: string; name: string; uid?: string }): Promise<RunRow | null> {
  if (opts.uid !== undefined) {
    const run = await getRun(db, { uid: opts.uid });
    return run && run.namespace === opts.namespace && run.name === opts.name ? run : null;
  }
  const r = await db.query<{ uid: string }>(
    `select uid from aether.runs where namespace = $1 and name = $2 order by created_at desc limit 1`,
    [opts.namespace, opts.name],
  );
  const uid = r.rows[0]?.uid;
  return uid === undefined ? null : getRun(db, { uid });
}

/** A run of `namespace` by its uid (a dead letter's), or null. */
export async function findRunByUid(db: Queryable, opts: { namespace: string; uid: string }): Promise<RunRow | null> {
  const run = await getRun(db, { uid: opts.uid });
  return run?.namespace === opts.namespace ? run : null;
}

export interface StepRow {
  workflowId: string;
  seq: number;
  step: string | null;
  error: string | null;
  startedAtMs: string | null;
  completedAtMs: string | null;
}

/** The DBOS schema the robots of `namespace` record steps in: their own (tenancy), else `fallback`. */
export async function dbosSchemaOf(db: Queryable, opts: { namespace: string; fallback: string }): Promise<string | null> {
  const r = await db.query<{ schema: string | null }>(
    `select coalesce((select dbos_schema::text from aether.tenant_roles where namespace = $1), $2) as schema`,
    [opts.namespace, opts.fallback],
  );
  const schema = r.rows[0]?.schema ?? null;
  if (schema === null || !/^[a-z_][a-z0-9_]*$/.test(schema)) return null;
  const present = await db.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`"${schema}".operation_outputs`]);
  return present.rows[0]?.ok ? schema : null;
}

/**
 * The recorded steps of a run's attempts 1..`attempts` (DBOS workflows `rpa-<uid>-a<n>`, one row per step
 * checkpoint, the step's path as its name), in order. Outputs are left out: they may be large, and a
 * job's outputs have their own endpoint.
 */
export async function listSteps(db: Queryable, opts: { schema: string; uid: string; attempts: number }): Promise<StepRow[]> {
  const r = await db.query<StepRow>(
    `select o.workflow_uuid as "workflowId", o.function_id as seq, o.function_name as step, o.error,
            o.started_at_epoch_ms::text as "startedAtMs", o.completed_at_epoch_ms::text as "completedAtMs"
       from "${opts.schema}".operation_outputs o
      where o.workflow_uuid = any(array(select 'rpa-' || $1::text || '-a' || n from generate_series(1, greatest($2::int, 1)) n))
      order by o.started_at_epoch_ms nulls last, o.workflow_uuid, o.function_id`,
    [opts.uid, opts.attempts],
  );
  return r.rows;
}

/** The newest screenshot kept under a run uid (an item run's: one per failed attempt). */
export async function readLatestScreenshot(db: Queryable, opts: { uid: string }): Promise<{ contentType: string; image: Buffer } | null> {
  const r = await db.query<{ contentType: string; image: Buffer }>(
    `select content_type as "contentType", image from aether.screenshots where run_uid = $1 order by id desc limit 1`,
    [opts.uid],
  );
  return r.rows[0] ?? null;
}

export async function readScreenshot(db: Queryable, opts: { uid: string; screenshotId: string }): Promise<{ contentType: string; image: Buffer } | null> {
  const r = await db.query<{ contentType: string; image: Buffer }>(
    `select content_type as "contentType", image from aether.screenshots where id = $1::bigint and run_uid = $2`,
    [opts.screenshotId, opts.uid],
  );
  return r.rows[0] ?? null;
}

export interface RobotRow {
  id: string;
  pool: string;
  pod: string | null;
  state: 'alive' | 'draining' | 'dead';
  heartbeatAt: Date;
  startedAt: Date;
  jobsHeld: number;
  /** What the robot reported at registration (null: registered before migration 0019). */
  version: string | null;
  /** Earlier robot rows of the same pod: a restarted container registers anew under a new id. */
  restarts: number;
  currentJobs: Array<{ uid: string; name: string }>;
}

/** A namespace's robots with the runs they hold now and their pod's restarts, newest heartbeat first. */
export async function listRobots(db: Queryable, opts: { namespace: string; pool?: string; includeDead: boolean }): Promise<RobotRow[]> {
  const r = await db.query<RobotRow>(
    `select b.id, b.pool, b.pod, b.state, b.heartbeat_at as "heartbeatAt", b.started_at as "startedAt",
            b.jobs_held as "jobsHeld", b.version,
            (select count(*)::int from aether.robots e
              where b.pod is not null and e.namespace = b.namespace and e.pod = b.pod and e.started_at < b.started_at) as restarts,
            coalesce((select json_agg(json_build_object('uid', r.uid, 'name', r.name) order by r.started_at)
                        from aether.runs r
                       where r.namespace = b.namespace and r.robot = b.id and r.state = 'running'), '[]'::json) as "currentJobs"
       from aether.robots b
      where b.namespace = $1 and ($2::text is null or b.pool = $2) and ($3 or b.state <> 'dead')
      order by b.heartbeat_at desc
      limit 1000`,
    [opts.namespace, opts.pool ?? null, opts.includeDead],
  );
  return r.rows;
}
