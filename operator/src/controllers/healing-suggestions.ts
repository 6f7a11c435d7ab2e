// The self-healing part of RpaWorkflow status (issue 7): per step, the stable selector robots found
// when the step's target broke (how often, which tier, when last), and how fragile each recorded step
// target is. Built from the heal events and element records robots write to Postgres; a Normal Event
// announces each new suggestion. The workflow itself is never changed: a human adopts a suggestion.
import type pg from 'pg';
import {
  listElementDescriptors,
  listHealingEvents,
  type DescriptorRow,
  type HealingEventRow,
  type WorkflowKey,
} from '../../../api/healing/sql.js';
import { describeLocator, targetKey } from '../../../api/healing/target-key.js';
import { childStepLists, HealingSuggestion, kubeTime, REASONS, TargetFragility, type Step } from '../../../api/v1alpha1/index.js';
import type { EventInput } from '../runtime/events.js';

export const MAX_SUGGESTIONS = 32;
export const MAX_FRAGILITY = 64;

export interface HealingStatus {
  healingSuggestions: HealingSuggestion[];
  fragility: TargetFragility[];
}

/** Each step id's current target key (steps without a target are absent). Ids are unique at any depth. */
export function stepTargets(steps: readonly Step[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (list: readonly Step[]) => {
    for (const s of list) {
      const target = (s as { target?: object }).target;
      if (target) out.set(s.id, targetKey(target));
      for (const child of childStepLists(s)) walk(child.steps);
    }
  };
  walk(steps);
  return out;
}

const stepIdOf = (stepPath: string) => (stepPath.split('.').pop() ?? stepPath).replace(/\[\d+\]$/, '');
const clamp01 = (n: number) => Math.min(1, Math.max(0, n));
const iso = (d: Date) => kubeTime(new Date(d));

/**
 * Pure: suggestions from heal events and fragility from element records. Events and records of a
 * target the workflow no longer has (the user changed the step, e.g. adopted the suggestion) are
 * ignored, so a suggestion disappears once it is taken.
 */
export function healingStatusOf(
  steps: readonly Step[],
  events: readonly HealingEventRow[],
  records: readonly DescriptorRow[],
): HealingStatus {
  const current = stepTargets(steps);

  interface Acc {
    count: number;
    last: HealingEventRow;
    votes: Map<string, { suggestion: Record<string, unknown>; n: number; lastIndex: number }>;
  }
  const bySteps = new Map<string, Acc>();
  events.forEach((e, i) => {
    if (e.outcome !== 'healed' || !e.suggestion) return;
    if (current.get(e.stepId) !== e.target) return;
    const acc: Acc = bySteps.get(e.stepId) ?? { count: 0, last: e, votes: new Map() };
    acc.count++;
    acc.last = e;
    const k = targetKey(e.suggestion);
    const v = acc.votes.get(k) ?? { suggestion: e.suggestion, n: 0, lastIndex: i };
    v.n++;
    v.lastIndex = i;
    acc.votes.set(k, v);
    bySteps.set(e.stepId, acc);
  });

  const healingSuggestions: HealingSuggestion[] = [];
  for (const [stepId, acc] of bySteps) {
    // The most frequent suggestion wins; the latest breaks a tie.
    const best = [...acc.votes.values()].sort((a, b) => b.n - a.n || b.lastIndex - a.lastIndex)[0]!;
    const tier = acc.last.tier;
    healingSuggestions.push({
      stepId,
      field: 'target',
      suggested: best.suggestion as HealingSuggestion['suggested'],
      score: clamp01(acc.last.score ?? 0),
      count: acc.count,
      ...(tier !== null && { tier }),
      lastSeen: iso(acc.last.at),
      message: `target ${describeLocator(JSON.parse(acc.last.target ?? '{}') as object)} no longer matched in ${acc.count} run(s); healed${tier ? ` by tier ${tier}` : ''}; consider ${describeLocator(best.suggestion)}`.slice(0, 1024),
    });
  }
  healingSuggestions.sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || a.stepId.localeCompare(b.stepId));

  const fragility: TargetFragility[] = records
    .filter((r) => current.get(stepIdOf(r.stepPath)) === targetKey(r.target))
    .map((r) => ({
      stepId: stepIdOf(r.stepPath),
      ...(r.stepPath !== stepIdOf(r.stepPath) && { stepPath: r.stepPath }),
      score: clamp01(r.fragility),
      ...(r.fragilityReasons.length > 0 && { reasons: r.fragilityReasons.slice(0, 8) }),
      recordedAt: iso(r.recordedAt),
    }))
    .sort((a, b) => b.score - a.score || a.stepId.localeCompare(b.stepId));

  // Robots write these rows: anything the CRD schema would reject (and so fail the whole status patch) is dropped.
  return {
    healingSuggestions: healingSuggestions.filter((x) => HealingSuggestion.safeParse(x).success).slice(0, MAX_SUGGESTIONS),
    fragility: fragility.filter((x) => TargetFragility.safeParse(x).success).slice(0, MAX_FRAGILITY),
  };
}

/** Pure: a Normal Event for each suggestion that the previous status did not have (same step, same selector). */
export function suggestionEvents(previous: readonly HealingSuggestion[] | undefined, next: readonly HealingSuggestion[]): EventInput[] {
  const known = new Set((previous ?? []).map((s) => `${s.stepId}\u0000${targetKey(s.suggested)}`));
  return next
    .filter((s) => !known.has(`${s.stepId}\u0000${targetKey(s.suggested)}`))
    .map((s) => ({
      type: 'Normal' as const,
      reason: REASONS.HealingSuggested,
      message: `step ${s.stepId}: its target no longer matched and was healed${s.tier ? ` (tier ${s.tier})` : ''}; suggested target: ${describeLocator(s.suggested)}`,
    }));
}

/** Reads a workflow's heal events and element records from Postgres and builds its healing status. */
export async function readHealingStatus(db: pg.Pool, workflow: WorkflowKey, steps: readonly Step[]): Promise<HealingStatus> {
  const [events, records] = await Promise.all([listHealingEvents(db, { workflow, limit: 2000 }), listElementDescriptors(db, { workflow })]);
  return healingStatusOf(steps, events, records);
}

/** The status fields to merge (null clears a field that has nothing left). */
export function healingStatusFields(h: HealingStatus): Record<string, unknown> {
  return {
    healingSuggestions: h.healingSuggestions.length > 0 ? h.healingSuggestions : null,
    fragility: h.fragility.length > 0 ? h.fragility : null,
  };
}

export interface HealingDeps {
  db: pg.Pool;
  /** How often a workflow's healing status is rebuilt without a NOTIFY (default 60 s). */
  resyncMs?: number;
}

export const DEFAULT_HEALING_RESYNC_MS = 60_000;

/**
 * For the RpaWorkflow reconciler: the status fields to merge and the Events to record once they are
 * written. A database failure leaves the healing fields as they are (the Valid condition still goes out).
 */
export async function healingUpdate(
  deps: HealingDeps,
  wf: { metadata: { namespace: string; name: string }; status?: { healingSuggestions?: HealingSuggestion[] } },
  steps: readonly Step[],
  logger: { warn(obj: object, msg: string): void },
): Promise<{ fields: Record<string, unknown>; events: EventInput[] }> {
  try {
    const h = await readHealingStatus(deps.db, { namespace: wf.metadata.namespace, name: wf.metadata.name }, steps);
    return { fields: healingStatusFields(h), events: suggestionEvents(wf.status?.healingSuggestions, h.healingSuggestions) };
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read healing records; healing status left as it was');
    return { fields: {}, events: [] };
  }
}
