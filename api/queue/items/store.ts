// Work items of an RpaQueue: one thin function per statement over migrations/sql/0012_queue_items.sql.
// Item ids are bigints, carried as decimal strings. Glossary in the migration; the item shape callers
// submit is in validate.ts.
import type { Queryable } from '../db.js';
import { itemRow, type NewItem } from './validate.js';

export type ItemStatus = 'New' | 'InProgress' | 'Successful' | 'Failed' | 'Abandoned' | 'Deleted';
export const ITEM_STATUSES: readonly ItemStatus[] = ['New', 'InProgress', 'Successful', 'Failed', 'Abandoned', 'Deleted'];

/** business: the data are wrong (not retried); application: the system failed (retried up to maxRetries). */
export type ItemErrorKind = 'business' | 'application';

export interface ItemError {
  kind: ItemErrorKind;
  message: string;
  code?: string;
  /** The workflow step that failed, when one did. */
  step?: string;
}

export interface QueueRef {
  namespace: string;
  name: string;
}

export type AddResult = 'added' | 'duplicate' | 'replaced';

export interface AddedItem {
  /** Index in the caller's list. */
  index: number;
  id: string;
  result: AddResult;
}

export interface Item {
  id: string;
  namespace: string;
  queue: string;
  reference: string | null;
  /** graphile scale: lower runs first. */
  priority: number;
  data: Record<string, unknown>;
  status: ItemStatus;
  retries: number;
  /** Bumped whenever the item is made New again from outside (replace, retry by hand): see runUid. */
  runSeq: number;
  claimEpoch: number;
  robot: string | null;
  postponeUntil: Date | null;
  deadline: Date | null;
  outputs: Record<string, unknown> | null;
  error: ItemError | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface ItemDbRow {
  id: string;
  namespace: string;
  queue: string;
  reference: string | null;
  priority: number;
  payload: Record<string, unknown>;
  status: ItemStatus;
  retries: number;
  run_seq: number;
  claim_epoch: number;
  robot: string | null;
  postpone_until: Date | null;
  deadline: Date | null;
  outputs: Record<string, unknown> | null;
  error: ItemError | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function toItem(r: ItemDbRow): Item {
  return {
    id: r.id,
    namespace: r.namespace,
    queue: r.queue,
    reference: r.reference,
    priority: r.priority,
    data: r.payload,
    status: r.status,
    retries: r.retries,
    runSeq: r.run_seq,
    claimEpoch: r.claim_epoch,
    robot: r.robot,
    postponeUntil: r.postpone_until,
    deadline: r.deadline,
    outputs: r.outputs,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/**
 * Adds items to a queue in ONE statement (one transaction of its own, or the caller's). Idempotent by
 * reference under the queue's 'reject' policy (a known reference is a 'duplicate' and keeps its item) and
 * 'replace' policy (the item is New again with the new data, unless a robot holds it). One result per
 * input item, in the caller's order. Items must have been parsed (validate.ts parseItems).
 */
export async function addItems(db: Queryable, queue: QueueRef, items: readonly NewItem[]): Promise<AddedItem[]> {
  if (items.length === 0) return [];
  const r = await db.query<{ ord: number; item_id: string; result: AddResult }>('select * from aether.add_queue_items($1, $2, $3::jsonb)', [
    queue.namespace,
    queue.name,
    JSON.stringify(items.map(itemRow)),
  ]);
  return r.rows.map((x) => ({ index: x.ord - 1, id: x.item_id, result: x.result }));
}

/**
 * addItems once per `key` (migrations/sql/0016_queue_add_step.sql): the first call with a key adds the
 * items and marks them with it; a repeat adds nothing and answers 'added' for what the first call wrote.
 * The queueAdd step's exactly-once across a crash between adding and checkpointing. Throws
 * QueueNotFoundError when the queue does not exist (or is another namespace's).
 */
export async function addItemsOnce(db: Queryable, queue: QueueRef, key: string, items: readonly NewItem[]): Promise<AddedItem[]> {
  if (items.length === 0) return [];
  try {
    const r = await db.query<{ ord: number; item_id: string; result: AddResult }>('select * from aether.add_queue_items_once($1, $2, $3, $4::jsonb)', [
      queue.namespace,
      queue.name,
      key,
      JSON.stringify(items.map(itemRow)),
    ]);
    return r.rows.map((x) => ({ index: x.ord - 1, id: x.item_id, result: x.result }));
  } catch (err) {
    // add_queue_items raises no_data_found (P0002) for a queue it cannot see.
    if ((err as { code?: string }).code === 'P0002') throw new QueueNotFoundError(queue);
    throw err;
  }
}

export class QueueNotFoundError extends Error {
  constructor(readonly queue: QueueRef) {
    super(`RpaQueue "${queue.name}" does not exist in namespace "${queue.namespace}"`);
    this.name = 'QueueNotFoundError';
  }
}

/** Takes the next due New item of the queue for the robot (InProgress, a new claim epoch); null when none. */
export async function claimItem(db: Queryable, opts: { namespace: string; queue: string; robot: string }): Promise<Item | null> {
  const r = await db.query<ItemDbRow>('select * from aether.claim_queue_item($1, $2, $3)', [opts.namespace, opts.queue, opts.robot]);
  const row = r.rows[0];
  return row && row.id !== null ? toItem(row) : null;
}

/** Marks a held item Successful with its outputs; false when the claim epoch moved on. */
export async function completeItem(db: Queryable, opts: { id: string; epoch: number; outputs: Record<string, unknown> }): Promise<boolean> {
  const r = await db.query<{ ok: boolean }>('select aether.complete_queue_item($1, $2, $3::jsonb) as ok', [opts.id, opts.epoch, JSON.stringify(opts.outputs)]);
  return r.rows[0]!.ok;
}

/**
 * Records a failure of a held item: 'New' when it will be retried (application error, retries left,
 * postponed by the back-off), 'Failed' when final; null when the claim epoch moved on.
 */
export async function failItem(db: Queryable, opts: { id: string; epoch: number; error: ItemError }): Promise<'New' | 'Failed' | null> {
  const r = await db.query<{ status: 'New' | 'Failed' | null }>('select aether.fail_queue_item($1, $2, $3::jsonb) as status', [
    opts.id,
    opts.epoch,
    JSON.stringify(opts.error),
  ]);
  return r.rows[0]!.status;
}

/** Puts the items dead robots held back to New (a crash is not a failure). Returns their ids. */
export async function releaseItemsOfRobots(db: Queryable, opts: { robots: string[] }): Promise<string[]> {
  if (opts.robots.length === 0) return [];
  const r = await db.query<{ item_id: string }>('select item_id from aether.release_queue_items($1::text[])', [opts.robots]);
  return r.rows.map((x) => x.item_id);
}

/** True while the caller still holds the item with this epoch (the fence of an item run). */
export async function holdsItem(db: Queryable, opts: { id: string; epoch: number }): Promise<boolean> {
  const r = await db.query(`select 1 from aether.queue_items where id = $1 and claim_epoch = $2 and status = 'InProgress'`, [opts.id, opts.epoch]);
  return (r.rowCount ?? 0) > 0;
}

export async function getItem(db: Queryable, opts: { namespace: string; queue: string; id: string }): Promise<Item | null> {
  const r = await db.query<ItemDbRow>('select * from aether.queue_items where namespace = $1 and queue = $2 and id = $3', [opts.namespace, opts.queue, opts.id]);
  return r.rows[0] ? toItem(r.rows[0]) : null;
}

export interface ListItemsOptions {
  namespace: string;
  queue: string;
  status?: ItemStatus;
  reference?: string;
  /** Keyset paging: items with a greater id. */
  afterId?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** Items of a queue in id order (oldest first), one page. */
export async function listItems(db: Queryable, opts: ListItemsOptions): Promise<Item[]> {
  const r = await db.query<ItemDbRow>(
    `select * from aether.queue_items
      where namespace = $1 and queue = $2 and ($3::text is null or status = $3) and ($4::text is null or reference = $4)
        and ($5::bigint is null or id > $5)
      order by id limit $6`,
    [opts.namespace, opts.queue, opts.status ?? null, opts.reference ?? null, opts.afterId ?? null, Math.min(1000, Math.max(1, opts.limit ?? 100))],
  );
  return r.rows.map(toItem);
}

/**
 * Deletes items (status Deleted, kept until retention; the reference is free again). Items a robot holds
 * are left alone. Returns the ids deleted.
 */
export async function deleteItems(db: Queryable, opts: { namespace: string; queue: string; ids: string[] }): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `update aether.queue_items
        set status = 'Deleted', ref_key = null, finished_at = now(), updated_at = now()
      where namespace = $1 and queue = $2 and id = any($3::bigint[]) and status not in ('InProgress', 'Deleted')
      returning id`,
    [opts.namespace, opts.queue, opts.ids],
  );
  if (r.rows.length > 0) await notifyQueue(db, opts);
  return r.rows.map((x) => x.id);
}

/** Failed or Abandoned items are New again with their retries reset. Returns the ids retried. */
export async function retryItems(db: Queryable, opts: { namespace: string; queue: string; ids: string[] }): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `update aether.queue_items
        set status = 'New', retries = 0, run_seq = run_seq + 1, postpone_until = null, error = null, outputs = null, robot = null,
            started_at = null, finished_at = null, updated_at = now(),
            deadline = case when deadline <= now() then null else deadline end
      where namespace = $1 and queue = $2 and id = any($3::bigint[]) and status in ('Failed', 'Abandoned')
      returning id`,
    [opts.namespace, opts.queue, opts.ids],
  );
  if (r.rows.length > 0) await notifyQueue(db, opts);
  return r.rows.map((x) => x.id);
}

async function notifyQueue(db: Queryable, opts: { namespace: string; queue: string }): Promise<void> {
  await db.query(`select pg_notify('aether_queue_item', $1)`, [`${opts.namespace}/${opts.queue}`]);
}

export interface QueueCounts {
  new: number;
  inProgress: number;
  successful: number;
  failed: number;
  abandoned: number;
  /** Created time of the oldest New item, null when there is none. */
  oldestNewAt: Date | null;
}

/** Items of a queue per status (Deleted not counted), and the oldest New item's age. */
export async function queueCounts(db: Queryable, opts: { namespace: string; queue: string }): Promise<QueueCounts> {
  const r = await db.query<QueueCounts>(
    `select count(*) filter (where status = 'New')::int as "new",
            count(*) filter (where status = 'InProgress')::int as "inProgress",
            count(*) filter (where status = 'Successful')::int as successful,
            count(*) filter (where status = 'Failed')::int as failed,
            count(*) filter (where status = 'Abandoned')::int as abandoned,
            min(created_at) filter (where status = 'New') as "oldestNewAt"
       from aether.queue_items where namespace = $1 and queue = $2`,
    [opts.namespace, opts.queue],
  );
  return r.rows[0]!;
}

export interface PoolItemDepth {
  /** New and due now. */
  ready: number;
  /** New, postponed (retry back-off, postponeUntil). */
  delayed: number;
  inProgress: number;
}

/** Items of every queue of the pool, counted like the pool's queued jobs by the scaler. */
export async function poolItemDepth(db: Queryable, opts: { namespace: string; pool: string }): Promise<PoolItemDepth> {
  const r = await db.query<PoolItemDepth>(
    `select count(*) filter (where i.status = 'New' and (i.postpone_until is null or i.postpone_until <= now()))::int as ready,
            count(*) filter (where i.status = 'New' and i.postpone_until > now())::int as delayed,
            count(*) filter (where i.status = 'InProgress')::int as "inProgress"
       from aether.queues q
       join aether.queue_items i on i.namespace = q.namespace and i.queue = q.name and i.status in ('New', 'InProgress')
      where q.namespace = $1 and q.pool = $2`,
    [opts.namespace, opts.pool],
  );
  return r.rows[0]!;
}
