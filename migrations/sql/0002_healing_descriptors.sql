-- Up Migration

-- Self-healing selectors (issue 7): what a robot last saw of each step's element, so it can find the
-- element again when the page changes. Keyed by the workflow (an RpaWorkflow, or `inline-<digest>` for an
-- RpaJob's inline workflow) and the step's path with loop indexes removed (`rows.typeName`). A robot
-- rewrites a row only when the element changed or the row is old: see robot-image/src/engine/record-policy.ts.
create table aether.element_descriptors (
  workflow_namespace text not null,
  workflow_name text not null,
  step_path text not null,
  -- robot-image/src/healing ElementDescriptor as JSON.
  descriptor jsonb not null,
  -- sha256 of the descriptor's stable fields: an unchanged element is not written again.
  digest text not null,
  -- the step's primary target as written (locator fields only), and how likely it is to break.
  target jsonb not null,
  fragility double precision not null check (fragility between 0 and 1),
  fragility_reasons text[] not null default '{}',
  run_uid uuid,
  recorded_at timestamptz not null default now(),
  primary key (workflow_namespace, workflow_name, step_path)
);

-- A heal event says which step needed healing and what stable selector the robot found for it.
alter table aether.healing_events
  add column step_path text,
  -- the failing primary target: canonical JSON of its locator fields (api/healing/target-key.ts), so the
  -- operator can drop events of a target the workflow no longer has. Targets never hold credential values.
  add column target text,
  -- the suggested replacement target (JSON object of locator fields), when healed.
  add column suggestion jsonb,
  -- why the last tier abstained (abstained events only).
  add column reason text;

-- Down Migration

alter table if exists aether.healing_events
  drop column if exists step_path,
  drop column if exists target,
  drop column if exists suggestion,
  drop column if exists reason;
drop table if exists aether.element_descriptors;
