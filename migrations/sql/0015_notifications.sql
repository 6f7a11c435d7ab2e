-- Up Migration

-- Outbound notifications (issue 17): an RpaNotification asks for a signed POST to its URL when jobs, queue
-- items or queues of its namespace reach certain events. The operator mirrors each RpaNotification's spec to
-- aether.notifications (names of its signing Secret only, never the key). An event becomes one delivery row
-- per matching notification IN THE SAME TRANSACTION that records it: triggers on aether.runs (a job's
-- terminal state) and aether.queue_items (an item's terminal status), and the RpaQueue controller for an SLA
-- breach. The operator's sender (operator/src/notifications/) claims due deliveries, POSTs them and records
-- each attempt here. See README "Notifications".
--
-- Glossary:
--   event       JobSucceeded | JobFailed | JobCancelled | ItemSuccessful | ItemFailed | ItemAbandoned |
--               QueueSlaBreached.
--   subject     what the event is about: '<namespace>/<job name>', '<namespace>/<queue>/<item id>' or
--               '<namespace>/<queue>'.
--   delivery    state Pending -> Delivered | Failed; attempts counts POSTs started (the sender takes a
--               delivery by moving next_attempt_at past its timeout, so a sender that dies mid-POST leaves
--               it due again later, never lost).
--   filters     workflows / queues / pools: null = any; set = the event must have that attribute and it
--               must be listed (a job has no queue: a notification with `queues` never fires for jobs).

-- The RpaWorkflow a job runs (null for an inline workflow), for the `workflows` filter.
alter table aether.runs add column workflow_name text;

-- As in 0005, plus workflow_name from the payload's workflowRef.
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
                             max_attempts, max_crashes, run_at, deadline, workflow_name)
    select s.uid, s.namespace, s.name, s.pool, s.task_identifier, s.workflow_digest, coalesce(s.priority, 0),
           s.max_attempts, coalesce(s.max_crashes, 3), coalesce(s.run_at, now()), s.deadline,
           s.payload->'workflowRef'->>'name'
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

create table aether.notifications (
  namespace text not null,
  name text not null,
  -- the RpaNotification's metadata.uid
  uid uuid,
  url text not null check (char_length(url) <= 2048),
  events text[] not null check (cardinality(events) > 0),
  workflows text[],
  queues text[],
  pools text[],
  max_attempts int not null default 8 check (max_attempts between 1 and 50),
  backoff_initial_seconds int not null default 5 check (backoff_initial_seconds > 0),
  backoff_max_seconds int not null default 3600 check (backoff_max_seconds >= backoff_initial_seconds),
  -- the signing key's Secret and key (names: the operator reads the value from the Kubernetes API)
  secret_name text not null,
  secret_key text not null,
  -- false while the operator refuses the URL: no event is recorded for it
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (namespace, name)
);

