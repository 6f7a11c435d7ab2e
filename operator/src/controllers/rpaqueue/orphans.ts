// Queues whose RpaQueue is gone, found by comparing aether.queues with the informer cache. The controller
// deletes a queue's items when it sees the RpaQueue deleted, but a deletion while no operator ran, or an
// RpaQueue deleted and created again under the same name, leaves rows no reconcile will ever visit: this
// level-based pass removes them (the row's uid says which RpaQueue it mirrored).
import type pg from 'pg';
import type { Logger } from '../../../../api/log.js';
import { deleteQueueIfUid, listQueueKeys, type QueueKey } from '../../../../api/queue/items/queues.js';

export const DEFAULT_ORPHAN_QUEUE_INTERVAL_MS = 60_000;

/** The live RpaQueue's uid, undefined when none exists; null when the namespace is not watched (not ours to judge). */
export type QueueLookup = (namespace: string, name: string) => string | undefined | null;

/** Rows no existing RpaQueue owns: its RpaQueue is gone, or one with another uid took the name. */
export function orphanedQueues(rows: readonly QueueKey[], lookup: QueueLookup): QueueKey[] {
  return rows.filter((row) => {
    const uid = lookup(row.namespace, row.name);
    if (uid === null) return false;
    if (uid === undefined) return true;
    return row.uid !== null && row.uid !== uid;
  });
}

export interface OrphanQueueCollector {
  collectOnce(): Promise<QueueKey[]>;
  start(): void;
  stop(): Promise<void>;
}

export function createOrphanQueueCollector(opts: {
  db: pg.Pool;
  logger: Logger;
  lookup: QueueLookup;
  /** False until the RpaQueue informers have listed: an empty cache must not read as "every queue is gone". */
  synced: () => boolean;
  intervalMs?: number;
}): OrphanQueueCollector {
  const intervalMs = opts.intervalMs ?? DEFAULT_ORPHAN_QUEUE_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function collectOnce(): Promise<QueueKey[]> {
    if (!opts.synced()) return [];
    const gone = orphanedQueues(await listQueueKeys(opts.db), opts.lookup);
    const deleted: QueueKey[] = [];
    for (const key of gone) {
      // Read again at delete time: the queue may have been created since the list.
      if (opts.lookup(key.namespace, key.name) === key.uid) continue;
      if (await deleteQueueIfUid(opts.db, key)) {
        deleted.push(key);
        opts.logger.info({ namespace: key.namespace, name: key.name, uid: key.uid }, 'deleted the items of an RpaQueue that no longer exists');
      }
    }
    return deleted;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = collectOnce()
        .catch((err: unknown) => opts.logger.warn({ err }, 'collecting the items of deleted queues failed; trying again later'))
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, delayMs);
    timer.unref();
  }

  return {
    collectOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      // Soon after start (the informers sync first), then rarely.
      schedule(Math.min(5000, intervalMs));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
