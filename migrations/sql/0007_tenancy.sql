-- Up Migration

-- Tenancy (issue 13.3): each robot namespace reaches PostgreSQL with its own login role and sees only its
-- namespace's rows. The operator creates and maintains the roles (operator/src/tenancy/): it records each
-- one here, grants it the DML the robot code path needs (aether.grant_tenant_access below) and issues the
-- namespace's connection URL as a Secret in the robot namespace. The schema owner (the migrations Job and
-- the operator) is not subject to these policies (row-level security is enabled, not forced: the owner
-- enqueues, sweeps and prunes for every namespace). A role that is neither the owner nor listed here sees
-- no row at all: every policy compares with aether.tenant_namespace(), which is null for it.

-- role -> namespace, written by the operator only (robots cannot read it).
create table aether.tenant_roles (
  role_name name primary key,
  namespace text not null unique,
  -- DBOS system tables of this namespace's robots (DBOS's systemDatabaseSchemaName), owned by the operator.
  dbos_schema name not null unique,
  -- sha256 (hex) of the password in the namespace's Secret: the operator sets the role's password again only
  -- when the Secret's password differs (a rotated or recreated Secret).
  password_digest text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
revoke all on aether.tenant_roles from public;

-- The namespace of the connected login role, or null (the owner, an unknown role). SECURITY DEFINER so
-- that robot roles need no access to the mapping table; keyed on session_user, the role that logged in
-- (robot roles are members of no role they could SET ROLE to).
create function aether.tenant_namespace() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select namespace from aether.tenant_roles where role_name = session_user $$;

-- The graphile-worker task identifiers of a namespace start with this (api/queue/identifiers.ts
-- taskIdentifier: 'rpa.run.<namespace>.<pool>', long ones shortened after the namespace).
create function aether.tenant_task_prefix() returns text
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$ select 'rpa.run.' || namespace || '.' from aether.tenant_roles where role_name = session_user $$;

-- What a robot audits carries its namespace without the robot saying so (see the audit_log policy).
alter table aether.audit_log alter column namespace set default aether.tenant_namespace();

-- ---- row-level security on Aether's tables ------------------------------------------------------------
-- `(select f())` is evaluated once per statement, not per row.

alter table aether.runs enable row level security;
create policy tenant_rows on aether.runs
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));

alter table aether.robots enable row level security;
create policy tenant_rows on aether.robots
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));

-- A screenshot belongs to its run: visible and insertable only with a run of the namespace (runs' own
-- policy applies inside the sub-select).
alter table aether.screenshots enable row level security;
create policy tenant_rows on aether.screenshots
  using (exists (select 1 from aether.runs r where r.uid = run_uid))
  with check (exists (select 1 from aether.runs r where r.uid = run_uid));

alter table aether.healing_events enable row level security;
create policy tenant_rows on aether.healing_events
  using (workflow_namespace = (select aether.tenant_namespace()))
  with check (workflow_namespace = (select aether.tenant_namespace()));

alter table aether.element_descriptors enable row level security;
create policy tenant_rows on aether.element_descriptors
  using (workflow_namespace = (select aether.tenant_namespace()))
  with check (workflow_namespace = (select aether.tenant_namespace()));

alter table aether.audit_log enable row level security;
create policy tenant_rows on aether.audit_log
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));

alter table aether.tenant_roles enable row level security;
-- (no policy: nobody but the owner reads it)

-- ---- graphile-worker: a robot role sees, fetches and adds only its namespace's tasks' jobs ------------
-- graphile-worker 0.18's runner works on these tables with plain SQL (getJobs, completeJobs, failJobs,
-- returnJobs) and its functions (add_job, add_jobs, remove_job, force_unlock_workers, ...) run with the
-- caller's rights, so row-level security holds for every path. Its view graphile_worker.jobs runs as its
-- owner: robot roles get no access to it.

alter table graphile_worker._private_tasks enable row level security;
create policy aether_tenant_tasks on graphile_worker._private_tasks
  using (starts_with(identifier, (select aether.tenant_task_prefix())))
  with check (starts_with(identifier, (select aether.tenant_task_prefix())));

alter table graphile_worker._private_jobs enable row level security;
create policy aether_tenant_jobs on graphile_worker._private_jobs
  using (exists (select 1 from graphile_worker._private_tasks t
                  where t.id = task_id and starts_with(t.identifier, (select aether.tenant_task_prefix()))))
  with check (exists (select 1 from graphile_worker._private_tasks t
                       where t.id = task_id and starts_with(t.identifier, (select aether.tenant_task_prefix()))));

-- ---- what a robot role may do --------------------------------------------------------------------------
-- The DML of the robot code path (robot-image/src/queue, agent, engine; api/queue/sql, api/healing/sql):
-- no DDL, no ownership, no TRUNCATE/REFERENCES/TRIGGER. Called by the operator for every tenant role on
-- each reconcile (idempotent), so a later migration that redefines this function re-grants everywhere.
create function aether.grant_tenant_access(p_role name, p_dbos_schema name) returns void
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

-- Down Migration

drop function if exists aether.grant_tenant_access(name, name);
drop policy if exists aether_tenant_jobs on graphile_worker._private_jobs;
alter table graphile_worker._private_jobs disable row level security;
drop policy if exists aether_tenant_tasks on graphile_worker._private_tasks;
alter table graphile_worker._private_tasks disable row level security;
drop policy if exists tenant_rows on aether.audit_log;
alter table aether.audit_log disable row level security;
drop policy if exists tenant_rows on aether.element_descriptors;
alter table aether.element_descriptors disable row level security;
drop policy if exists tenant_rows on aether.healing_events;
alter table aether.healing_events disable row level security;
drop policy if exists tenant_rows on aether.screenshots;
alter table aether.screenshots disable row level security;
drop policy if exists tenant_rows on aether.robots;
alter table aether.robots disable row level security;
drop policy if exists tenant_rows on aether.runs;
alter table aether.runs disable row level security;
alter table aether.audit_log alter column namespace drop default;
drop function if exists aether.tenant_task_prefix();
drop function if exists aether.tenant_namespace();
drop table if exists aether.tenant_roles;
