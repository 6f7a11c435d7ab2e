-- Up Migration

-- Suspending a RUNNING RpaJob (spec.suspend: true). A run a robot holds is flagged (suspend_requested) and
-- the robot told; it stops its durable workflow at the next step boundary (DBOS cancels it, resumably) and
-- parks the run: state 'suspended', its graphile-worker job gone, the queue payload kept here so that
-- resuming can add the job again under the same key. Attempt counters, failed_attempts and the DBOS
-- workflow id (rpa-<uid>-a<attempt>) are untouched, so the robot that claims the resumed run goes on at
-- the first step without a checkpoint. A suspended run is neither queued nor running: queue depth, the
-- partial index runs_live_by_pool and the dead-robot sweeper (state = 'running') all leave it alone.
-- See api/queue/sql/runs.ts (parkRun, resumeRun) and robot-image/src/queue/consumer.ts.
alter table aether.runs drop constraint runs_state_check;
alter table aether.runs
  add constraint runs_state_check
    check (state in ('queued', 'running', 'suspended', 'succeeded', 'failed', 'cancelled')),
  -- a suspend was requested while a robot held (or was about to start) the run; cleared when it is parked
  -- or the request is withdrawn.
  add column suspend_requested boolean not null default false,
  -- the queue payload of a parked run (no secrets: credential bindings are Secret references only).
  add column suspended_payload jsonb,
  add constraint runs_suspended_payload check ((state = 'suspended') = (suspended_payload is not null));

-- Down Migration

alter table aether.runs drop constraint runs_suspended_payload;
-- Nothing older knows a parked run: it ends as cancelled.
update aether.runs set state = 'cancelled', finished_at = coalesce(finished_at, now()) where state = 'suspended';
alter table aether.runs
  drop column suspended_payload,
  drop column suspend_requested,
  drop constraint runs_state_check;
alter table aether.runs
  add constraint runs_state_check check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
