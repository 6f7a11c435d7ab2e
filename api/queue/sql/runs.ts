// One thin function per SQL statement on aether.runs (and the graphile-worker job rows that belong to a
// run). Callers pick the Queryable: the pool, or a client inside a transaction.
import type { Queryable } from '../db.js';
import { jobKey, PRISTINE_FLAG } from '../identifiers.js';

/**
 * queued     waiting for a robot (or for its retry's run_at); a job exists under 'rpa:<uid>'.
 * running    a robot holds it.
 * suspended  parked by spec.suspend: no job, the payload kept in the row; resumeRun queues it again and a
 *            robot resumes the attempt where it stopped. Neither live nor finished.
 * succeeded, failed, cancelled  finished for good.
 */
export type RunState = 'queued' | 'running' | 'suspended' | 'succeeded' | 'failed' | 'cancelled';

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
  /** A robot was asked to park the run at its next step boundary and has not done it yet. */
  suspendRequested: boolean;
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
  run_at as "runAt", deadline, cancel_requested as "cancelRequested", suspend_requested as "suspendRequested",
  outputs, error,
  screenshot_id::text as "screenshotId", created_at as "createdAt", updated_at as "updatedAt",
  started_at as "startedAt", finished_at as "finishedAt"`;

/**
 * A uuid[] parameter as Postgres array text. UUIDs need no quoting, so this skips pg's per-element escaping
 * on the hot path; anything not shaped like a UUID is refused rather than sent.
 */
export function uuidArray(uids: string[]): string {
  for (const u of uids) if (!UUID.test(u)) throw new TypeError(`not a UUID: ${JSON.stringify(u)}`);
  return `{${uids.join(',')}}`;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  max_crashes: number;
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
  /** 'cancelled' when a cancel was requested before the robot started it (the run is marked so). */
  state: 'queued' | 'running' | 'cancelled';
  /** The robot that last held this attempt (crash take-over, hand-back), or null on a fresh attempt. */
  previousRobot: string | null;
  /** Claims so far, not counting this one. */
  attempts: number;
  failedAttempts: number;
  maxAttempts: number;
  deadline: Date | null;
  /** spec.suspend was set: park the run instead of running it (a cancel wins: state is then 'cancelled'). */
  suspendRequested: boolean;
  /**
   * The run's fencing token as this claim holds it (runs.claim_epoch, migrations/sql/0008_claim_epoch.sql):
   * every write the holder makes for the run checks it. Null when the claim was made for a held job the
   * worker pool no longer holds (it was released meanwhile): such a claim must not run.
   */
  claimEpoch: number | null;
}

/** A fetched queue job, as the claim of its run checks that it is still held (see claimRuns). */
export interface HeldClaim {
  uid: string;
  graphileJobId: string;
  /** graphile-worker's locked_by. */
  workerPoolId: string;
}

/**
 * Reads the runs of fetched jobs, one statement for a whole batch, and cancels those with a pending
 * cancel. Runs that are finished or unknown are not returned (their job is stale). With `held`, each run
 * that is to start gets a new fencing token (claim_epoch + 1) — only while its worker pool still holds the
 * job; otherwise claimEpoch is null. Without `held` the epoch is only read. A claim is otherwise written by
 * markRunsRunning (deferred) or completeRuns, so short jobs cost one write (a pristine first delivery needs
 * no claim read at all: its epoch is 0).
 */
export async function claimRuns(db: Queryable, opts: { uids: string[]; held?: HeldClaim[] }): Promise<ClaimedRun[]> {
  const r = await db.query<ClaimedRun>(
    `with live as (
       select uid, state, robot, attempts, failed_attempts, max_attempts, deadline, cancel_requested, suspend_requested,
              claim_epoch
         from aether.runs
        where uid = any($1::uuid[])
          -- = state in ('queued', 'running'), written so the planner keeps to the primary key instead of
          -- combining it with the (large) partial index runs_live_by_pool. (A suspended run has no job:
          -- one fetched for it is stale.)
          and state not in ('suspended', 'succeeded', 'failed', 'cancelled')
     ), held as (
       select x.uid, x.job_id, x.pool from jsonb_to_recordset($2::jsonb) as x(uid uuid, job_id bigint, pool text)
     ), bumped as (
       update aether.runs r set claim_epoch = r.claim_epoch + 1
         from held h
        where r.uid = h.uid and r.uid = any(array(select uid from live where not cancel_requested))
          and exists (select 1 from graphile_worker._private_jobs j where j.id = h.job_id and j.locked_by = h.pool)
       returning r.uid, r.claim_epoch
     ), cancelled as (
       update aether.runs set state = 'cancelled', finished_at = now(), updated_at = now()
        where uid = any(array(select uid from live where cancel_requested))
     )
     select l.uid::text as uid, case when l.cancel_requested then 'cancelled' else l.state end as state,
            l.robot as "previousRobot", l.attempts, l.failed_attempts as "failedAttempts",
            l.max_attempts as "maxAttempts", l.deadline, l.suspend_requested and not l.cancel_requested as "suspendRequested",
            case when $2::jsonb is null then l.claim_epoch else b.claim_epoch end as "claimEpoch"
       from live l left join bumped b on b.uid = l.uid`,
    [opts.uids, opts.held ? JSON.stringify(opts.held.map((h) => ({ uid: h.uid, job_id: h.graphileJobId, pool: h.workerPoolId }))) : null],
  );
  return r.rows;
}

/** A run as its holder writes it: `epoch` is the holder's fencing token (absent: not checked, operator tools). */
export interface HeldRun {
  uid: string;
  epoch?: number | null;
}

const epochsOf = (runs: Array<{ epoch?: number | null }>) => runs.map((x) => x.epoch ?? null);

/** Marks claimed runs as running on a robot (batch); a run whose fencing token moved on is not touched. */
export async function markRunsRunning(db: Queryable, opts: { runs: HeldRun[]; robot: string }): Promise<number> {
  const r = await db.query(
    `update aether.runs r set state = 'running', robot = $2, previous_robot = r.robot, attempts = r.attempts + 1,
            started_at = coalesce(r.started_at, now()), updated_at = now()
       from unnest($1::uuid[], $3::int[]) as f(uid, epoch)
      where r.uid = any($1::uuid[]) and r.uid = f.uid and (f.epoch is null or r.claim_epoch = f.epoch)
        and r.state not in ('running', 'suspended', 'succeeded', 'failed', 'cancelled')`,
    [uuidArray(opts.runs.map((x) => x.uid)), opts.robot, epochsOf(opts.runs)],
  );
  return r.rowCount ?? 0;
}

/**
 * Records successful runs in one statement. A run not yet marked running is claimed in the same write.
 */
export async function completeRuns(
  db: Queryable,
  opts: { results: Array<HeldRun & { outputs: unknown }>; robot: string },
): Promise<number> {
  const r = await db.query({
    // Prepared once per connection: this runs for every batch of finished jobs.
    name: 'aether_complete_runs',
    // `uid = any($1)` lets the planner look the runs up by primary key; the join with unnest only pairs
    // each run with its outputs (joined alone, it hashes a scan of the whole table).
    text: `update aether.runs r set state = 'succeeded', error = null, finished_at = now(), updated_at = now(),
            robot = $3,
            previous_robot = case when r.state = 'queued' then r.robot else r.previous_robot end,
            attempts = r.attempts + case when r.state = 'queued' then 1 else 0 end,
            started_at = coalesce(r.started_at, now()),
            outputs = f.outputs
       from unnest($1::uuid[], $2::jsonb[], $4::int[]) as f(uid, outputs, epoch)
      where r.uid = any($1::uuid[]) and r.uid = f.uid
        -- a holder whose fencing token moved on (released meanwhile) records nothing
        and (f.epoch is null or r.claim_epoch = f.epoch)
        -- = state in ('queued', 'running') (see claimRuns).
        and r.state not in ('suspended', 'succeeded', 'failed', 'cancelled')`,
    values: [
      uuidArray(opts.results.map((x) => x.uid)),
      opts.results.map((x) => (x.outputs == null ? null : JSON.stringify(x.outputs))),
      opts.robot,
      epochsOf(opts.results),
    ],
  });
  return r.rowCount ?? 0;
}

/** Cancels a run; with `epoch` (a robot holding it) only while that fencing token is current. */
export async function markRunCancelled(db: Queryable, opts: HeldRun): Promise<boolean> {
  const r = await db.query(
    `update aether.runs set state = 'cancelled', suspend_requested = false, suspended_payload = null, finished_at = now(), updated_at = now()
      where uid = $1 and state in ('queued', 'running', 'suspended') and ($2::int is null or claim_epoch = $2)`,
    [opts.uid, opts.epoch ?? null],
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
  opts: { uid: string; robot: string; error: RunError; retryable: boolean; retryDelayMs: number; screenshotId: string | null },
): Promise<FailureRecord | null> {
  const r = await db.query<FailureRecord>(
    `update aether.runs r set
        attempts = r.attempts + case when r.state = 'queued' then 1 else 0 end,
        started_at = coalesce(r.started_at, now()),
        failed_attempts = r.failed_attempts + 1,
        error = $2::jsonb,
        screenshot_id = coalesce($5::bigint, r.screenshot_id),
        state = case when $3 and r.failed_attempts + 1 < r.max_attempts then 'queued' else 'failed' end,
        run_at = case when $3 and r.failed_attempts + 1 < r.max_attempts
                      then now() + make_interval(secs => $4::double precision / 1000) else r.run_at end,
        robot = case when $3 and r.failed_attempts + 1 < r.max_attempts then null else $6 end,
        finished_at = case when $3 and r.failed_attempts + 1 < r.max_attempts then null else now() end,
        updated_at = now()
      where r.uid = $1 and r.state in ('queued', 'running')
      returning r.state, r.failed_attempts as "failedAttempts", r.max_attempts as "maxAttempts",
                r.run_at as "runAt", r.priority, r.task_identifier as "taskIdentifier"`,
    [opts.uid, JSON.stringify(opts.error), opts.retryable, opts.retryDelayMs, opts.screenshotId, opts.robot],
  );
  return r.rows[0] ?? null;
}

/** Puts a claimed run back to 'queued' (hand-back on shutdown). `robot` = the robot handing it back,
 *  so the next holder knows the attempt was begun and resumes it. The fencing token moves on: the robot
 *  that handed it back can write nothing more for it. */
export async function requeueRun(db: Queryable, opts: { uid: string; robot: string }): Promise<{ priority: number; taskIdentifier: string } | null> {
  const r = await db.query<{ priority: number; taskIdentifier: string }>(
    `update aether.runs set state = 'queued', run_at = now(), updated_at = now(), robot = $2, claim_epoch = claim_epoch + 1
      where uid = $1 and state in ('queued', 'running')
      returning priority, task_identifier as "taskIdentifier"`,
    [opts.uid, opts.robot],
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
export async function detachHeldJob(db: Queryable, opts: { graphileJobId: string; workerPoolId: string }): Promise<boolean> {
  const r = await db.query(
    `update graphile_worker._private_jobs set key = null, attempts = max_attempts, updated_at = now()
      where id = $1::bigint and locked_by = $2`,
    [opts.graphileJobId, opts.workerPoolId],
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
    [opts.taskIdentifier, JSON.stringify(opts.payload), opts.runAt, opts.maxAttempts, jobKey(opts.uid), opts.priority],
  );
}

/**
 * A cancel was requested while a robot holds the job: the job is no longer pristine, so whoever fetches it
 * next (after a hand-back or a crash) reads the run, and sees the cancel.
 */
export async function clearPristineFlag(db: Queryable, opts: { uid: string }): Promise<void> {
  await db.query(`update graphile_worker._private_jobs set flags = flags - $2::text where key = $1 and flags ? $2::text`, [
    jobKey(opts.uid),
    PRISTINE_FLAG,
  ]);
}

/** Deletes the run's job if no robot holds it yet. */
export async function deleteUnlockedJob(db: Queryable, opts: { uid: string }): Promise<boolean> {
  const r = await db.query(`delete from graphile_worker._private_jobs where key = $1 and locked_at is null`, [jobKey(opts.uid)]);
  return (r.rowCount ?? 0) > 0;
}

// ---- operator side: cancel, read ---------------------------------------------------------------------

/** Flags a live or suspended run for cancel; returns its state then, or null when it is finished or unknown. */
export async function requestRunCancel(db: Queryable, opts: { uid: string }): Promise<'queued' | 'running' | 'suspended' | null> {
  const r = await db.query<{ state: 'queued' | 'running' | 'suspended' }>(
    `update aether.runs set cancel_requested = true, updated_at = now()
      where uid = $1 and state in ('queued', 'running', 'suspended')
      returning state`,
    [opts.uid],
  );
  return r.rows[0]?.state ?? null;
}

// ---- suspend and resume --------------------------------------------------------------------------------

/**
 * Flags a live run for suspension (not one being cancelled). Returns its state then, whether it was
 * never claimed nor failed (such a run can simply be withdrawn) and whether it was flagged already, or
 * null when it is not live.
 */
export async function requestRunSuspend(
  db: Queryable,
  opts: { uid: string },
): Promise<{ state: 'queued' | 'running'; untouched: boolean; alreadyRequested: boolean } | null> {
  const r = await db.query<{ state: 'queued' | 'running'; untouched: boolean; alreadyRequested: boolean }>(
    `with before as (select uid, suspend_requested from aether.runs where uid = $1 for update)
     update aether.runs r set suspend_requested = true, updated_at = now()
       from before
      where r.uid = before.uid and r.state in ('queued', 'running') and not r.cancel_requested
      returning r.state, (r.attempts = 0 and r.failed_attempts = 0 and r.robot is null) as untouched,
                before.suspend_requested as "alreadyRequested"`,
    [opts.uid],
  );
  return r.rows[0] ?? null;
}

/** Deletes the run's job if no robot holds it yet, returning its payload (null when held or absent). */
export async function takeUnlockedJob(db: Queryable, opts: { uid: string }): Promise<{ payload: unknown } | null> {
  const r = await db.query<{ payload: unknown }>(
    `delete from graphile_worker._private_jobs where key = $1 and locked_at is null returning payload`,
    [jobKey(opts.uid)],
  );
  return r.rows[0] ?? null;
}

/** Deletes a queued run row (a withdrawn run that nothing ever touched: it is enqueued afresh later). */
export async function deleteQueuedRun(db: Queryable, opts: { uid: string }): Promise<boolean> {
  const r = await db.query(`delete from aether.runs where uid = $1 and state = 'queued'`, [opts.uid]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Parks a live run: 'suspended' with its payload kept, or 'cancelled' when a cancel arrived meanwhile
 * (a cancel wins). `robot` = the robot that held it (null when it waited in the queue), so the robot that
 * resumes it knows the attempt was begun. Returns the state written, or null when the run is not live.
 */
export async function parkRun(
  db: Queryable,
  opts: { uid: string; payload: unknown; robot: string | null },
): Promise<'suspended' | 'cancelled' | null> {
  const r = await db.query<{ state: 'suspended' | 'cancelled' }>(
    `update aether.runs set
        state = case when cancel_requested then 'cancelled' else 'suspended' end,
        suspended_payload = case when cancel_requested then null else $2::jsonb end,
        finished_at = case when cancel_requested then now() else finished_at end,
        -- a claim that ran but was never marked running (a short one) still counts, as in completeRuns.
        attempts = attempts + case when state = 'queued' and $3::text is not null then 1 else 0 end,
        previous_robot = case when state = 'queued' and $3::text is not null then robot else previous_robot end,
        started_at = case when $3::text is not null then coalesce(started_at, now()) else started_at end,
        robot = coalesce($3, robot),
        suspend_requested = false,
        updated_at = now()
      where uid = $1 and state in ('queued', 'running')
      returning state`,
    [opts.uid, JSON.stringify(opts.payload), opts.robot],
  );
  return r.rows[0]?.state ?? null;
}

export interface ResumedRun {
  payload: unknown;
  taskIdentifier: string;
  priority: number;
  namespace: string;
  pool: string;
}

/** A suspended run goes back to 'queued' (due now) and hands back its payload for the job to be re-added. */
export async function resumeRun(db: Queryable, opts: { uid: string }): Promise<ResumedRun | null> {
  const r = await db.query<ResumedRun>(
    `with parked as (
       select uid, suspended_payload from aether.runs where uid = $1 and state = 'suspended' for update
     )
     update aether.runs r set state = 'queued', suspended_payload = null, suspend_requested = false,
            run_at = now(), updated_at = now()
       from parked
      where r.uid = parked.uid
      returning parked.suspended_payload as payload, r.task_identifier as "taskIdentifier", r.priority,
                r.namespace, r.pool`,
    [opts.uid],
  );
  return r.rows[0] ?? null;
}

/** spec.suspend went back to false before a robot parked the run: the request is withdrawn. */
export async function withdrawSuspendRequest(db: Queryable, opts: { uid: string }): Promise<boolean> {
  const r = await db.query(
    `update aether.runs set suspend_requested = false, updated_at = now()
      where uid = $1 and suspend_requested and state in ('queued', 'running')`,
    [opts.uid],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Whether the run row carries this stop request. Any connected role may NOTIFY, so a robot acts on a
 * cancel or suspend notice only when the row says so (the producer sets the flag in the notifying
 * transaction); robot roles see only their namespace's runs.
 */
export async function stopRequested(db: Queryable, opts: { uid: string; kind: 'cancel' | 'suspend' }): Promise<boolean> {
  const r = await db.query<{ requested: boolean }>(
    `select case when $2 = 'cancel' then cancel_requested else suspend_requested end as requested from aether.runs where uid = $1::uuid`,
    [opts.uid, opts.kind],
  );
  return r.rows[0]?.requested === true;
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
  opts: { uid: string; stepId: string; image: Buffer; contentType?: string; queueItem?: string },
): Promise<string> {
  const r = await db.query<{ id: string }>(
    `insert into aether.screenshots (run_uid, step_id, content_type, image, queue_item) values ($1, $2, $3, $4, $5) returning id::text`,
    [opts.uid, opts.stepId, opts.contentType ?? 'image/png', opts.image, opts.queueItem ?? null],
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
