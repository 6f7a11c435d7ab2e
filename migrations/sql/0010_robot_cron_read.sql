-- Up Migration

-- Robot roles may read graphile_worker._private_known_crontabs, and see no row of it. graphile-worker's
-- runner starts its cron loop even without a crontab, and the loop first reads this table: without the
-- grant, every robot with its own role (database.robotRoles: perNamespace) logged "permission denied for
-- table _private_known_crontabs" and retried for as long as it ran. Robots have no crontab; the table's
-- rows (the operator's crontab identifiers, if any) are not theirs to see, so row-level security with no
-- policy for them hides every row (the owner bypasses it).
alter table graphile_worker._private_known_crontabs enable row level security;

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
  execute format('grant usage on all sequences in schema graphile_worker to %I', p_role);

  -- The namespace's own DBOS schema (migrated by the operator): rows, not tables.
  execute format('grant usage on schema %I to %I', p_dbos_schema, p_role);
  execute format('grant select, insert, update, delete on all tables in schema %I to %I', p_dbos_schema, p_role);
  execute format('grant usage, select on all sequences in schema %I to %I', p_dbos_schema, p_role);
  execute format('grant execute on all functions in schema %I to %I', p_dbos_schema, p_role);
end;
$$;
revoke all on function aether.grant_tenant_access(name, name) from public;
do $$
declare r name;
begin
  for r in select role_name from aether.tenant_roles loop
    execute format('revoke select on graphile_worker._private_known_crontabs from %I', r);
  end loop;
end $$;
alter table if exists graphile_worker._private_known_crontabs disable row level security;
