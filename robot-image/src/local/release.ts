// What an earlier CLI process left held. Its robot may have been killed mid-job (its job stays locked
// and its run 'running'); only one CLI uses a data directory, so every robot of the local "pod" is
// gone. Released the way the operator's sweeper releases the robots of a deleted pod
// (operator/src/queue/sweeper.ts, markPodDead), with the same statements, in one transaction.
import type pg from 'pg';
import { withTransaction } from '../../../api/queue/db.js';
import { GRAPHILE_JOBS_CHANNEL } from '../../../api/queue/identifiers.js';
import { forceUnlockWorkerPools, markPodRobotsDead, requeueRunsOfRobots } from '../../../api/queue/sql/robots.js';
import { notify } from '../../../api/queue/sql/runs.js';

export async function releaseEarlierRobots(
  pool: pg.Pool,
  opts: { namespace: string; pod: string },
): Promise<{ robots: number; runs: number }> {
  return withTransaction(pool, async (tx) => {
    const dead = await markPodRobotsDead(tx, opts);
    if (dead.length === 0) return { robots: 0, runs: 0 };
    const runs = await requeueRunsOfRobots(tx, { robotIds: dead.map((r) => r.id) });
    const poolIds = [...new Set(dead.flatMap((r) => r.workerPoolIds))];
    if (poolIds.length > 0) {
      await forceUnlockWorkerPools(tx, { workerPoolIds: poolIds });
      // force_unlock_workers sends no NOTIFY of its own.
      await notify(tx, { channel: GRAPHILE_JOBS_CHANNEL, payload: JSON.stringify({ count: poolIds.length }) });
    }
    return { robots: dead.length, runs };
  });
}
