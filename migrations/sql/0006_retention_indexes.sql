-- Up Migration

-- Retention (operator/src/retention): the leader deletes rows older than a cut-off per kind, in small
-- batches (`delete ... where ctid in (select ctid ... limit n)`). Each batch must find its rows through an
-- index on the age column, or it scans the whole table while holding its locks. A finished job whose TTL
-- passed takes its own rows with it (by run_uid): healing rows need an index for that too.
create index runs_finished_at on aether.runs (finished_at)
  where state in ('succeeded', 'failed', 'cancelled');
create index screenshots_taken_at on aether.screenshots (taken_at);
create index healing_events_at on aether.healing_events (at);
create index healing_events_by_run on aether.healing_events (run_uid) where run_uid is not null;
create index audit_log_at on aether.audit_log (at);
-- Deleting a screenshot sets runs.screenshot_id to null where it was referenced (on delete set null):
-- without an index each deleted screenshot scans the whole runs table.
create index runs_screenshot_id on aether.runs (screenshot_id) where screenshot_id is not null;

-- Down Migration

drop index if exists aether.runs_screenshot_id;
drop index if exists aether.audit_log_at;
drop index if exists aether.healing_events_by_run;
drop index if exists aether.healing_events_at;
drop index if exists aether.screenshots_taken_at;
drop index if exists aether.runs_finished_at;
