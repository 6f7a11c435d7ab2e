-- Up Migration

-- The workflow an RpaQueue's items run, snapshotted by the operator when it mirrors the queue (robots
-- cannot read RpaWorkflows; an RpaJob's workflow travels in its queue payload instead). Null while the
-- referenced RpaWorkflow is missing or invalid: robots take no item of such a queue. The digest names the
-- snapshot (sha256 of its canonical JSON), as runs.workflow_digest does for a job.
alter table aether.queues
  add column workflow jsonb,
  add column workflow_digest text;

-- An item's runs: the robot runs an item as the durable workflow of run 'item-<id>-<run_seq>', attempt
-- retries + 1. A crash keeps both (the next robot resumes the same workflow at its step); an application
-- failure's retry moves the attempt; an item made New again from outside (the 'replace' policy, a retry by
-- hand: retries back to 0) moves run_seq, so it never meets the finished workflow of its earlier life.
alter table aether.queue_items add column run_seq int not null default 0;

-- As in 0012, plus run_seq + 1 on a replace.
create or replace function aether.add_queue_items(p_namespace text, p_queue text, items jsonb)
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
           outputs = null, error = null, robot = null, started_at = null, finished_at = null, updated_at = now(),
           run_seq = t.run_seq + 1
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

-- Down Migration

create or replace function aether.add_queue_items(p_namespace text, p_queue text, items jsonb)
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

alter table aether.queue_items drop column if exists run_seq;

alter table aether.queues drop column if exists workflow_digest, drop column if exists workflow;
