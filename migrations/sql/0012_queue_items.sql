-- Up Migration

-- Work queues (issue 17): an RpaQueue is a list of work items (one invoice, one order) that robots of its
-- pool take one at a time, each item one run of the queue's workflow with the item's data as params.
-- Items are rows here, not custom resources, and ONE row per item: adding N items is one INSERT of N rows
-- (no graphile-worker job per item). Robots claim items straight from this table (`for update skip
-- locked`), woken by NOTIFY aether_queue_item. See api/queue/items/ and robot-image/src/queue/item-run.ts.
--
-- Glossary:
--   queue        aether.queues row: the RpaQueue's spec as the operator mirrored it (namespace, name).
--   item status  New -> InProgress -> Successful | Failed | Abandoned; Deleted by a user. An application
--                failure goes back to New (retries + 1, postponed by the back-off) until max_retries; a
--                business failure is Failed at once. A robot that dies puts its item back to New
--                (claim_epoch + 1, retries untouched): the next robot resumes its run at the step.
--   ref_key      the reference as far as uniqueness goes: the reference under the 'reject' and 'replace'
--                policies, null under 'allow' (and for deleted items), so one unique index serves all three.
--   claim_epoch  the item's fencing token: every claim bumps it, and only the holder of the current epoch
--                may complete or fail the item.

create table aether.queues (
  namespace text not null,
  name text not null,
  -- the RpaQueue's metadata.uid
  uid uuid,
  pool text not null,
  -- the workflow the items run: {name} of an RpaWorkflow in the namespace
  workflow_ref jsonb not null,
  max_retries int not null default 0 check (max_retries between 0 and 100),
  backoff_seconds int not null default 10 check (backoff_seconds >= 0),
  backoff_max_seconds int not null default 600 check (backoff_max_seconds >= 0),
  unique_reference text not null default 'reject' check (unique_reference in ('reject', 'replace', 'allow')),
  -- a New item older than this is Abandoned (null: no limit); the item's own deadline wins when set
  item_ttl_seconds int check (item_ttl_seconds > 0),
  -- an item InProgress longer than this is Abandoned (its robot is gone or stuck)
  in_progress_timeout_seconds int not null default 3600 check (in_progress_timeout_seconds > 0),
  -- finished items (Successful, Failed, Abandoned, Deleted) are deleted this long after they finished
  retention_seconds int check (retention_seconds > 0),
  -- the oldest New item may wait this long (null: no SLA)
  sla_seconds int check (sla_seconds > 0),
  -- the items' default priority (graphile scale: lower runs first)
  priority smallint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (namespace, name)
);

