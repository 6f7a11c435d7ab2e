// One thin function per SQL statement on aether.runs (and the graphile-worker job rows that belong to a
// run). Callers pick the Queryable: the pool, or a client inside a transaction.
import type { Queryable } from '../db.js';

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What the workflow reported when an attempt failed. Never contains secret values. */
export interface RunError {
  message: string;
  stepId?: string;
  code?: string;
}

export interface RunRow {
  uid: string;
  namespace: string;
  name: string;
  pool: string;
  taskIdentifier: string;
  workflowDigest: string;
  state: RunState;
  priority: number;
  attempts: number;
  failedAttempts: number;
  maxAttempts: number;
  robot: string | null;
  runAt: Date;
  deadline: Date | null;
  cancelRequested: boolean;
  outputs: Record<string, unknown> | null;
  error: RunError | null;
  screenshotId: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const RUN_COLUMNS = `uid, namespace, name, pool, task_identifier as "taskIdentifier", workflow_digest as "workflowDigest",
  state, priority, attempts, failed_attempts as "failedAttempts", max_attempts as "maxAttempts", robot,
  run_at as "runAt", deadline, cancel_requested as "cancelRequested", outputs, error,
  screenshot_id::text as "screenshotId", created_at as "createdAt", updated_at as "updatedAt",
  started_at as "startedAt", finished_at as "finishedAt"`;

// ---- enqueue ---------------------------------------------------------------------------------------

/** One row of aether.enqueue_spec (see migrations/sql/0001_aether_schema.sql). */
export interface EnqueueSpec {
  uid: string;
  namespace: string;
  name: string;
  pool: string;
  task_identifier: string;
  workflow_digest: string;
  /** graphile scale (lower runs first). */
  priority: number;
  max_attempts: number;
  run_at: string | null;
  deadline: string | null;
  payload: unknown;
}

/** Inserts runs and their jobs in one statement; a UID already known is skipped (enqueued = false). */
export async function enqueueRuns(db: Queryable, opts: { specs: EnqueueSpec[] }): Promise<Array<{ uid: string; enqueued: boolean }>> {
  if (opts.specs.length === 0) return [];
  const r = await db.query<{ uid: string; enqueued: boolean }>(
    'select run_uid::text as uid, enqueued from aether.enqueue_runs($1::jsonb)',
    [JSON.stringify(opts.specs)],
  );
  return r.rows;
}

// ---- robot side: claim and finish --------------------------------------------------------------------

export interface ClaimedRun {
  uid: string;
  /** 'running' when claimed; 'cancelled' when a cancel was requested before the robot started it. */
  state: 'running' | 'cancelled';
  /** The robot that held this run before (crash take-over, hand-back), or null on a fresh attempt. */
  previousRobot: string | null;
  attempts: number;
  failedAttempts: number;
  maxAttempts: number;
  deadline: Date | null;
}

/**
 * Claims fetched jobs' runs for a robot, in one statement for a whole batch. Runs that are finished or
 * unknown are not returned (their job is stale); runs with a pending cancel are marked cancelled.
 */
export async function claimRuns(db: Queryable, opts: { uids: string[]; robot: string }): Promise<ClaimedRun[]> {
  const r = await db.query<ClaimedRun>(
    `update aether.runs r set
        state = case when r.cancel_requested then 'cancelled' else 'running' end,
        finished_at = case when r.cancel_requested then now() else r.finished_at end,
        robot = case when r.cancel_requested then r.robot else $2 end,
        previous_robot = case when r.cancel_requested then r.previous_robot else r.robot end,
        attempts = r.attempts + case when r.cancel_requested then 0 else 1 end,
        started_at = coalesce(r.started_at, now()),
        updated_at = now()
      where r.uid = any($1::uuid[])
        -- = state in ('queued', 'running'), written so the planner keeps to the primary key instead of
        -- combining it with the (large) partial index runs_live_by_pool.
        and r.state not in ('succeeded', 'failed', 'cancelled')
      returning r.uid::text as uid, r.state, r.previous_robot as "previousRobot", r.attempts,
                r.failed_attempts as "failedAttempts", r.max_attempts as "maxAttempts", r.deadline`,
    [opts.uids, opts.robot],
  );
  return r.rows;
}

/** Records successful runs in one statement. Only runs still 'running' change. */
export async function completeRuns(db: Queryable, opts: { results: Array<{ uid: string; outputs: unknown }> }): Promise<number> {
  const r = await db.query(
    `update aether.runs r set state = 'succeeded', error = null, finished_at = now(), updated_at = now(),
            outputs = (select f.outputs from unnest($1::uuid[], $2::jsonb[]) as f(uid, outputs) where f.uid = r.uid limit 1)
      where r.uid = any($1::uuid[])
        -- = state = 'running', written so the planner looks runs up by primary key (see claimRuns).
        and r.state not in ('queued', 'succeeded', 'failed', 'cancelled')`,
    [opts.results.map((x) => x.uid), opts.results.map((x) => (x.outputs == null ? null : JSON.stringify(x.outputs)))],
  );
  return r.rowCount ?? 0;
}

export async function markRunCancelled(db: Queryable, opts: { uid: string }): Promise<boolean> {
  const r = await db.query(
    `update aether.runs set state = 'cancelled', finished_at = now(), updated_at = now()
      where uid = $1 and state in ('queued', 'running')`,
    [opts.uid],
  );
  return (r.rowCount ?? 0) > 0;
}

export interface FailureRecord {
  state: 'queued' | 'failed';
  failedAttempts: number;
  maxAttempts: number;
  runAt: Date;
  priority: number;
  taskIdentifier: string;
}

/**
 * Counts a real failure. Below max_attempts (and retryable) the run goes back to 'queued' with
 * run_at = now + delay; otherwise it is 'failed' for good: a dead letter with its last error.
 */
export async function recordRunFailure(
  db: Queryable,
  opts: { uid: string; error: RunError; retryable: boolean; retryDelayMs: number; screenshotId: string | null },
): Promise<FailureRecord | null> {
  const r = await db.query<FailureRecord>(
    `update aether.runs r set
        failed_attempts = r.failed_attempts + 1,
        error = $2::jsonb,
        screenshot_id = coalesce($5::bigint, r.screenshot_id),
        state = case when $3 and r.failed_attempts + 1 < r.max_attempts then 'queued' else 'failed' end,
        run_at = case when $3 and r.failed_attempts + 1 < r.max_attempts
                      then now() + make_interval(secs => $4::double precision / 1000) else r.run_at end,
        robot = case when $3 and r.failed_attempts + 1 < r.max_attempts then null else r.robot end,
        finished_at = case when $3 and r.failed_attempts + 1 < r.max_attempts then null else now() end,
        updated_at = now()
      where r.uid = $1 and r.state = 'running'
      returning r.state, r.failed_attempts as "failedAttempts", r.max_attempts as "maxAttempts",
                r.run_at as "runAt", r.priority, r.task_identifier as "taskIdentifier"`,
    [opts.uid, JSON.stringify(opts.error), opts.retryable, opts.retryDelayMs, opts.screenshotId],
  );
  return r.rows[0] ?? null;
}

/** Puts a running run back to 'queued' (hand-back on shutdown). Keeps `robot`: the next holder resumes. */
export async function requeueRun(db: Queryable, opts: { uid: string }): Promise<{ priority: number; taskIdentifier: string } | null> {
  const r = await db.query<{ priority: number; taskIdentifier: string }>(
    `update aether.runs set state = 'queued', run_at = now(), updated_at = now()
      where uid = $1 and state = 'running'
      returning priority, task_identifier as "taskIdentifier"`,
    [opts.uid],
  );
  return r.rows[0] ?? null;
}

// ---- graphile-worker job rows of a run ----------------------------------------------------------------

/**
 * Detaches the job a worker pool holds from its key and makes it unrunnable (attempts = max_attempts),
 * exactly what graphile's own add_job does to a locked job with the same key. Returns false when the job
 * is no longer held by this worker pool (we were declared dead and it was released): the caller must
 * then not re-add it. The detached row is deleted when the task returns (graphile completes it), or, after
 * a crash, stays inert.
 */
export async function detachHeldJob(db: Queryable, opts: { jobId: string; workerPoolId: string }): Promise<boolean> {
  const r = await db.query(
    `update graphile_worker._private_jobs set key = null, attempts = max_attempts, updated_at = now()
      where id = $1::bigint and locked_by = $2`,
    [opts.jobId, opts.workerPoolId],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Adds the run's job again under its key (retry after a failure, or hand-back). */
export async function addRunJob(
  db: Queryable,
  opts: { uid: string; taskIdentifier: string; payload: unknown; runAt: Date; priority: number; maxAttempts: number },
): Promise<void> {
  await db.query(
    `select graphile_worker.add_job($1::text, $2::json, run_at => $3::timestamptz, max_attempts => $4::int,
                                    job_key => $5::text, priority => $6::int)`,
    [opts.taskIdentifier, JSON.stringify(opts.payload), opts.runAt, opts.maxAttempts, `rpa:${opts.uid}`, opts.priority],
  );
}

/** Deletes the run's job if no robot holds it yet. */
export async function deleteUnlockedJob(db: Queryable, opts: { uid: string }): Promise<boolean> {
  const r = await db.query(`delete from graphile_worker._private_jobs where key = $1 and locked_at is null`, [`rpa:${opts.uid}`]);
  return (r.rowCount ?? 0) > 0;
}

// ---- operator side: cancel, read ---------------------------------------------------------------------

/** Flags a live run for cancel; returns its state then, or null when it is finished or unknown. */
export async function requestRunCancel(db: Queryable, opts: { uid: string }): Promise<'queued' | 'running' | null> {
  const r = await db.query<{ state: 'queued' | 'running' }>(
    `update aether.runs set cancel_requested = true, updated_at = now()
      where uid = $1 and state in ('queued', 'running')
      returning state`,
    [opts.uid],
  );
  return r.rows[0]?.state ?? null;
}

export async function notify(db: Queryable, opts: { channel: string; payload: string }): Promise<void> {
  await db.query('select pg_notify($1, $2)', [opts.channel, opts.payload]);
}

export async function getRun(db: Queryable, opts: { uid: string }): Promise<RunRow | null> {
  const r = await db.query<RunRow>(`select ${RUN_COLUMNS} from aether.runs where uid = $1`, [opts.uid]);
  return r.rows[0] ?? null;
}

/** Runs that exhausted their attempts (or failed for good), newest first, with their last error. */
export async function listDeadLetters(
  db: Queryable,
  opts: { namespace: string; pool?: string; limit?: number },
): Promise<RunRow[]> {
  const r = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from aether.runs
      where state = 'failed' and namespace = $1 and ($2::text is null or pool = $2)
      order by finished_at desc limit $3`,
    [opts.namespace, opts.pool ?? null, opts.limit ?? 100],
  );
  return r.rows;
}

export async function insertScreenshot(
  db: Queryable,
  opts: { uid: string; stepId: string; image: Buffer; contentType?: string },
): Promise<string> {
  const r = await db.query<{ id: string }>(
    `insert into aether.screenshots (run_uid, step_id, content_type, image) values ($1, $2, $3, $4) returning id::text`,
    [opts.uid, opts.stepId, opts.contentType ?? 'image/png', opts.image],
  );
  return r.rows[0]!.id;
}

export async function insertAudit(
  db: Queryable,
  opts: { actor: string; action: string; namespace?: string; name?: string; runUid?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `insert into aether.audit_log (actor, action, namespace, name, run_uid, details) values ($1, $2, $3, $4, $5, $6)`,
    [opts.actor, opts.action, opts.namespace ?? null, opts.name ?? null, opts.runUid ?? null, JSON.stringify(opts.details ?? {})],
  );
}
