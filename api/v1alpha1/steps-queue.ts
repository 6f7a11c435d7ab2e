// The `queueAdd` step (issue 17): a dispatcher workflow adds work items to an RpaQueue of the job's
// namespace. `items` is an expression giving a list, or a literal list; each entry is one item's data
// (the params of its run). `reference` is an expression evaluated per item (`item`, `loop` in scope);
// items without one get a reference derived from the run (robot-image/src/engine/queue-add.ts), so a
// step re-executed after a crash adds nothing twice. Caps are the bulk API's (api/queue/items/limits.ts).
// No CEL rule here: the RpaJob CRD is close to the API server's CEL cost budget; zod checks the rest.
import { z } from 'zod';
import { MAX_ITEM_PAYLOAD_BYTES, MAX_ITEMS_PER_CALL } from '../queue/items/limits.js';
import { dnsSubdomain } from './common.js';
import { expression } from './step-base.js';
import { priorityField } from './priority-field.js';

/** Most items a literal list may hold (it lives in etcd: bigger lists come from an expression). */
export const MAX_LITERAL_QUEUE_ITEMS = 1000;
/** A literal list's JSON, at most this many bytes. */
export const MAX_LITERAL_QUEUE_BYTES = 256 * 1024;
/** Longest postponement or deadline of an added item: 366 days. */
export const MAX_QUEUE_ADD_SECONDS = 366 * 24 * 3600;

const isItemData = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a literal items list is not acceptable, or undefined. */
export function literalItemsProblem(items: unknown[]): string | undefined {
  if (items.length === 0) return 'must not be empty';
  if (items.length > MAX_LITERAL_QUEUE_ITEMS)
    return `a literal list holds at most ${MAX_LITERAL_QUEUE_ITEMS} items (use an expression for up to ${MAX_ITEMS_PER_CALL})`;
  const bad = items.findIndex((v) => !isItemData(v));
  if (bad >= 0) return `items[${bad}] must be an object (the item's data: its run's params)`;
  const big = items.findIndex((v) => Buffer.byteLength(JSON.stringify(v)) > MAX_ITEM_PAYLOAD_BYTES);
  if (big >= 0) return `items[${big}] must be at most ${MAX_ITEM_PAYLOAD_BYTES} bytes as JSON`;
  if (Buffer.byteLength(JSON.stringify(items)) > MAX_LITERAL_QUEUE_BYTES)
    return `a literal list must be at most ${MAX_LITERAL_QUEUE_BYTES} bytes as JSON`;
  return undefined;
}

const seconds = (what: string) =>
  z.int().min(1).max(MAX_QUEUE_ADD_SECONDS).optional().meta({ description: `${what}, in seconds after the step runs.` });

const EXPRESSION_MAX_CHARS = 1024;

/** Why a queueAdd's items field is not acceptable (an expression or a literal list), or undefined. */
export function itemsFieldProblem(items: unknown): string | undefined {
  if (typeof items === 'string')
    return items.length > 0 && items.length <= EXPRESSION_MAX_CHARS ? undefined : `an expression must be 1-${EXPRESSION_MAX_CHARS} characters`;
  if (Array.isArray(items)) return literalItemsProblem(items);
  return 'must be an expression giving a list, or a literal list';
}

export const QueueAddTarget = z
  .strictObject({
    queue: dnsSubdomain().meta({ description: "Name of an RpaQueue in the job's namespace." }),
    items: z.unknown().nonoptional({ error: 'must be an expression giving a list, or a literal list' }).meta({
      description: `The items' data (each an object: the params of its run). An expression giving a list (at most ${MAX_ITEMS_PER_CALL} items), or a literal list (at most ${MAX_LITERAL_QUEUE_ITEMS}).`,
    }),
    reference: expression()
      .optional()
      .meta({ description: "Expression giving each item's reference (`item` and `loop` in scope); default: derived from the run, step and index." }),
    priority: priorityField().optional().meta({ description: "The items' priority (default: the queue's)." }),
    postponeSeconds: seconds('Items are not taken before this'),
    deadlineSeconds: seconds("Items not taken by then are Abandoned (default: the queue's itemTTL)"),
  })
  .superRefine((q, ctx) => {
    const problem = itemsFieldProblem(q.items);
    if (problem) ctx.addIssue({ code: 'custom', message: `items: ${problem}`, path: ['items'] });
  });
export type QueueAddTarget = z.infer<typeof QueueAddTarget>;

export const queueAddFields = { queueAdd: QueueAddTarget };
