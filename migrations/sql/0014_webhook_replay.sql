-- Up Migration

-- Inbound webhooks (RpaTrigger): the delivery ids a trigger has accepted, so a replayed request (same
-- X-Aether-Delivery) never creates a second RpaJob or adds items twice. A row is inserted in the same
-- transaction as the delivery's effect (the items added; for a job trigger the RpaJob, whose name derives
-- from the trigger uid and delivery id, is created before the commit, so a retry after a crash finds it
-- AlreadyExists). A row may go once its timestamp is past the longest tolerance a trigger can have: a
-- request that old is refused by its timestamp before the table is asked.
create table aether.webhook_deliveries (
  trigger_uid uuid not null,
  delivery_id text not null check (length(delivery_id) between 1 and 128),
  namespace text not null,
  trigger_name text not null,
  received_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- What the delivery did ({"job": name} or {"added": n, ...}): never the body, never the signature.
  result jsonb,
  primary key (trigger_uid, delivery_id)
);
create index webhook_deliveries_expires on aether.webhook_deliveries (expires_at);

-- Accepted deliveries per trigger, counted in the delivery's transaction; the API server copies them to
-- the RpaTrigger's status (at most once a second per trigger).
create table aether.webhook_triggers (
  trigger_uid uuid primary key,
  namespace text not null,
  trigger_name text not null,
  deliveries bigint not null default 0,
  last_delivery_at timestamptz not null
);

-- Down Migration

drop table if exists aether.webhook_triggers;
drop table if exists aether.webhook_deliveries;
