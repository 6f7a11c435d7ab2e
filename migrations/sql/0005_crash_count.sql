-- Up Migration

-- Poison jobs: take-overs are counted per run. A run is taken over when the robot holding it is declared
-- dead (lease expired, pod deleted: the operator's sweeper, api/queue/release.ts) or hands it back past
-- its shutdown grace period (robot-image/src/queue/transactions/hand-back.ts). Each such release adds 1
-- to crash_count and appends {robot, pod, reason, at} to crashes (the last 20 kept). max_crashes (RpaJob
-- spec.maxCrashes, default 3) take-overs are allowed; once crash_count goes past it the run is not queued
-- again: it ends 'failed' with the error code 'CrashLooping' and stays as a dead letter. A clean hand-back that did not interrupt a step
-- (an environment fault before the attempt started) and a suspend do not count; real failures count in
-- failed_attempts as before. See api/queue/sql/crashes.ts.
alter table aether.runs
  add column crash_count int not null default 0,
  add column max_crashes int not null default 3 check (max_crashes between 1 and 100),
  add column crashes jsonb not null default '[]';

alter type aether.enqueue_spec add attribute max_crashes int;

-- As in 0003, plus max_crashes.
create or replace function aether.enqueue_runs(specs jsonb)
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
                             max_attempts, max_crashes, run_at, deadline)
    select s.uid, s.namespace, s.name, s.pool, s.task_identifier, s.workflow_digest, coalesce(s.priority, 0),
           s.max_attempts, coalesce(s.max_crashes, 3), coalesce(s.run_at, now()), s.deadline
      from unnest(v_specs) s
    on conflict (uid) do nothing
    returning runs.uid
  )
  select coalesce(array_agg(inserted.uid), '{}') into v_new from inserted;

  if cardinality(v_new) > 0 then
    perform graphile_worker.add_jobs(array(
      select row(s.task_identifier, s.payload, null, coalesce(s.run_at, now()), 32767,
                 'rpa:' || s.uid::text, coalesce(s.priority, 0), array['aether:pristine'])::graphile_worker.job_spec
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

create or replace function aether.enqueue_runs(specs jsonb)
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
                 'rpa:' || s.uid::text, coalesce(s.priority, 0), array['aether:pristine'])::graphile_worker.job_spec
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

alter type aether.enqueue_spec drop attribute max_crashes;
alter table aether.runs drop column crashes, drop column max_crashes, drop column crash_count;
