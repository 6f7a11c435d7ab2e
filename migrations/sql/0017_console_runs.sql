-- Up Migration

-- The web console (api-server/src/console-*.ts) lists a namespace's runs from this table, newest first, a page at
-- a time, filtered by state, pool, workflow and creation time; with 10,000 runs and more every page must come
-- from an index, not a sort of the whole namespace. runs.workflow is the RpaWorkflow a run's RpaJob refers to
-- (payload.workflowRef.name, null for an inline workflow), written by enqueue_runs.
alter table aether.runs add column workflow text;

create index runs_by_namespace_created on aether.runs (namespace, created_at desc, uid desc);
create index runs_by_workflow_created on aether.runs (namespace, workflow, created_at desc, uid desc)
  where workflow is not null;
create index runs_by_state_created on aether.runs (namespace, state, created_at desc, uid desc);
-- A job's page finds its newest run by name (the API server's findRun).
create index runs_by_name_created on aether.runs (namespace, name, created_at desc);

-- As in 0005, plus workflow.
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
                             max_attempts, max_crashes, run_at, deadline, workflow)
    select s.uid, s.namespace, s.name, s.pool, s.task_identifier, s.workflow_digest, coalesce(s.priority, 0),
           s.max_attempts, coalesce(s.max_crashes, 3), coalesce(s.run_at, now()), s.deadline,
           left(s.payload::jsonb -> 'workflowRef' ->> 'name', 253)
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

drop index if exists aether.runs_by_name_created;
drop index if exists aether.runs_by_state_created;
drop index if exists aether.runs_by_workflow_created;
drop index if exists aether.runs_by_namespace_created;
alter table aether.runs drop column if exists workflow;
