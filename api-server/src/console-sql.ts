// The web console's reads of PostgreSQL, one thin function per statement: a namespace's runs a page at a
// time (keyset paging on created_at, uid: migrations/sql/0017_console_runs.sql), the overview aggregates,
// a run's take-overs and healing events. The RpaJob custom resource stays the truth about a job; these
// rows are its history, which is what a list of 10,000 jobs and an hourly chart need.
import type { Queryable } from '../../api/queue/db.js';

export const RUN_STATES = ['queued', 'running', 'suspended', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStateName = (typeof RUN_STATES)[number];

export interface RunFilter {
  namespace: string;
  states?: RunStateName[];
  pool?: string;
  workflow?: string;
  /** Created at or after / before. */
  since?: Date;
  until?: Date;
  /** Keyset: runs older than this (created_at in microseconds since the epoch, uid). */
  before?: { createdUs: string; uid: string };
  limit: number;
}

export interface RunSummaryRow {
  uid: string;
  name: string;
  pool: string;
  workflow: string | null;
  state: RunStateName;
  attempts: number;
  failedAttempts: number;
  crashCount: number;
  robot: string | null;
  errorMessage: string | null;
  createdAt: Date;
  /** created_at in microseconds since the epoch (exact: a page cursor). */
  createdUs: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** One page of a namespace's runs, newest first. */
export async function listRunSummaries(db: Queryable, f: RunFilter): Promise<RunSummaryRow[]> {
  const r = await db.query<RunSummaryRow>(
    `select uid, name, pool, workflow_name as workflow, state, attempts, failed_attempts as "failedAttempts", crash_count as "crashCount",
            robot, error ->> 'message' as "errorMessage", created_at as "createdAt",
            (extract(epoch from created_at) * 1000000)::bigint::text as "createdUs", started_at as "startedAt",
            finished_at as "finishedAt"
       from aether.runs
      where namespace = $1
        and ($2::text[] is null or state = any($2::text[]))
        and ($3::text is null or pool = $3)
        and ($4::text is null or workflow_name = $4)
        and ($5::timestamptz is null or created_at >= $5)
        and ($6::timestamptz is null or created_at < $6)
        and ($7::bigint is null or (created_at, uid) < (timestamptz 'epoch' + $7::bigint * interval '1 microsecond', $8::uuid))
      order by created_at desc, uid desc
      limit $9`,
    [
      f.namespace,
      f.states ?? null,
      f.pool ?? null,
      f.workflow ?? null,
      f.since ?? null,
      f.until ?? null,
      f.before?.createdUs ?? null,
      f.before?.uid ?? null,
      f.limit,
    ],
  );
  return r.rows;
}

export interface TakeoverRow {
  robot: string;
  pod: string | null;
  reason: string;
  at: string;
}

/** The take-overs of a run (the last 20 runs.crashes keeps) and how many there were. */
export async function runTakeovers(db: Queryable, opts: { uid: string }): Promise<{ count: number; items: TakeoverRow[] }> {
  const r = await db.query<{ count: number; items: TakeoverRow[] }>(
    `select crash_count as count, crashes as items from aether.runs where uid = $1`,
    [opts.uid],
  );
  return r.rows[0] ?? { count: 0, items: [] };
}

export interface RunHealingRow {
  stepId: string;
  tier: string;
  outcome: string;
  chosenSelector: string | null;
  score: number | null;
  at: Date;
}

export async function runHealingEvents(db: Queryable, opts: { namespace: string; uid: string }): Promise<RunHealingRow[]> {
  const r = await db.query<RunHealingRow>(
    `select step_id as "stepId", tier, outcome, chosen_selector as "chosenSelector", score, at
       from aether.healing_events
      where run_uid = $1 and workflow_namespace = $2
      order by at
      limit 200`,
    [opts.uid, opts.namespace],
  );
  return r.rows;
}

export interface QueueSeriesRow {
  pool: string;
  at: Date;
  depth: number;
  oldestAgeSeconds: number | null;
}

/**
 * Per pool, the queue depth (runs created but not started) and the age of the oldest waiting run at the
 * end of each `stepSeconds` over the last `windowSeconds`, reconstructed from the runs' created/started
 * times: no sampler table to keep.
 */
export async function queueSeries(db: Queryable, opts: { namespace: string; windowSeconds: number; stepSeconds: number }): Promise<QueueSeriesRow[]> {
  const r = await db.query<QueueSeriesRow>(
    `with t as (
       select generate_series(date_bin(make_interval(secs => $3), now() - make_interval(secs => $2), 'epoch'),
                              now(), make_interval(secs => $3)) as at
     ), w as (
       select pool, created_at, coalesce(started_at, finished_at) as left_at
         from aether.runs
        where namespace = $1
          and (state in ('queued', 'suspended') or coalesce(started_at, finished_at) >= now() - make_interval(secs => $2))
     ), pools as (select distinct pool from w)
     select p.pool, t.at,
            count(w.created_at)::int as depth,
            extract(epoch from t.at - min(w.created_at))::float8 as "oldestAgeSeconds"
       from pools p cross join t
       left join w on w.pool = p.pool and w.created_at <= t.at and (w.left_at is null or w.left_at > t.at)
      group by p.pool, t.at
      order by p.pool, t.at`,
    [opts.namespace, opts.windowSeconds, opts.stepSeconds],
  );
  return r.rows;
}

export interface OutcomeRow {
  hour: Date;
  state: 'succeeded' | 'failed' | 'cancelled';
  count: number;
}

/** Finished runs per hour and outcome over the last `hours`. */
export async function outcomesPerHour(db: Queryable, opts: { namespace: string; hours: number }): Promise<OutcomeRow[]> {
  const r = await db.query<OutcomeRow>(
    `select date_trunc('hour', finished_at) as hour, state, count(*)::int as count
       from aether.runs
      where namespace = $1 and state in ('succeeded', 'failed', 'cancelled')
        and finished_at >= date_trunc('hour', now()) - make_interval(hours => $2 - 1)
      group by 1, 2
      order by 1, 2`,
    [opts.namespace, opts.hours],
  );
  return r.rows;
}

export interface PoolLoadRow {
  pool: string;
  robots: number;
  busy: number;
  queued: number;
  running: number;
}

/** Per pool: live robots, robots holding a job, queued and running runs. */
export async function poolLoad(db: Queryable, opts: { namespace: string }): Promise<PoolLoadRow[]> {
  const r = await db.query<PoolLoadRow>(
    `with b as (
       select pool, count(*)::int as robots, count(*) filter (where jobs_held > 0)::int as busy
         from aether.robots where namespace = $1 and state <> 'dead' group by pool
     ), q as (
       select pool, count(*) filter (where state = 'queued')::int as queued, count(*) filter (where state = 'running')::int as running
         from aether.runs where namespace = $1 and state in ('queued', 'running') group by pool
     )
     select coalesce(b.pool, q.pool) as pool, coalesce(b.robots, 0) as robots, coalesce(b.busy, 0) as busy,
            coalesce(q.queued, 0) as queued, coalesce(q.running, 0) as running
       from b full join q on q.pool = b.pool
      order by 1`,
    [opts.namespace],
  );
  return r.rows;
}

export interface QueueSlaRow {
  queue: string;
  pool: string;
  slaSeconds: number | null;
  new: number;
  inProgress: number;
  successful: number;
  failed: number;
  abandoned: number;
  oldestNewAt: Date | null;
  /** Items waiting (New) longer than the queue's SLA. */
  breaches: number;
}

/** Each queue of the namespace with its item counts and SLA breaches. */
export async function queueCounts(db: Queryable, opts: { namespace: string }): Promise<QueueSlaRow[]> {
  const r = await db.query<QueueSlaRow>(
    `select q.name as queue, q.pool, q.sla_seconds as "slaSeconds",
            count(i.id) filter (where i.status = 'New')::int as new,
            count(i.id) filter (where i.status = 'InProgress')::int as "inProgress",
            count(i.id) filter (where i.status = 'Successful')::int as successful,
            count(i.id) filter (where i.status = 'Failed')::int as failed,
            count(i.id) filter (where i.status = 'Abandoned')::int as abandoned,
            min(i.created_at) filter (where i.status = 'New') as "oldestNewAt",
            count(i.id) filter (where i.status in ('New', 'InProgress') and q.sla_seconds is not null
                                  and i.created_at < now() - make_interval(secs => q.sla_seconds))::int as breaches
       from aether.queues q
       left join aether.queue_items i on i.namespace = q.namespace and i.queue = q.name
      where q.namespace = $1
      group by q.name, q.pool, q.sla_seconds
      order by q.name`,
    [opts.namespace],
  );
  return r.rows;
}

/** Runs whose deadline passed before they finished (or still running past it) in the last `hours`. */
export async function deadlineBreaches(db: Queryable, opts: { namespace: string; hours: number }): Promise<number> {
  const r = await db.query<{ n: number }>(
    `select count(*)::int as n from aether.runs
      where namespace = $1 and deadline is not null and deadline >= now() - make_interval(hours => $2)
        and deadline < coalesce(finished_at, now())`,
    [opts.namespace, opts.hours],
  );
  return r.rows[0]?.n ?? 0;
}

/** Which of these uids have a run row (a job the list shows from the RpaJobs watch may just have been queued). */
export async function runUidsAmong(db: Queryable, opts: { uids: readonly string[] }): Promise<Set<string>> {
  if (opts.uids.length === 0) return new Set();
  const r = await db.query<{ uid: string }>(`select uid from aether.runs where uid = any($1::uuid[])`, [opts.uids]);
  return new Set(r.rows.map((x) => x.uid));
}
