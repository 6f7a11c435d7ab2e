-- Up Migration

-- A job added by enqueue_runs carries the graphile-worker flag 'aether:pristine': its run has not been
-- touched since it was queued (no claim, no failure, no cancel request). A robot that fetches such a job
-- for the first time (graphile attempts = 1) knows the run's claim without reading the run: queued, no
-- previous robot, no failed attempt, max attempts and deadline as in the payload. A cancel of a job a
-- robot holds removes the flag (api/queue/sql/runs.ts clearPristineFlag); retries and hand-backs re-add
-- jobs without it. See robot-image/src/queue/claims.ts. Otherwise the same as in 0001.
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
