// Releases the jobs of dead robots within seconds (graphile-worker alone would keep them locked 4 h).
// A robot whose heartbeat is older than its lease — or whose pod the operator saw deleted — is marked
// dead; in the same transaction its runs go back to 'queued' and its worker pools' job locks are
// force-unlocked, then a NOTIFY on graphile's 'jobs:insert' wakes idle runners so one claims the job in
// tens of milliseconds. A crash is not a failed attempt: failed_attempts is not touched.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { withTransaction } from '../../../api/queue/db.js';
import { GRAPHILE_JOBS_CHANNEL } from '../../../api/queue/identifiers.js';
import {
  findOrphanedWorkerPools,
  forceUnlockWorkerPools,
  markExpiredRobotsDead,
  markPodRobotsDead,
  requeueRunsOfRobots,
  type DeadRobot,
} from '../../../api/queue/sql/robots.js';
import { insertAudit, notify } from '../../../api/queue/sql/runs.js';

export const DEFAULT_SWEEP_INTERVAL_MS = 2000;
/** Orphaned locks (see findOrphanedWorkerPools) need a scan of locked jobs: look rarely. */
export const DEFAULT_ORPHAN_SWEEP_INTERVAL_MS = 30_000;

export interface SweepResult {
  deadRobots: DeadRobot[];
  /** Worker pool ids whose locks were released. */
  releasedWorkerPools: string[];
  /** Runs put back to 'queued'. */
  requeuedRuns: number;
}

export interface Sweeper {
  /** One pass: expired leases (and, when due, orphaned locks). */
  sweepOnce(): Promise<SweepResult>;
  /** The operator saw this robot pod deleted: release its jobs now, without waiting for the lease. */
  markPodDead(namespace: string, pod: string): Promise<SweepResult>;
  /** Sweeps every intervalMs until stop(). */
  start(): void;
  stop(): Promise<void>;
}

export interface SweeperOptions {
  pool: pg.Pool;
  logger: Logger;
  intervalMs?: number;
  orphanIntervalMs?: number;
  /** Locks of unregistered worker pools older than this are orphaned. Default 30 s. */
  orphanAgeSeconds?: number;
}

export function createSweeper(opts: SweeperOptions): Sweeper {
  const intervalMs = opts.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const orphanIntervalMs = opts.orphanIntervalMs ?? DEFAULT_ORPHAN_SWEEP_INTERVAL_MS;
  const log = opts.logger.child({ component: 'sweeper' });
  let lastOrphanSweep = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const release = async (tx: pg.PoolClient, dead: DeadRobot[], extraPools: string[] = []): Promise<SweepResult> => {
    const poolIds = [...new Set([...dead.flatMap((r) => r.workerPoolIds), ...extraPools])];
    let requeuedRuns = 0;
    if (dead.length > 0) requeuedRuns = await requeueRunsOfRobots(tx, { robotIds: dead.map((r) => r.id) });
    if (poolIds.length > 0) {
      await forceUnlockWorkerPools(tx, { workerPoolIds: poolIds });
      // force_unlock_workers sends no NOTIFY of its own.
      await notify(tx, { channel: GRAPHILE_JOBS_CHANNEL, payload: JSON.stringify({ r: Math.random(), count: poolIds.length }) });
    }
    for (const r of dead) {
      await insertAudit(tx, { actor: 'operator/sweeper', action: 'robot.dead', namespace: r.namespace, details: { robot: r.id, pod: r.pod, workerPoolIds: r.workerPoolIds } });
    }
    return { deadRobots: dead, releasedWorkerPools: poolIds, requeuedRuns };
  };

  const report = (result: SweepResult, why: string) => {
    for (const r of result.deadRobots) {
      log.warn({ robot: r.id, namespace: r.namespace, pool: r.pool, pod: r.pod, workerPoolIds: r.workerPoolIds }, `released the jobs of a dead robot (${why})`);
    }
    const orphans = result.releasedWorkerPools.filter((id) => !result.deadRobots.some((r) => r.workerPoolIds.includes(id)));
    if (orphans.length > 0) log.warn({ workerPoolIds: orphans }, 'released orphaned job locks');
  };

  const sweepOnce = async (): Promise<SweepResult> => {
    const checkOrphans = Date.now() - lastOrphanSweep >= orphanIntervalMs;
    const result = await withTransaction(opts.pool, async (tx) => {
      const dead = await markExpiredRobotsDead(tx);
      const orphans = checkOrphans ? await findOrphanedWorkerPools(tx, { olderThanSeconds: opts.orphanAgeSeconds ?? 30 }) : [];
      return release(tx, dead, orphans);
    });
    if (checkOrphans) lastOrphanSweep = Date.now();
    report(result, 'lease expired');
    return result;
  };

  const markPodDead = async (namespace: string, pod: string): Promise<SweepResult> => {
    const result = await withTransaction(opts.pool, async (tx) => release(tx, await markPodRobotsDead(tx, { namespace, pod })));
    report(result, 'pod deleted');
    return result;
  };

  const tick = () => {
    running = sweepOnce()
      .catch((err: unknown) => log.error({ err }, 'sweep failed'))
      .finally(() => {
        if (timer) timer = setTimeout(tick, intervalMs);
      });
  };

  return {
    sweepOnce,
    markPodDead,
    start() {
      if (timer) return;
      timer = setTimeout(tick, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
