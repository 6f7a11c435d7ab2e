-- Up Migration

-- The web console (api-server/src/console-*.ts) lists a namespace's runs from this table, newest first, a page at
-- a time, filtered by state, pool, workflow and creation time; with 10,000 runs and more every page must come
-- from an index, not a sort of the whole namespace. runs.workflow_name (0015, written by enqueue_runs) is the
-- RpaWorkflow a run's RpaJob refers to (payload.workflowRef.name, null for an inline workflow).
create index runs_by_namespace_created on aether.runs (namespace, created_at desc, uid desc);
create index runs_by_workflow_created on aether.runs (namespace, workflow_name, created_at desc, uid desc)
  where workflow_name is not null;
create index runs_by_state_created on aether.runs (namespace, state, created_at desc, uid desc);
-- A job's page finds its newest run by name (the API server's findRun).
create index runs_by_name_created on aether.runs (namespace, name, created_at desc);

-- Down Migration

drop index if exists aether.runs_by_name_created;
drop index if exists aether.runs_by_state_created;
drop index if exists aether.runs_by_workflow_created;
drop index if exists aether.runs_by_namespace_created;
