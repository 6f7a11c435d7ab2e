// One thin function per SQL statement on Aether's self-healing tables (migrations 0001, 0002, 0009):
// recorded element descriptors (written by robots) and heal events (written by robots, read by the
// operator to build RpaWorkflow status). Rows carry plain JSON: this file knows no Playwright.
import type { Queryable } from '../queue/db.js';
import type { LocatorFields } from './target-key.js';

/** NOTIFY channel: a robot recorded a heal event for the workflow named in the payload ('<namespace>/<name>'). */
export const HEALING_CHANNEL = 'aether_healing';

/** Where a workflow's healing records live: an RpaWorkflow, or an inline workflow's key. */
export interface WorkflowKey {
  namespace: string;
  name: string;
}

export interface DescriptorRow {
  stepPath: string;
  descriptor: Record<string, unknown>;
  digest: string;
  target: LocatorFields;
  fragility: number;
  fragilityReasons: string[];
  runUid: string | null;
  recordedAt: Date;
}

const DESCRIPTOR_COLUMNS = `step_path as "stepPath", descriptor, digest, target, fragility,
  fragility_reasons as "fragilityReasons", run_uid as "runUid", recorded_at as "recordedAt"`;

/** A recorded picture of the element (tier 3). */
export interface RecordedTemplate {
  png: Buffer;
  /** Where the element was (top-document CSS pixels). */
  box: { x: number; y: number; width: number; height: number };
  /** sha256 of the PNG. */
  digest: string;
  /** Where the element lies in the picture (its pixels) when the picture shows its surroundings too. */
  focus?: { x: number; y: number; width: number; height: number };
}

/** A record with the aids the robot chose by itself (migration 0009): what healing reads. */
export interface ElementRecordRow extends DescriptorRow {
  /** RecordedAnchor[] (robot-image/src/healing/types.ts) as stored. */
  anchors: Record<string, unknown>[];
  template: RecordedTemplate | null;
}

/**
 * Records what a step's element looks like now, with its automatic anchors and (when one was taken) its
 * picture; without a new picture the recorded one stays. The row is rewritten only when the element,
 * the target, the anchors or the picture changed, or the row is older than `refreshSeconds`; returns
 * whether it was written.
 */
export async function upsertElementDescriptor(
  db: Queryable,
  opts: {
    workflow: WorkflowKey;
    stepPath: string;
    descriptor: object;
    digest: string;
    target: LocatorFields;
    fragility: number;
    fragilityReasons: string[];
    runUid: string | null;
    refreshSeconds: number;
    /** Automatic anchors (default none). */
    anchors?: object[];
    /** A new picture of the element; absent keeps the recorded one. */
    template?: RecordedTemplate;
  },
): Promise<boolean> {
  const r = await db.query(
    `insert into aether.element_descriptors as e
       (workflow_namespace, workflow_name, step_path, descriptor, digest, target, fragility, fragility_reasons, run_uid,
        anchors, template_png, template_box, template_digest)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $12, $13, $14)
     on conflict (workflow_namespace, workflow_name, step_path) do update
       set descriptor = excluded.descriptor, digest = excluded.digest, target = excluded.target,
           fragility = excluded.fragility, fragility_reasons = excluded.fragility_reasons,
           run_uid = excluded.run_uid, anchors = excluded.anchors,
           template_png = coalesce(excluded.template_png, e.template_png),
           template_box = coalesce(excluded.template_box, e.template_box),
           template_digest = coalesce(excluded.template_digest, e.template_digest),
           recorded_at = now()
     where e.digest <> excluded.digest
        or e.target <> excluded.target
        or e.anchors <> excluded.anchors
        or (excluded.template_digest is not null and excluded.template_digest is distinct from e.template_digest)
        or e.recorded_at < now() - make_interval(secs => $10)`,
    [
      opts.workflow.namespace,
      opts.workflow.name,
      opts.stepPath,
      JSON.stringify(opts.descriptor),
      opts.digest,
      JSON.stringify(opts.target),
      opts.fragility,
      opts.fragilityReasons,
      opts.runUid,
      opts.refreshSeconds,
      JSON.stringify(opts.anchors ?? []),
      opts.template?.png ?? null,
      // The focus is kept inside template_box (jsonb): { x, y, width, height, focus? }.
      opts.template
        ? JSON.stringify({ ...opts.template.box, ...(opts.template.focus && { focus: opts.template.focus }) })
        : null,
      opts.template?.digest ?? null,
    ],
  );
  return (r.rowCount ?? 0) > 0;
}