create table aether.notification_deliveries (
  -- X-Aether-Delivery: the same on every attempt
  id uuid primary key default gen_random_uuid(),
  namespace text not null,
  notification text not null,
  event text not null check (event in ('JobSucceeded', 'JobFailed', 'JobCancelled', 'ItemSuccessful', 'ItemFailed',
                                       'ItemAbandoned', 'QueueSlaBreached')),
  subject text not null,
  -- the POSTed JSON (no secrets: run errors and item errors as recorded, no outputs)
  payload jsonb not null,
  state text not null default 'Pending' check (state in ('Pending', 'Delivered', 'Failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  -- the last attempt: when, the receiver's HTTP status (null: no answer) and what went wrong (capped)
  last_attempt_at timestamptz,
  last_status int,
  last_error text check (char_length(last_error) <= 1024),
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  finished_at timestamptz,
  foreign key (namespace, notification) references aether.notifications (namespace, name) on delete cascade
);
create index notification_deliveries_due on aether.notification_deliveries (next_attempt_at) where state = 'Pending';
create index notification_deliveries_by_notification on aether.notification_deliveries (namespace, notification, state);
create index notification_deliveries_last_attempt on aether.notification_deliveries (namespace, notification, last_attempt_at desc)
  where last_attempt_at is not null;
create index notification_deliveries_finished_at on aether.notification_deliveries (finished_at) where state <> 'Pending';

-- One delivery per notification of the namespace that wants the event. Runs as the schema owner (security
-- definer, fixed search_path): it is called by the triggers below in a robot's transaction, and robot roles
-- have no access to the notification tables. Not executable by anyone else (a robot calling it directly
-- could forge events). NOTIFY aether_notification '<namespace>' when it recorded any.
create function aether.record_notification_event(p_namespace text, p_event text, p_subject text, p_workflow text,
                                                 p_queue text, p_pool text, p_payload jsonb)
returns int
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  n int;
begin
  insert into aether.notification_deliveries (namespace, notification, event, subject, payload)
  select c.namespace, c.name, p_event, p_subject,
         jsonb_build_object('event', p_event, 'namespace', p_namespace, 'notification', c.name, 'subject', p_subject,
                            'occurredAt', to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
           || p_payload
    from aether.notifications c
   where c.namespace = p_namespace and c.enabled and p_event = any(c.events)
     and (c.workflows is null or p_workflow = any(c.workflows))
     and (c.queues is null or p_queue = any(c.queues))
     and (c.pools is null or p_pool = any(c.pools));
  get diagnostics n = row_count;
  if n > 0 then perform pg_notify('aether_notification', p_namespace); end if;
  return n;
end;
$$;
revoke all on function aether.record_notification_event(text, text, text, text, text, text, jsonb) from public;

-- A job (not an item's run) reached a terminal state.
create function aether.notify_run_finished() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform aether.record_notification_event(
    new.namespace,
    case new.state when 'succeeded' then 'JobSucceeded' when 'failed' then 'JobFailed' else 'JobCancelled' end,
    new.namespace || '/' || new.name, new.workflow_name, null, new.pool,
    jsonb_build_object('job', jsonb_build_object(
      'namespace', new.namespace, 'name', new.name, 'uid', new.uid, 'phase', initcap(new.state), 'pool', new.pool,
      'workflow', new.workflow_name, 'attempts', new.attempts, 'error', new.error, 'finishedAt', new.finished_at)));
  return null;
end;
$$;
revoke all on function aether.notify_run_finished() from public;
create trigger runs_notify_finished
  after update of state on aether.runs
  for each row
  when (new.state in ('succeeded', 'failed', 'cancelled') and old.state is distinct from new.state and new.queue_item is null)
  execute function aether.notify_run_finished();

-- A queue item reached a terminal status.
create function aether.notify_queue_item_finished() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  q aether.queues;
begin
  select * into q from aether.queues where namespace = new.namespace and name = new.queue;
  perform aether.record_notification_event(
    new.namespace, 'Item' || new.status, new.namespace || '/' || new.queue || '/' || new.id,
    q.workflow_ref->>'name', new.queue, q.pool,
    jsonb_build_object('item', jsonb_build_object(
      'namespace', new.namespace, 'queue', new.queue, 'id', new.id, 'reference', new.reference, 'status', new.status,
      'retries', new.retries, 'error', new.error, 'finishedAt', new.finished_at)));
  return null;
end;
$$;
revoke all on function aether.notify_queue_item_finished() from public;
create trigger queue_items_notify_finished
  after update of status on aether.queue_items
  for each row
  when (new.status in ('Successful', 'Failed', 'Abandoned') and old.status is distinct from new.status)
  execute function aether.notify_queue_item_finished();

-- ---- tenancy (as 0007): a tenant role sees only its namespace's rows (and is granted nothing here) -----
alter table aether.notifications enable row level security;
create policy tenant_rows on aether.notifications
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));
alter table aether.notification_deliveries enable row level security;
create policy tenant_rows on aether.notification_deliveries
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace()));

-- Down Migration

drop trigger if exists queue_items_notify_finished on aether.queue_items;
drop trigger if exists runs_notify_finished on aether.runs;
drop function if exists aether.notify_queue_item_finished();
drop function if exists aether.notify_run_finished();
drop function if exists aether.record_notification_event(text, text, text, text, text, text, jsonb);
drop table if exists aether.notification_deliveries;
drop table if exists aether.notifications;

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

alter table aether.runs drop column if exists workflow_name;
