-- Up Migration

-- The web console's Robots page shows each robot's version and how often its pod's container restarted.
-- version: what the robot reports at registration (AETHER_ROBOT_VERSION, which the operator sets from the
-- robot image's tag, else the package version it was built from); null for robots registered before.
-- Restarts need no column: a restarted container is a new process with a new robot id (pod name + random
-- suffix, robot-image/src/agent/agent.ts) and registers a new row with the same pod, so a robot's restarts
-- are the earlier rows of its pod (robots_by_pod, 0001).
alter table aether.robots add column version text check (version is null or length(version) <= 128);

-- Down Migration

alter table aether.robots drop column if exists version;
