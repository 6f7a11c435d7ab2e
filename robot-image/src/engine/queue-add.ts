// The queueAdd step (issue 17): adds the items its `items` gives to an RpaQueue of the run's namespace, all
// in one statement, exactly once. The step is one DBOS step; a robot that dies after the add and before
// the checkpoint runs it again, and the add is keyed by the run (the job's uid, or a work item's run id —
// not the attempt) + the step's path (api/queue/items/store.ts addItemsOnce), so the repeat adds nothing
// and answers what the first did. A later attempt that runs the step again (a retry from the start, an
// item's automatic retry) adds nothing either: a run adds a step's items once, as it stores an artifact
// once. Items without a reference get one derived from the same key and their index.
import { createHash } from 'node:crypto';
import { MAX_ITEM_PAYLOAD_BYTES, MAX_ITEMS_PER_CALL, MAX_REFERENCE_CHARS } from '../../../api/queue/items/limits.js';
import type { AddedItem } from '../../../api/queue/items/store.js';
import type { NewItem } from '../../../api/queue/items/validate.js';
import type { QueueAddTarget } from '../../../api/v1alpha1/steps-queue.js';
import type { LeafStep } from '../../../api/v1alpha1/workflow.js';

type QueueAddStep = Extract<LeafStep, { action: 'queueAdd' }>;

/** An item to add (the bulk API's shape), always with a reference. */
export type ItemRow = NewItem & { reference: string };

/** The queue services of one step (bound to its run and checkpoint path). */
export interface StepQueues {
  /** The step's key: the run's uid + the step's checkpoint path. */
  readonly key: string;
  /** Adds items once per key; QueueNotFoundError for a queue the robot cannot see. */
  add(queue: string, items: ItemRow[]): Promise<AddedItem[]>;
}

export interface RunQueues {
  /** The queues of one step execution of run `runUid` (a job's uid or an item's run id; the same in every attempt). */
  forStep(runUid: string, stepPath: string): StepQueues;
}

/** What the step uses of the action context (actions.ts ActionContext). */
interface ActionContext {
  /** An expression's value, with extra loop variables in scope. */
  evaluate(src: string, locals?: Record<string, unknown>): Promise<unknown>;
  queues?: StepQueues;
  now?: () => Date;
}

/** The step's key: unique per run and step execution (a forEach iteration has its own path), the same in every attempt. */
export function queueAddKey(runUid: string, stepPath: string): string {
  return `${runUid}/${stepPath}`;
}

/**
 * The reference of the index-th item when the step sets none: `<key>#<index>`, or a digest of it when that
 * is longer than a reference may be. The same for every execution of the step in the run.
 */
export function defaultReference(key: string, index: number): string {
  const plain = `${key}#${index}`;
  if (plain.length <= MAX_REFERENCE_CHARS) return plain;
  return `queueAdd-${createHash('sha256').update(plain).digest('hex')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why an evaluated items list cannot be added, or undefined (the bulk API's caps). */
export function itemsProblem(items: unknown): string | undefined {
  if (!Array.isArray(items)) return `items must give a list, got ${items === null ? 'null' : typeof items}`;
  if (items.length > MAX_ITEMS_PER_CALL) return `items gave ${items.length} items; one queueAdd adds at most ${MAX_ITEMS_PER_CALL}`;
  for (const [i, v] of items.entries()) {
    if (!isObject(v)) return `items[${i}] must be an object (the item's data: its run's params), got ${Array.isArray(v) ? 'a list' : typeof v}`;
    const bytes = Buffer.byteLength(JSON.stringify(v));
    if (bytes > MAX_ITEM_PAYLOAD_BYTES) return `items[${i}] is ${bytes} bytes as JSON; an item's data may be at most ${MAX_ITEM_PAYLOAD_BYTES}`;
  }
  return undefined;
}

/** Why a reference an expression gave is not acceptable, or undefined. */
export function referenceProblem(ref: unknown, index: number): string | undefined {
  if (typeof ref !== 'string' && typeof ref !== 'number') return `reference of items[${index}] must be a string or a number, got ${ref === null ? 'null' : typeof ref}`;
  const s = String(ref);
  if (s.length === 0 || s.length > MAX_REFERENCE_CHARS) return `reference of items[${index}] must be 1-${MAX_REFERENCE_CHARS} characters`;
  return undefined;
}

/** The rows to add (pure but for the expressions it evaluates). */
export async function itemRows(
  spec: QueueAddTarget,
  data: Array<Record<string, unknown>>,
  opts: { key: string; now: Date; reference: (item: unknown, loop: Record<string, unknown>) => Promise<unknown> },
): Promise<ItemRow[]> {
  const at = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(opts.now.getTime() + seconds * 1000).toISOString());
  const postponeUntil = at(spec.postponeSeconds);
  const deadline = at(spec.deadlineSeconds);
  const rows: ItemRow[] = [];
  for (const [index, payload] of data.entries()) {
    let reference = defaultReference(opts.key, index);
    if (spec.reference !== undefined) {
      const loop = { index, number: index + 1, first: index === 0, last: index === data.length - 1, length: data.length };
      const ref = await opts.reference(payload, loop);
      const problem = referenceProblem(ref, index);
      if (problem) throw new Error(problem);
      reference = String(ref);
    }
    rows.push({
      reference,
      data: payload,
      ...(spec.priority !== undefined && { priority: spec.priority }),
      ...(postponeUntil && { postponeUntil }),
      ...(deadline && { deadline }),
    });
  }
  return rows;
}

export interface QueueAddOutput {
  added: number;
  duplicates: number;
  replaced: number;
  /** The items' ids, in the order of the list (a duplicate's is the item that had the reference). */
  ids: string[];
}

export function outputOf(results: AddedItem[]): QueueAddOutput {
  const count = (r: AddedItem['result']) => results.filter((x) => x.result === r).length;
  return { added: count('added'), duplicates: count('duplicate'), replaced: count('replaced'), ids: results.map((r) => r.id) };
}

export async function queueAddAction(step: QueueAddStep, ctx: ActionContext): Promise<{ output: QueueAddOutput; browser: false }> {
  const queues = ctx.queues;
  if (!queues) throw new Error('this robot has no work queues (local mode): queueAdd steps cannot run here');
  const spec = step.queueAdd;
  const items = typeof spec.items === 'string' ? await ctx.evaluate(spec.items) : spec.items;
  const problem = itemsProblem(items);
  if (problem) throw new Error(problem);
  const data = items as Array<Record<string, unknown>>;
  if (data.length === 0) return { output: outputOf([]), browser: false };
  const rows = await itemRows(spec, data, {
    key: queues.key,
    now: ctx.now?.() ?? new Date(),
    reference: (item, loop) => ctx.evaluate(spec.reference!, { item, loop }),
  });
  return { output: outputOf(await queues.add(spec.queue, rows)), browser: false };
}
