// The RpaJob controller's enqueue, batched: concurrent reconciles that each queue one job share one
// aether.enqueue_runs statement (run rows + one graphile_worker.add_jobs call + NOTIFY, one transaction)
// and one read of the queued records, instead of two round trips per job (runtime/micro-batcher.ts).
// Each payload is validated on its own first, so a bad one fails only its own job; a database error
// fails the whole batch, and each of its jobs is retried by its own reconcile (enqueue is idempotent by
// UID, so a batch that committed before the error is only found queued by the retry).
import { enqueueSpecs, toEnqueueSpec, type EnqueueRequest } from '../../../../api/queue/producer.js';
import type { Queryable } from '../../../../api/queue/db.js';
import type { EnqueueSpec } from '../../../../api/queue/sql/runs.js';
import { MicroBatcher } from '../../runtime/micro-batcher.js';
import { queuedRecords, type QueuedRecord } from './sql.js';

export interface EnqueueOutcome {
  /** false when a run with this UID already existed: nothing was queued. */
  enqueued: boolean;
  /** The queued run's record when this call queued it. */
  run: QueuedRecord | null;
}

export type EnqueueRun = (req: EnqueueRequest) => Promise<EnqueueOutcome>;

export interface EnqueueBatchOptions {
  db: Queryable;
  /** Most jobs in one statement. Default 200. */
  maxBatch?: number;
  /** Most statements out at once (each holds one connection). Default 2. */
  maxInFlight?: number;
}

/** Enqueues one job per call; calls made while others are out go together in one statement. */
export function createEnqueueBatcher(opts: EnqueueBatchOptions): EnqueueRun {
  const batcher = new MicroBatcher<EnqueueSpec, EnqueueOutcome>({
    maxBatch: opts.maxBatch ?? 200,
    maxInFlight: opts.maxInFlight ?? 2,
    run: async (specs) => {
      const results = await enqueueSpecs(opts.db, specs);
      const queued = results.filter((r) => r.enqueued).map((r) => r.uid);
      const records = await queuedRecords(opts.db, { uids: queued });
      return results.map((r) => ({ enqueued: r.enqueued, run: r.enqueued ? (records.get(r.uid) ?? null) : null }));
    },
  });
  return async (req) => batcher.add(toEnqueueSpec(req));
}
