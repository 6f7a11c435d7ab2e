-- Up Migration

-- At most one running copy of a run (robot-image/src/queue/fence.ts, api/queue/sql/fence.ts).
--
-- runs.claim_epoch is the run's fencing token. Every claim that is not a pristine first delivery bumps it
-- (only while the claiming worker pool still holds the run's queue job), and so does every release of a
-- holder: the sweeper's take-over of a dead robot's runs and a robot's own hand-back. A pristine first
-- delivery holds epoch 0 (nobody ever claimed or released the run). A robot keeps the epoch it claimed
-- with, and every write it makes for the run checks it: the run-row updates (marked running, succeeded,
-- cancelled), each status patch and each checkpoint (a guard before and after every DBOS step). Once the
-- epoch moved on, the old holder's writes are refused and it stops.
alter table aether.runs add column claim_epoch int not null default 0;

-- The release side of a fence: the operator asks a robot to stop (its pod was deleted) by setting
-- fence_requested_at; its heartbeat is no longer accepted, so the robot fences itself, stops its browser
-- work and acknowledges with stopped_at. The sweeper releases its jobs once it acknowledged, or once its
-- lease expired (whichever comes first) — never while it may still be running a step.
alter table aether.robots
  add column fence_requested_at timestamptz,
  add column stopped_at timestamptz;

-- Down Migration

alter table aether.robots drop column if exists stopped_at, drop column if exists fence_requested_at;
alter table aether.runs drop column if exists claim_epoch;
