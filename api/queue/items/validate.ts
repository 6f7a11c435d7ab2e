// The shape of a work item as a caller submits it (API server, a dispatcher workflow, the bench), checked
// once at the edge; and an item's data checked against the params its queue's workflow declares.
import { z } from 'zod';
import { MAX_VALUE_DEPTH } from '../../expr/limits.js';
import { assertDepth } from '../../expr/values.js';
import { graphilePriority, PRIORITY_MAX, PRIORITY_MIN, PRIORITY_NAMES } from '../priority.js';
import { matchesParamType, type WorkflowSpec } from '../../v1alpha1/index.js';
import { issueLines } from '../../zod-issues.js';
import { MAX_ITEM_PAYLOAD_BYTES, MAX_ITEMS_PER_CALL, MAX_REFERENCE_CHARS } from './limits.js';

export { MAX_ITEM_PAYLOAD_BYTES, MAX_ITEMS_PER_CALL, MAX_REFERENCE_CHARS };

export const ItemPriority = z.union([z.enum(Object.keys(PRIORITY_NAMES) as [keyof typeof PRIORITY_NAMES]), z.int().min(PRIORITY_MIN).max(PRIORITY_MAX)]);

export const NewItem = z.strictObject({
  /** Unique within the queue under the 'reject' and 'replace' policies. */
  reference: z.string().min(1).max(MAX_REFERENCE_CHARS).optional(),
  /** Higher is more urgent (like RpaJob.spec.priority); the queue's priority when absent. */
  priority: ItemPriority.optional(),
  /** The run's params. */
  data: z
    .record(z.string(), z.unknown())
    // Depth first: JSON.stringify of a deeper value overflows the stack instead of answering.
    .refine(withinValueDepth, { message: `must nest at most ${MAX_VALUE_DEPTH} levels deep`, abort: true })
    .refine((d) => Buffer.byteLength(JSON.stringify(d)) <= MAX_ITEM_PAYLOAD_BYTES, `must be at most ${MAX_ITEM_PAYLOAD_BYTES} bytes as JSON`)
    .optional(),
  /** Not taken before this time. */
  postponeUntil: z.iso.datetime({ offset: true }).optional(),
  /** Not taken after this time (then Abandoned). */
  deadline: z.iso.datetime({ offset: true }).optional(),
});
export type NewItem = z.infer<typeof NewItem>;

function withinValueDepth(d: unknown): boolean {
  try {
    assertDepth(d);
    return true;
  } catch {
    return false;
  }
}

export class InvalidItemsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid work items: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`);
    this.name = 'InvalidItemsError';
  }
}

/** Parses a batch of items, reporting every problem at once (`items[3].reference: ...`). */
export function parseItems(input: unknown): NewItem[] {
  const r = z.array(NewItem).max(MAX_ITEMS_PER_CALL).safeParse(input);
  if (!r.success) throw new InvalidItemsError(issueLines(r.error.issues, { under: 'items' }));
  return r.data;
}

/** The row fields of an item as add_queue_items takes them (priority on graphile's scale). */
export function itemRow(item: NewItem): Record<string, unknown> {
  return {
    ...(item.reference !== undefined && { reference: item.reference }),
    ...(item.priority !== undefined && { priority: graphilePriority(item.priority) }),
    ...(item.data !== undefined && { payload: item.data }),
    ...(item.postponeUntil !== undefined && { postponeUntil: item.postponeUntil }),
    ...(item.deadline !== undefined && { deadline: item.deadline }),
  };
}

/** One message for the problems itemParamProblems found (the first 20 of them). */
export function itemParamMessage(workflowName: string, problems: readonly string[]): string {
  return `items do not fit the params of workflow ${workflowName}: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? ` (and ${problems.length - 20} more)` : ''}`;
}

/** Problems of items' data against the workflow's param declarations (`items[2].data.amount: ...`). */
export function itemParamProblems(workflow: Pick<WorkflowSpec, 'params'>, items: readonly NewItem[]): string[] {
  const declared = new Map((workflow.params ?? []).map((p) => [p.name, p]));
  const problems: string[] = [];
  items.forEach((item, i) => {
    const data = item.data ?? {};
    for (const p of declared.values()) {
      const value = data[p.name];
      if (value === undefined) {
        if (p.required && p.default === undefined) problems.push(`items[${i}].data.${p.name}: is required by the workflow`);
      } else if (!matchesParamType(p.type, value)) {
        problems.push(`items[${i}].data.${p.name}: must be of type ${p.type}`);
      }
    }
    for (const name of Object.keys(data)) {
      if (!declared.has(name)) problems.push(`items[${i}].data.${name}: is not a param of the workflow`);
    }
  });
  return problems;
}
