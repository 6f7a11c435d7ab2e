-- Up Migration

-- Aether's own bookkeeping. graphile-worker (schema graphile_worker) and DBOS keep their own schemas;
-- migrations/index.ts runs graphile-worker's migrations before this file.
create schema if not exists aether;

-- One row per RpaJob (its metadata.uid). The graphile-worker job is the delivery vehicle; this row is the
-- record: state, attempts, the last error, outputs. It outlives the job (history, dead letters).
create table aether.runs (
  uid uuid primary key,
  namespace text not null,
  name text not null,
  pool text not null,
  -- graphile-worker task identifier of the pool (rpa.run.<namespace>.<pool>); kept to re-add the job on retry.
  task_identifier text not null,
  workflow_digest text not null,
  state text not null default 'queued'
    check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  -- graphile-worker scale: lower runs first.
  priority smallint not null default 0,
  -- claims by robots, take-overs after a crash included.
  attempts int not null default 0,
  -- real failures reported by the workflow; retries stop when it reaches max_attempts.
  failed_attempts int not null default 0,
  max_attempts int not null check (max_attempts >= 1),
  -- the robot holding the run now, or the last one that held it.
  robot text,
  -- at the last claim: the robot that held this attempt before (crash take-over, hand-back), else null.
  previous_robot text,
  run_at timestamptz not null default now(),
  deadline timestamptz,
  cancel_requested boolean not null default false,
  outputs jsonb,
  error jsonb,
  screenshot_id bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);

-- Queue depth per pool counts only this small, live part of the table.
create index runs_live_by_pool on aether.runs (namespace, pool, state, run_at)
  where state in ('queued', 'running');
-- Dead letters: runs that exhausted their attempts.
create index runs_failed_by_pool on aether.runs (namespace, pool, finished_at desc)
  where state = 'failed';

-- One row per robot process (pod). Its heartbeat is its lease; worker_pool_ids are the graphile-worker
-- pool ids (`locked_by` of the jobs it holds) so a sweeper can release them when the robot dies.
create table aether.robots (
  id text primary key,
  namespace text not null,
  pool text not null,
  pod text,
  state text not null default 'alive' check (state in ('alive', 'draining', 'dead')),
  worker_pool_ids text[] not null default '{}',
  jobs_held int not null default 0,
  lease_seconds int not null check (lease_seconds > 0),
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  died_at timestamptz
);
create index robots_live_by_heartbeat on aether.robots (heartbeat_at) where state <> 'dead';
create index robots_by_pod on aether.robots (namespace, pod);

-- The last screenshot of a failed step, bounded in size (2 MiB).
create table aether.screenshots (
  id bigint primary key generated always as identity,
  run_uid uuid not null references aether.runs (uid) on delete cascade,
  step_id text not null,
  content_type text not null default 'image/png',
  image bytea not null check (octet_length(image) <= 2097152),
  taken_at timestamptz not null default now()
);
create index screenshots_by_run on aether.screenshots (run_uid);
alter table aether.runs
  add constraint runs_screenshot_fk foreign key (screenshot_id) references aether.screenshots (id) on delete set null;

-- What the self-healing locator did, per workflow step.
create table aether.healing_events (
  id bigint primary key generated always as identity,
  workflow_namespace text not null,
  workflow_name text not null,
  step_id text not null,
  run_uid uuid,
  tier text not null,
  outcome text not null,
  chosen_selector text,
  score double precision,
  at timestamptz not null default now()
);
create index healing_events_by_workflow on aether.healing_events (workflow_namespace, workflow_name, at desc);

-- Decisions worth a trail: cancels, dead letters, robots declared dead.
create table aether.audit_log (
  id bigint primary key generated always as identity,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  namespace text,
  name text,
  run_uid uuid,
  details jsonb not null default '{}'
);
create index audit_log_by_run on aether.audit_log (run_uid) where run_uid is not null;

-- Enqueue in ONE statement: insert the run rows (a UID already present is skipped: enqueueing twice is a
-- no-op, also when the first job is running), add one graphile-worker job per new run with the job key
-- 'rpa:<uid>', and NOTIFY aether_enqueue once per pool ('<namespace>/<pool>') so scalers react at once.
-- graphile max_attempts is the smallint maximum: crashes use up graphile attempts, real failures are
-- counted in runs.failed_attempts (see api/queue/sql/runs.ts).
create type aether.enqueue_spec as (
  uid uuid,
  namespace text,
  name text,
  pool text,
  task_identifier text,
  workflow_digest text,
  priority smallint,
  max_attempts int,
  run_at timestamptz,
  deadline timestamptz,
  payload json
);

create function aether.enqueue_runs(specs jsonb)
returns table (run_uid uuid, enqueued boolean)
language plpgsql volatile
as $$
declare
  v_specs aether.enqueue_spec[];
  v_new uuid[];
begin
  select coalesce(array_agg(s order by s.uid), '{}')
    into v_specs
    from (
      select distinct on (p.uid) p.*
      from jsonb_populate_recordset(null::aether.enqueue_spec, specs) p
      order by p.uid
    ) s;

  with inserted as (
    insert into aether.runs (uid, namespace, name, pool, task_identifier, workflow_digest, priority,
                             max_attempts, run_at, deadline)
    select s.uid, s.namespace, s.name, s.pool, s.task_identifier, s.workflow_digest, coalesce(s.priority, 0),
           s.max_attempts, coalesce(s.run_at, now()), s.deadline
      from unnest(v_specs) s
    on conflict (uid) do nothing
    returning runs.uid
  )
  select coalesce(array_agg(inserted.uid), '{}') into v_new from inserted;

  if cardinality(v_new) > 0 then
    perform graphile_worker.add_jobs(array(
      select row(s.task_identifier, s.payload, null, coalesce(s.run_at, now()), 32767,
                 'rpa:' || s.uid::text, coalesce(s.priority, 0), null)::graphile_worker.job_spec
        from unnest(v_specs) s
        join unnest(v_new) n(uid) on n.uid = s.uid
    ));
    perform pg_notify('aether_enqueue', k.pool_key)
       from (select distinct s.namespace || '/' || s.pool as pool_key
               from unnest(v_specs) s join unnest(v_new) n(uid) on n.uid = s.uid) k;
  end if;

  return query select s.uid, n.uid is not null from unnest(v_specs) s left join unnest(v_new) n(uid) on n.uid = s.uid;
end;
$$;

-- Down Migration

drop function if exists aether.enqueue_runs(jsonb);
drop type if exists aether.enqueue_spec;
drop table if exists aether.audit_log;
drop table if exists aether.healing_events;
alter table if exists aether.runs drop constraint if exists runs_screenshot_fk;
drop table if exists aether.screenshots;
drop table if exists aether.robots;
drop table if exists aether.runs;
