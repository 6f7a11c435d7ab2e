-- Up Migration

-- The web console's Robots page shows each robot's version and how often its pod's container restarted.
-- version: what the robot reports at registration (AETHER_ROBOT_VERSION, which the operator sets from the
-- robot image's tag, else the package version it was built from); null for robots registered before.
-- Restarts need no column: a restarted container is a new process with a new robot id (pod name + random
-- suffix, robot-image/src/agent/agent.ts) and registers a new row with the same pod, so a robot's restarts
-- are the earlier rows of its pod (robots_by_pod, 0001).
alter table aether.robots add column version text check (version is null or length(version) <= 128);

-- The console's Robots page updates live (the API server's event stream, api-server/src/events.ts): a robot
-- registered, or its state changed (alive, draining, dead). Heartbeats alone notify nothing. Payload
-- '<namespace>/<robot id>'.
create function aether.notify_robot_changed() returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_notify('aether_robot', new.namespace || '/' || new.id);
  return null;
end;
$$;
revoke all on function aether.notify_robot_changed() from public;
create trigger robots_notify_registered
  after insert on aether.robots
  for each row execute function aether.notify_robot_changed();
create trigger robots_notify_state
  after update of state on aether.robots
  for each row
  when (old.state is distinct from new.state)
  execute function aether.notify_robot_changed();

-- Down Migration

drop trigger if exists robots_notify_state on aether.robots;
drop trigger if exists robots_notify_registered on aether.robots;
drop function if exists aether.notify_robot_changed();
alter table aether.robots drop column if exists version;
