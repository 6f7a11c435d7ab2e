// The robot's work-item loop: takes items of its pool's RpaQueues (aether.queue_items, claimed with
// `for update skip locked`, so two robots never get the same item), runs each through `run` (item-run.ts:
// one item = one durable run), and records the outcome fenced by the item's claim epoch: a robot that was
// declared dead and had its item released cannot record anything for it any more. Woken by NOTIFY
// aether_queue_item, with a poll as the fallback (postponed items, missed notices).
//
// A crash leaves the item InProgress under this robot's id; the operator's sweeper puts it back to New
// once the robot is declared dead (retries untouched) and the next robot resumes its run at the step.
// stop() stops claiming, lets running items finish until the deadline, then hands back what is left
// (New again, not a failure).
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { DbSettings } from '../../../api/db/pool.js';
import type { Logger } from '../../../api/log.js';
import { QUEUE_ITEM_CHANNEL, parseQueueKey } from '../../../api/queue/items/notify.js';
import { queuesOfPool, type PoolQueue } from '../../../api/queue/items/queues.js';
import { claimItem, completeItem, failItem, releaseItemsOfRobots, type Item, type ItemError } from '../../../api/queue/items/store.js';
import { createChannelListener } from '../../../api/queue/listen.js';

export type ItemOutcome = { status: 'succeeded'; outputs: Record<string, unknown> } | { status: 'failed'; error: ItemError } | { status: 'halted' };

export interface ItemJob {
  item: Item;
  queue: PoolQueue;
  /** Aborted when the robot stops past its deadline: the run must stop at once and record nothing. */
  signal: AbortSignal;
}

export type ItemRun = (job: ItemJob) => Promise<ItemOutcome>;

export interface ItemConsumerOptions {
  db: pg.Pool;
  databaseUrl: string;
  dbSettings?: DbSettings;
  namespace: string;
  pool: string;
  /** The robot's id (aether.robots.id): items are held under it and released by it. */
  robotId: string;
  /** Items run at once by this robot. */
  concurrency: number;
  run: ItemRun;
  logger: Logger;
  /** Fallback poll; default 2 s. */
  pollIntervalMs?: number;
  /** Told of each item this robot ran to an outcome (metrics): the status recorded (null: taken over first). */
  onFinished?: (e: { queue: string; status: 'Successful' | 'Failed' | 'New' | null; seconds: number }) => void;
}

export interface ItemConsumer {
  /** Items this consumer finished (any outcome), for tests and metrics. */
  readonly finished: number;
  stop(opts?: { deadlineMs?: number }): Promise<void>;
}

export async function startItemConsumer(opts: ItemConsumerOptions): Promise<ItemConsumer> {
  const log = opts.logger.child({ component: 'item-consumer' });
  const running = new Map<string, { done: Promise<void>; halt: AbortController }>();
  let stopped = false;
  let finished = 0;
  let wake: (() => void) | null = null;
  let pending = true;
  const nudge = () => {
    pending = true;
    wake?.();
  };

  const listener = createChannelListener({
    databaseUrl: opts.databaseUrl,
    ...(opts.dbSettings && { dbSettings: opts.dbSettings }),
    channel: QUEUE_ITEM_CHANNEL,
    logger: log,
    onNotification: (payload) => {
      const key = payload ? parseQueueKey(payload) : null;
      if (key?.namespace === opts.namespace) nudge();
    },
    onReconnect: nudge,
    fallback: 'the poll',
  });
  await listener.start();
  const poll = setInterval(nudge, opts.pollIntervalMs ?? 2000);
  poll.unref();

  async function runOne(item: Item, queue: PoolQueue, halt: AbortController): Promise<void> {
    const itemLog = log.child({ kind: 'RpaQueue', namespace: item.namespace, name: item.queue, item: item.id, epoch: item.claimEpoch });
    let outcome: ItemOutcome;
    const started = performance.now();
    try {
      outcome = await opts.run({ item, queue, signal: halt.signal });
    } catch (err) {
      outcome = { status: 'failed', error: { kind: 'application', message: err instanceof Error ? err.message : String(err), code: 'RobotError' } };
    }
    if (outcome.status === 'halted') return; // handed back or fenced: another robot records it
    const recorded =
      outcome.status === 'succeeded'
        ? (await completeItem(opts.db, { id: item.id, epoch: item.claimEpoch, outputs: outcome.outputs })) && 'Successful'
        : await failItem(opts.db, { id: item.id, epoch: item.claimEpoch, error: outcome.error });
    opts.onFinished?.({ queue: item.queue, status: recorded || null, seconds: (performance.now() - started) / 1000 });
    if (!recorded) itemLog.warn('the item was taken over before its outcome was recorded; nothing recorded');
    else itemLog.info({ status: recorded, ...(outcome.status === 'failed' && { errorKind: outcome.error.kind }) }, 'finished a work item');
    finished++;
  }

  /** Claims items while there are free slots and due items; true when it claimed any. */
  async function fill(): Promise<boolean> {
    if (running.size >= opts.concurrency) return false;
    const queues = await queuesOfPool(opts.db, { namespace: opts.namespace, pool: opts.pool });
    let claimed = false;
    for (let progress = true; progress && !stopped && running.size < opts.concurrency; ) {
      progress = false;
      for (const queue of queues) {
        if (stopped || running.size >= opts.concurrency) break;
        const item = await claimItem(opts.db, { namespace: opts.namespace, queue: queue.name, robot: opts.robotId });
        if (!item) continue;
        progress = claimed = true;
        const halt = new AbortController();
        const done = runOne(item, queue, halt)
          .catch((err: unknown) => log.error({ err, item: item.id }, 'recording a work item outcome failed'))
          .finally(() => {
            running.delete(item.id);
            nudge();
          });
        running.set(item.id, { done, halt });
      }
    }
    return claimed;
  }

  const loop = (async () => {
    while (!stopped) {
      if (!pending) await new Promise<void>((r) => (wake = r));
      wake = null;
      pending = false;
      if (stopped) break;
      try {
        await fill();
      } catch (err) {
        log.warn({ err }, 'claiming work items failed; trying again');
        await new Promise((r) => setTimeout(r, 500));
        pending = true;
      }
    }
  })();

  return {
    get finished() {
      return finished;
    },
    async stop(stopOpts = {}) {
      if (stopped) return;
      stopped = true;
      clearInterval(poll);
      wake?.();
      await loop;
      await listener.stop();
      const all = Promise.all([...running.values()].map((r) => r.done));
      const deadline = stopOpts.deadlineMs ?? 30_000;
      const late = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), deadline).unref())]);
      if (late) {
        for (const r of running.values()) r.halt.abort('shutdown');
        await all;
        // What did not finish goes back to New (not a failure); the epoch moves on, fencing this robot.
        const back = await releaseItemsOfRobots(opts.db, { robots: [opts.robotId] });
        if (back.length > 0) log.info({ items: back.length }, 'handed work items back at shutdown');
      }
    },
  };
}
