// The robot's side of the run's fencing token (runs.claim_epoch, migrations/sql/0008_claim_epoch.sql): a
// RunHolder confirms, right before a write that is not fenced by the database itself (a DBOS checkpoint,
// a status patch), that this claim still holds the run. The run-row writes carry the token in their own
// statement instead (markRunsRunning, completeRuns, markRunCancelled) and are refused there.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { holdsRun } from '../../../api/queue/sql/fence.js';

export interface RunHolder {
  /** The fencing token this claim holds. */
  readonly epoch: number;
  /**
   * True while the token is current; false once it moved on (the run was released to another robot, or
   * handed back) or this claim was abandoned. A database error is not an answer: it retries until one
   * of the two is known, so a write never goes ahead unconfirmed.
   */
  confirm(): Promise<boolean>;
}

export interface RunHolderOptions {
  db: pg.Pool;
  uid: string;
  epoch: number;
  /** Fires when the consumer abandons the claim: confirm() says false from then on without a read. */
  abandoned: () => boolean;
  logger: Logger;
  /** First retry delay after a failed read (doubles up to 2 s). Default 100. */
  retryMs?: number;
}

export function createRunHolder(opts: RunHolderOptions): RunHolder {
  let stale = false;
  return {
    epoch: opts.epoch,
    async confirm() {
      let delay = opts.retryMs ?? 100;
      for (let failures = 0; ; failures++) {
        if (stale || opts.abandoned()) return false;
        try {
          if (await holdsRun(opts.db, { uid: opts.uid, epoch: opts.epoch })) return true;
          stale = true;
          opts.logger.warn({ jobUid: opts.uid, epoch: opts.epoch }, 'this robot no longer holds the run (its fencing token moved on)');
          return false;
        } catch (err) {
          if (failures === 0 || failures % 20 === 0) opts.logger.warn({ err, jobUid: opts.uid }, 'could not confirm the fencing token; retrying');
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 2000);
        }
      }
    },
  };
}