/** One step's record with its anchors and picture (what a robot heals with). */
export async function getElementDescriptor(
  db: Queryable,
  opts: { workflow: WorkflowKey; stepPath: string },
): Promise<ElementRecordRow | null> {
  const r = await db.query<
    DescriptorRow & {
      anchors: Record<string, unknown>[];
      png: Buffer | null;
      box: (RecordedTemplate['box'] & { focus?: RecordedTemplate['focus'] }) | null;
      templateDigest: string | null;
    }
  >(
    `select ${DESCRIPTOR_COLUMNS}, anchors, template_png as png, template_box as box, template_digest as "templateDigest"
       from aether.element_descriptors
      where workflow_namespace = $1 and workflow_name = $2 and step_path = $3`,
    [opts.workflow.namespace, opts.workflow.name, opts.stepPath],
  );
  const row = r.rows[0];
  if (!row) return null;
  const { png, box, templateDigest, ...rest } = row;
  if (!(png && box && templateDigest)) return { ...rest, template: null };
  const { focus, ...where } = box;
  return { ...rest, template: { png, box: where, digest: templateDigest, ...(focus && { focus }) } };
}

/** Every recorded step target of a workflow (for fragility in its status), by step path. */
export async function listElementDescriptors(db: Queryable, opts: { workflow: WorkflowKey }): Promise<DescriptorRow[]> {
  const r = await db.query<DescriptorRow>(
    `select ${DESCRIPTOR_COLUMNS} from aether.element_descriptors
      where workflow_namespace = $1 and workflow_name = $2 order by step_path`,
    [opts.workflow.namespace, opts.workflow.name],
  );
  return r.rows;
}

export type HealTier = 1 | 2 | 3;

export interface HealingEventRow {
  id: string;
  stepId: string;
  stepPath: string | null;
  runUid: string | null;
  tier: HealTier | null;
  outcome: 'healed' | 'abstained';
  suggestion: LocatorFields | null;
  score: number | null;
  target: string | null;
  reason: string | null;
  at: Date;
}

/** Records one heal (or abstention) and NOTIFYs the operator in the same statement. Returns the event id. */
export async function insertHealingEvent(
  db: Queryable,
  opts: {
    workflow: WorkflowKey;
    stepId: string;
    stepPath: string;
    runUid: string | null;
    tier: HealTier | null;
    outcome: 'healed' | 'abstained';
    suggestion: LocatorFields | null;
    score: number | null;
    /** targetKey() of the failing target: the operator ignores events of a target the workflow no longer has. */
    target: string;
    reason: string | null;
  },
): Promise<string> {
  const r = await db.query<{ id: string }>(
    `with ins as (
       insert into aether.healing_events
         (workflow_namespace, workflow_name, step_id, step_path, run_uid, tier, outcome, chosen_selector, suggestion, score, target, reason)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
       returning id)
     select ins.id::text as id, pg_notify($13, $1 || '/' || $2) from ins`,
    [
      opts.workflow.namespace,
      opts.workflow.name,
      opts.stepId,
      opts.stepPath,
      opts.runUid,
      opts.tier === null ? 'none' : String(opts.tier),
      opts.outcome,
      opts.suggestion ? JSON.stringify(opts.suggestion) : null,
      opts.suggestion ? JSON.stringify(opts.suggestion) : null,
      opts.score,
      opts.target,
      opts.reason,
      HEALING_CHANNEL,
    ],
  );
  return r.rows[0]!.id;
}

/** A workflow's heal events, oldest first (at most `limit`, the newest ones). */
export async function listHealingEvents(
  db: Queryable,
  opts: { workflow: WorkflowKey; limit?: number },
): Promise<HealingEventRow[]> {
  const r = await db.query<Omit<HealingEventRow, 'tier'> & { tier: string }>(
    `select * from (
       select id::text as id, step_id as "stepId", step_path as "stepPath", run_uid as "runUid", tier, outcome,
              suggestion, score, target, reason, at
         from aether.healing_events
        where workflow_namespace = $1 and workflow_name = $2
        order by at desc, id desc
        limit $3) e
      order by at, id::bigint`,
    [opts.workflow.namespace, opts.workflow.name, opts.limit ?? 1000],
  );
  return r.rows.map((row) => ({ ...row, tier: tierOf(row.tier) }));
}

function tierOf(t: string): HealTier | null {
  return t === '1' ? 1 : t === '2' ? 2 : t === '3' ? 3 : null;
}