create table aether.queue_items (
  id bigint primary key generated always as identity,
  namespace text not null,
  queue text not null,
  reference text check (char_length(reference) <= 256),
  ref_key text,
  -- graphile scale: lower runs first
  priority smallint not null default 0,
  payload jsonb not null default '{}',
  status text not null default 'New'
    check (status in ('New', 'InProgress', 'Successful', 'Failed', 'Abandoned', 'Deleted')),
  -- application failures so far (retried up to the queue's max_retries)
  retries int not null default 0,
  -- claims by robots, take-overs after a crash included
  claim_epoch int not null default 0,
  -- the robot holding the item now, or the last one that held it
  robot text,
  -- not taken before this (retry back-off, a postponed item)
  postpone_until timestamptz,
  -- not taken after this: a New item past it is Abandoned
  deadline timestamptz,
  outputs jsonb,
  -- {kind: 'business' | 'application', message, code?, step?}
  error jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  foreign key (namespace, queue) references aether.queues (namespace, name) on delete cascade
);

-- What robots claim: New items of a queue in priority order.
create index queue_items_new on aether.queue_items (namespace, queue, priority, id) where status = 'New';
-- Counts per status, the held items of robots, retention.
create index queue_items_by_status on aether.queue_items (namespace, queue, status);
create index queue_items_in_progress on aether.queue_items (robot) where status = 'InProgress';
create index queue_items_finished_at on aether.queue_items (finished_at)
  where status in ('Successful', 'Failed', 'Abandoned', 'Deleted');
create unique index queue_items_ref_key on aether.queue_items (namespace, queue, ref_key);

-- One item run is one aether.runs row (the durable engine's record, as for an RpaJob).
alter table aether.runs add column queue_item bigint references aether.queue_items (id) on delete set null;
create index runs_by_queue_item on aether.runs (queue_item) where queue_item is not null;

-- ---- statements ---------------------------------------------------------------------------------------
-- Each function runs with the caller's rights (row-level security holds for robot roles) and sends at most
-- one NOTIFY aether_queue_item per call, payload '<namespace>/<queue>'.

-- Adds items in ONE statement. items: [{reference?, priority?, payload?, postponeUntil?, deadline?}], in
-- the caller's order. Returns one row per input item (ordinality), with the item id and what happened:
-- 'added', 'duplicate' (the reference exists, policy reject; also a repeat within the call), 'replaced'
-- (policy replace: the existing item that was not InProgress is New again with the new data).
create function aether.add_queue_items(p_namespace text, p_queue text, items jsonb)
returns table (ord int, item_id bigint, result text)
language plpgsql volatile
as $$
declare
  q aether.queues;
begin
  select * into q from aether.queues where namespace = p_namespace and name = p_queue;
  if not found then
    raise exception 'queue %/% does not exist', p_namespace, p_queue using errcode = 'no_data_found';
  end if;

  -- Ids are drawn up front so each input row knows its own (an added row keeps it); a conflicting row's id
  -- is wasted (a gap), never reused.
  return query
  with input as (
    select x.o::int as o, nextval(pg_get_serial_sequence('aether.queue_items', 'id')) as id,
           x.v->>'reference' as reference,
           case when q.unique_reference = 'allow' then null else x.v->>'reference' end as ref_key,
           coalesce((x.v->>'priority')::smallint, q.priority) as priority,
           coalesce(x.v->'payload', '{}'::jsonb) as payload,
           (x.v->>'postponeUntil')::timestamptz as postpone_until,
           coalesce((x.v->>'deadline')::timestamptz, now() + make_interval(secs => q.item_ttl_seconds)) as deadline
      from jsonb_array_elements(items) with ordinality x(v, o)
  ),
  -- the first occurrence of a reference within the call is the one that counts
  ranked as (
    select i.*, (i.ref_key is null or row_number() over (partition by i.ref_key order by i.o) = 1) as first
      from input i
  ),
  written as (
    insert into aether.queue_items as t (id, namespace, queue, reference, ref_key, priority, payload, postpone_until, deadline)
    overriding system value
    select r.id, p_namespace, p_queue, r.reference, r.ref_key, r.priority, r.payload, r.postpone_until, r.deadline
      from ranked r
     where r.first
     order by r.o
    on conflict (namespace, queue, ref_key) do update
       set payload = excluded.payload, priority = excluded.priority, postpone_until = excluded.postpone_until,
           deadline = excluded.deadline, reference = excluded.reference, status = 'New', retries = 0,
           outputs = null, error = null, robot = null, started_at = null, finished_at = null, updated_at = now()
     where q.unique_reference = 'replace' and t.status not in ('InProgress', 'Deleted')
    returning t.id, t.ref_key, (t.xmax <> 0) as replaced
  )
  select r.o, coalesce(wi.id, wr.id, e.id),
         case when wi.id is not null then 'added'
              when wr.id is not null and wr.replaced and r.first then 'replaced'
              else 'duplicate' end
    from ranked r
    left join written wi on wi.id = r.id
    left join written wr on wi.id is null and r.ref_key is not null and wr.ref_key = r.ref_key
    left join aether.queue_items e on wi.id is null and wr.id is null and r.ref_key is not null
                                  and e.namespace = p_namespace and e.queue = p_queue and e.ref_key = r.ref_key
   order by r.o;

  perform pg_notify('aether_queue_item', p_namespace || '/' || p_queue);
end;
$$;

-- Claims the next New item of a queue for a robot: InProgress, claim_epoch + 1. Null when none is due.
create function aether.claim_queue_item(p_namespace text, p_queue text, p_robot text)
returns setof aether.queue_items
language sql volatile
as $$
  update aether.queue_items t
     set status = 'InProgress', robot = p_robot, claim_epoch = t.claim_epoch + 1,
         started_at = now(), updated_at = now()
   where t.id = (select c.id from aether.queue_items c
                  where c.namespace = p_namespace and c.queue = p_queue and c.status = 'New'
                    and (c.postpone_until is null or c.postpone_until <= now())
                    and (c.deadline is null or c.deadline > now())
                  order by c.priority, c.id
                  limit 1
                  for update skip locked)
  returning t.*;
$$;

-- Completes an item the caller holds (same claim epoch): Successful with its outputs. False when the item
-- is no longer held with that epoch (taken over, abandoned, deleted).
create function aether.complete_queue_item(p_id bigint, p_epoch int, p_outputs jsonb)
returns boolean
language plpgsql volatile
as $$
declare
  v aether.queue_items;
begin
  update aether.queue_items
     set status = 'Successful', outputs = p_outputs, error = null, finished_at = now(), updated_at = now()
   where id = p_id and claim_epoch = p_epoch and status = 'InProgress'
  returning * into v;
  if not found then return false; end if;
  perform pg_notify('aether_queue_item', v.namespace || '/' || v.queue);
  return true;
end;
$$;

-- Records a failure of an item the caller holds. A business failure is final (Failed). An application
-- failure goes back to New, postponed by the back-off (backoff_seconds * 2^retries, at most
-- backoff_max_seconds), while retries < the queue's max_retries; then it is Failed. Returns the new status,
-- or null when the item is no longer held with that epoch.
create function aether.fail_queue_item(p_id bigint, p_epoch int, p_error jsonb)
returns text
language plpgsql volatile
as $$
declare
  v aether.queue_items;
  q aether.queues;
  v_retry boolean;
begin
  select * into v from aether.queue_items where id = p_id and claim_epoch = p_epoch and status = 'InProgress' for update;
  if not found then return null; end if;
  select * into q from aether.queues where namespace = v.namespace and name = v.queue;
  v_retry := coalesce(p_error->>'kind', 'application') <> 'business' and v.retries < coalesce(q.max_retries, 0);
  update aether.queue_items
     set status = case when v_retry then 'New' else 'Failed' end,
         retries = case when v_retry then retries + 1 else retries end,
         postpone_until = case when v_retry
           then now() + make_interval(secs => least(q.backoff_max_seconds, q.backoff_seconds * power(2, v.retries)))
           else postpone_until end,
         error = p_error,
         finished_at = case when v_retry then null else now() end,
         updated_at = now()
   where id = p_id;
  perform pg_notify('aether_queue_item', v.namespace || '/' || v.queue);
  return case when v_retry then 'New' else 'Failed' end;
end;
$$;

-- Puts the InProgress items of dead robots back to New (a crash is not a failure: retries untouched; the
-- epoch moves on so the dead holder cannot write any more). Returns the items released.
create function aether.release_queue_items(p_robots text[])
returns table (item_id bigint, namespace text, queue text)
language plpgsql volatile
as $$
begin
  return query
  with released as (
    update aether.queue_items t
       set status = 'New', claim_epoch = t.claim_epoch + 1, updated_at = now()
     where t.status = 'InProgress' and t.robot = any(p_robots)
    returning t.id, t.namespace, t.queue
  )
  select * from released;
  perform pg_notify('aether_queue_item', k) from (select distinct r.namespace || '/' || r.queue as k
    from aether.queue_items r where r.robot = any(p_robots) and r.status = 'New') keys;
end;
$$;

-- Housekeeping of one queue: New items past their deadline and InProgress items past the queue's
-- in_progress_timeout become Abandoned. Returns how many.
create function aether.abandon_queue_items(p_namespace text, p_queue text)
returns int
language plpgsql volatile
as $$
declare
  n int;
begin
  with q as (select * from aether.queues where namespace = p_namespace and name = p_queue),
  gone as (
    update aether.queue_items t
       set status = 'Abandoned', claim_epoch = t.claim_epoch + 1, finished_at = now(), updated_at = now(),
           error = jsonb_build_object('kind', 'application', 'code',
             case when t.status = 'New' then 'DeadlineExceeded' else 'InProgressTimeout' end,
             'message', case when t.status = 'New' then 'the item''s deadline passed before a robot took it'
                             else 'the item was in progress longer than the queue allows' end)
      from q
     where t.namespace = p_namespace and t.queue = p_queue
       and ((t.status = 'New' and t.deadline <= now())
         or (t.status = 'InProgress' and t.started_at <= now() - make_interval(secs => q.in_progress_timeout_seconds)))
    returning t.id
  )
  select count(*) into n from gone;
  if n > 0 then perform pg_notify('aether_queue_item', p_namespace || '/' || p_queue); end if;
  return n;
end;
$$;

-- ---- tenancy (as 0007): a robot role sees and changes only its namespace's queues and items ----------
alter table aether.queues enable row level security;
create policy tenant_rows on aether.queues
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));
alter table aether.queue_items enable row level security;
create policy tenant_rows on aether.queue_items
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));

-- As in 0011, plus the queue tables.
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
  -- Work queues: robots read queues, claim/complete/fail items and may add items (a dispatcher workflow).
  execute format('grant select on aether.queues to %I', p_role);
  execute format('grant select, insert, update on aether.queue_items to %I', p_role);
  execute format('grant usage on sequence aether.queue_items_id_seq to %I', p_role);

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


drop function if exists aether.abandon_queue_items(text, text);
drop function if exists aether.release_queue_items(text[]);
drop function if exists aether.fail_queue_item(bigint, int, jsonb);
drop function if exists aether.complete_queue_item(bigint, int, jsonb);
drop function if exists aether.claim_queue_item(text, text, text);
drop function if exists aether.add_queue_items(text, text, jsonb);
alter table aether.runs drop column if exists queue_item;
drop table if exists aether.queue_items;
drop table if exists aether.queues;
