-- Up Migration

-- Artifacts (issue 16): the files a job's download steps saved. One row per (run, name): a robot that
-- resumes a job after a crash finds the row its predecessor wrote and does not download again. The bytes
-- live here (bytea, capped per file and per job by the robot from its RobotPool's spec.artifacts; the
-- check below is the last line at the largest cap any pool may set). A run's artifacts go with its row.
create table aether.artifacts (
  run_uid uuid not null references aether.runs (uid) on delete cascade,
  name text not null check (name ~ '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$'),
  namespace text not null default aether.tenant_namespace(),
  -- The checkpoint path of the step that stored it: the same name from another step is refused.
  step_path text not null,
  content_type text not null,
  size bigint not null check (size >= 0 and size = octet_length(content)),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null check (octet_length(content) <= 209715200),
  created_at timestamptz not null default now(),
  primary key (run_uid, name)
);

-- A robot role sees its namespace's artifacts only, and stores one only for a run of its namespace (the
-- runs' own policy applies inside the sub-select).
alter table aether.artifacts enable row level security;
create policy tenant_rows on aether.artifacts
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace())
              and exists (select 1 from aether.runs r where r.uid = run_uid));

create or replace function aether.grant_tenant_access(p_role name, p_dbos_schema name) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (select 1 from aether.tenant_roles where role_name = p_role and dbos_schema = p_dbos_schema) then
    raise exception 'role % with DBOS schema % is not a tenant role', p_role, p_dbos_schema;
  end if;
  -- Concurrent GRANTs on one table fail ("tuple concurrently updated"): one namespace at a time.
  perform pg_advisory_xact_lock(47120014);
  execute format('grant usage on schema aether to %I', p_role);
  execute format('grant select, update on aether.runs to %I', p_role);
  execute format('grant select, insert, update on aether.robots to %I', p_role);
  execute format('grant select, insert on aether.screenshots to %I', p_role);
  execute format('grant select, insert on aether.healing_events to %I', p_role);
  execute format('grant select, insert, update on aether.element_descriptors to %I', p_role);
  execute format('grant insert on aether.audit_log to %I', p_role);
  -- Artifacts are written once (download steps) and read (upload steps, status): no update, no delete.
  execute format('grant select, insert on aether.artifacts to %I', p_role);
  execute format('grant execute on function aether.tenant_namespace(), aether.tenant_task_prefix() to %I', p_role);

  execute format('grant usage on schema graphile_worker to %I', p_role);
  execute format('grant select on graphile_worker.migrations to %I', p_role);
  execute format('grant select, insert on graphile_worker._private_tasks to %I', p_role);
  execute format('grant select, insert, update, delete on graphile_worker._private_jobs to %I', p_role);
  execute format('grant select, insert, update on graphile_worker._private_job_queues to %I', p_role);
  -- graphile-worker's runner starts its cron even without a crontab, and the cron reads this table first.
  execute format('grant select on graphile_worker._private_known_crontabs to %I', p_role);
  execute format('grant usage on all sequences in schema graphile_worker to %I', p_role);

  -- The namespace's own DBOS schema (migrated by the operator): rows, not tables.
  execute format('grant usage on schema %I to %I', p_dbos_schema, p_role);
  execute format('grant select, insert, update, delete on all tables in schema %I to %I', p_dbos_schema, p_role);
  execute format('grant usage, select on all sequences in schema %I to %I', p_dbos_schema, p_role);
  execute format('grant execute on all functions in schema %I to %I', p_dbos_schema, p_role);
end;
$$;
revoke all on function aether.grant_tenant_access(name, name) from public;

-- Existing tenant roles get the new grant now (the operator re-grants on its next reconcile anyway).
do $$
declare r record;
begin
  for r in select role_name, dbos_schema from aether.tenant_roles loop
    perform aether.grant_tenant_access(r.role_name, r.dbos_schema);
  end loop;
end $$;

-- Down Migration

create or replace function aether.grant_tenant_access(p_role name, p_dbos_schema name) returns void
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (select 1 from aether.tenant_roles where role_name = p_role and dbos_schema = p_dbos_schema) then
    raise exception 'role % with DBOS schema % is not a tenant role', p_role, p_dbos_schema;
  end if;
  -- Concurrent GRANTs on one table fail ("tuple concurrently updated"): one namespace at a time.
  perform pg_advisory_xact_lock(47120014);
  execute format('grant usage on schema aether to %I', p_role);
  execute format('grant select, update on aether.runs to %I', p_role);
  execute format('grant select, insert, update on aether.robots to %I', p_role);
  execute format('grant select, insert on aether.screenshots to %I', p_role);
  execute format('grant select, insert on aether.healing_events to %I', p_role);
  execute format('grant select, insert, update on aether.element_descriptors to %I', p_role);
  execute format('grant insert on aether.audit_log to %I', p_role);
  execute format('grant execute on function aether.tenant_namespace(), aether.tenant_task_prefix() to %I', p_role);

  execute format('grant usage on schema graphile_worker to %I', p_role);
  execute format('grant select on graphile_worker.migrations to %I', p_role);
  execute format('grant select, insert on graphile_worker._private_tasks to %I', p_role);
  execute format('grant select, insert, update, delete on graphile_worker._private_jobs to %I', p_role);
  execute format('grant select, insert, update on graphile_worker._private_job_queues to %I', p_role);
  -- graphile-worker's runner starts its cron even without a crontab, and the cron reads this table first.
  execute format('grant select on graphile_worker._private_known_crontabs to %I', p_role);
  execute format('grant usage on all sequences in schema graphile_worker to %I', p_role);

  -- The namespace's own DBOS schema (migrated by the operator): rows, not tables.
  execute format('grant usage on schema %I to %I', p_dbos_schema, p_role);
  execute format('grant select, insert, update, delete on all tables in schema %I to %I', p_dbos_schema, p_role);
  execute format('grant usage, select on all sequences in schema %I to %I', p_dbos_schema, p_role);
  execute format('grant execute on all functions in schema %I to %I', p_dbos_schema, p_role);
end;
$$;
revoke all on function aether.grant_tenant_access(name, name) from public;
drop table if exists aether.artifacts;
