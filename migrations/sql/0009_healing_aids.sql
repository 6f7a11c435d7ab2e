-- Up Migration

-- Healing aids the robot records by itself with a step's element (issue 15): the stable elements near it
-- (tier-2 anchors, robot-image/src/healing/anchors.ts) and a small picture of it (a tier-3 template), so
-- tiers 2 and 3 work without an author-written `anchor` or `image`. A masked step records neither.
alter table aether.element_descriptors
  -- RecordedAnchor[] as JSON: each anchor's own locator, frame, relation and distance to the element.
  add column anchors jsonb not null default '[]',
  -- PNG of the element (RECORDED_TEMPLATE_LIMITS keeps it far below this bound), where it was, and the
  -- sha256 of the PNG so an unchanged picture is not written again.
  add column template_png bytea check (octet_length(template_png) <= 65536),
  add column template_box jsonb,
  add column template_digest text;

-- Down Migration

alter table if exists aether.element_descriptors
  drop column if exists template_digest,
  drop column if exists template_box,
  drop column if exists template_png,
  drop column if exists anchors;
