-- Up Migration

-- The workflow an RpaQueue's items run, snapshotted by the operator when it mirrors the queue (robots
-- cannot read RpaWorkflows; an RpaJob's workflow travels in its queue payload instead). Null while the
-- referenced RpaWorkflow is missing or invalid: robots take no item of such a queue. The digest names the
-- snapshot (sha256 of its canonical JSON), as runs.workflow_digest does for a job.
alter table aether.queues
  add column workflow jsonb,
  add column workflow_digest text;

-- Down Migration

alter table aether.queues drop column if exists workflow_digest, drop column if exists workflow;
