-- Up Migration

-- The queueAdd workflow step (issue 17): a dispatcher run adds work items, exactly once even when the
-- robot dies after the items were added and before the step's checkpoint (the step then runs again).
-- A deterministic reference alone is not enough: under the 'allow' policy references are not unique, and
-- under 'replace' a repeat would make finished items New again. So every item a step wrote carries the
-- step's key (added_by: the run's DBOS workflow id + the step's checkpoint path) and its position in the
-- step's list (added_ord); a step that finds items under its key wrote them already and writes nothing.
-- No new grants: a robot role already inserts and updates its namespace's queue_items (0012), and row-level
-- security keeps it to its own namespace's queues (another namespace's queue "does not exist" for it).
alter table aether.queue_items
  add column added_by text check (char_length(added_by) <= 1024),
  add column added_ord int;
create index queue_items_added_by on aether.queue_items (namespace, queue, added_by) where added_by is not null;

-- Adds items as aether.add_queue_items does, once per p_key: the first call adds them and marks what it
-- wrote; a later call with the same key (a re-executed step) adds nothing and answers what the first one
-- did ('added' for the items it wrote, 'duplicate' with the existing item for the rest). Concurrent calls
-- with one key are serialized by an advisory lock on it.
create function aether.add_queue_items_once(p_namespace text, p_queue text, p_key text, items jsonb)
returns table (ord int, item_id bigint, result text)
language plpgsql volatile
as $$
declare
  v jsonb;
begin
  perform pg_advisory_xact_lock(hashtextextended(p_namespace || '/' || p_queue || '/' || p_key, 47120016));
  if exists (select 1 from aether.queue_items t
              where t.namespace = p_namespace and t.queue = p_queue and t.added_by = p_key) then
    return query
      select x.o::int, coalesce(a.id, e.id), case when a.id is not null then 'added' else 'duplicate' end
        from jsonb_array_elements(items) with ordinality x(v, o)
        left join aether.queue_items a on a.namespace = p_namespace and a.queue = p_queue
                                      and a.added_by = p_key and a.added_ord = x.o
        left join aether.queue_items e on a.id is null and e.namespace = p_namespace and e.queue = p_queue
                                      and e.ref_key = x.v->>'reference'
       order by x.o;
    return;
  end if;

  select coalesce(jsonb_agg(jsonb_build_object('o', a.ord, 'id', a.item_id, 'r', a.result) order by a.ord), '[]'::jsonb)
    into v
    from aether.add_queue_items(p_namespace, p_queue, items) a;
  update aether.queue_items t
     set added_by = p_key, added_ord = (e->>'o')::int
    from jsonb_array_elements(v) e
   where t.id = (e->>'id')::bigint and e->>'r' in ('added', 'replaced');
  return query select (e->>'o')::int, (e->>'id')::bigint, e->>'r' from jsonb_array_elements(v) e;
end;
$$;

-- Item runs' artifacts (download/upload steps in a queue's workflow). An item run has no aether.runs row:
-- its artifacts carry the item (queue_item, gone with it) and a run_uid the robot derives from the item's
-- run id (api/queue/items/run-id.ts). The foreign key to aether.runs now holds for job artifacts only:
-- job_run is run_uid where there is no item, and null (not checked) for an item run's artifact.
alter table aether.artifacts
  add column queue_item bigint references aether.queue_items (id) on delete cascade,
  add column job_run uuid generated always as (case when queue_item is null then run_uid end) stored
    references aether.runs (uid) on delete cascade;
alter table aether.artifacts drop constraint artifacts_run_uid_fkey;
create index artifacts_by_queue_item on aether.artifacts (queue_item) where queue_item is not null;

-- As in 0011, or the artifact of an item of the namespace (the items' own policy applies inside).
drop policy tenant_rows on aether.artifacts;
create policy tenant_rows on aether.artifacts
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace())
              and (exists (select 1 from aether.runs r where r.uid = run_uid)
                   or exists (select 1 from aether.queue_items i where i.id = queue_item)));

-- The failure screenshot of an item run, kept with the item the same way (0007's policy: a screenshot of
-- a run of the namespace, or of an item of the namespace).
alter table aether.screenshots
  add column queue_item bigint references aether.queue_items (id) on delete cascade,
  add column job_run uuid generated always as (case when queue_item is null then run_uid end) stored
    references aether.runs (uid) on delete cascade;
alter table aether.screenshots drop constraint screenshots_run_uid_fkey;
create index screenshots_by_queue_item on aether.screenshots (queue_item) where queue_item is not null;
drop policy tenant_rows on aether.screenshots;
create policy tenant_rows on aether.screenshots
  using (exists (select 1 from aether.runs r where r.uid = run_uid)
         or exists (select 1 from aether.queue_items i where i.id = queue_item))
  with check (exists (select 1 from aether.runs r where r.uid = run_uid)
              or exists (select 1 from aether.queue_items i where i.id = queue_item));

-- Down Migration

drop policy tenant_rows on aether.screenshots;
create policy tenant_rows on aether.screenshots
  using (exists (select 1 from aether.runs r where r.uid = run_uid))
  with check (exists (select 1 from aether.runs r where r.uid = run_uid));
delete from aether.screenshots where queue_item is not null;
alter table aether.screenshots
  add constraint screenshots_run_uid_fkey foreign key (run_uid) references aether.runs (uid) on delete cascade;
drop index if exists aether.screenshots_by_queue_item;
alter table aether.screenshots drop column if exists job_run, drop column if exists queue_item;

drop policy tenant_rows on aether.artifacts;
create policy tenant_rows on aether.artifacts
  using (namespace = (select aether.tenant_namespace()))
  with check (namespace = (select aether.tenant_namespace())
              and exists (select 1 from aether.runs r where r.uid = run_uid));
delete from aether.artifacts where queue_item is not null;
alter table aether.artifacts
  add constraint artifacts_run_uid_fkey foreign key (run_uid) references aether.runs (uid) on delete cascade;
drop index if exists aether.artifacts_by_queue_item;
alter table aether.artifacts drop column if exists job_run, drop column if exists queue_item;

drop function if exists aether.add_queue_items_once(text, text, text, jsonb);
drop index if exists aether.queue_items_added_by;
alter table aether.queue_items drop column if exists added_ord, drop column if exists added_by;
