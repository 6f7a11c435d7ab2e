-- Up Migration

-- An RpaQueue binds its workflow's credential slots to Secrets of its namespace, as an RpaJob does
-- (spec.credentials): slot -> {secretName, keys?}. Only the names: the robot reads the values from the
-- Secrets when an item's run starts, and never stores them.
alter table aether.queues add column credentials jsonb not null default '{}';

-- Down Migration

alter table aether.queues drop column if exists credentials;
