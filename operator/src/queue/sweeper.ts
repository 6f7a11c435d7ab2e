// Releases the jobs of dead robots within seconds (graphile-worker alone would keep them locked 4 h).
// A robot whose heartbeat is older than its lease — or whose pod the operator saw deleted — is marked
// dead; in the same transaction its runs go back to 'queued' and its worker pools' job locks are
// force-unlocked, then a NOTIFY on graphile's 'jobs:insert' wakes idle runners so one claims the job in
// tens of milliseconds. A crash is not a failed attempt: failed_attempts is not touched; it counts as a
// take-over (crash_count), and a run at its max_crashes fails as CrashLooping (api/queue/release.ts).
//
// At most one running copy: a job goes to another robot only once its old holder stopped, or its lease
// expired. A deleted pod's process may still run (force deletion, a lost node), so markPodDead does not
// release at once: it asks the pod's robots to stop (their heartbeat is refused; each closes its browser
// contexts, stops its workflows and acknowledges), and the sweep releases them on the acknowledgement or
// at lease expiry, whichever comes first. Every release moves the runs' fencing token on (claim_epoch).
//
// The sweeper never declares robots dead for what it could not see. While it cannot reach the database,
// neither (usually) can the robots, so their heartbeats stop through no fault of theirs. After any sweep
// that failed, before the first sweep, and after a gap between sweeps longer than blindAfterMs, the next
// sweep that reaches the database records the database's clock as `graceFrom`: from then on a lease counts
// from max(last heartbeat, graceFrom), so every robot gets a full lease after the outage to beat again.
// (A robot cut off alone, while the sweeper reaches the database, is fenced after its lease as before.)
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { withTransaction } from '../../../api/queue/db.js';
import { releaseDeadRobots, type ReleaseResult } from '../../../api/queue/release.js';
import { requestPodFence } from '../../../api/queue/sql/fence.js';
import { findOrphanedWorkerPools, markExpiredRobotsDead } from '../../../api/queue/sql/robots.js';

export const DEFAULT_SWEEP_INTERVAL_MS = 2000;
/** Orphaned locks (see findOrphanedWorkerPools) need a scan of locked jobs: look rarely. */
export const DEFAULT_ORPHAN_SWEEP_INTERVAL_MS = 30_000;

export type SweepResult = ReleaseResult;
const AUDIT_ACTOR = 'operator/sweeper';

export interface Sweeper {
  /** One pass: expired leases (and, when due, orphaned locks). */
  sweepOnce(): Promise<SweepResult>;
  /**
   * The operator saw this robot pod deleted: ask its robots to stop, and release what is releasable now
   * (robots that already acknowledged, or whose lease expired); the rest go in a later sweep.
   */
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
  /** A gap this long between two sweeps that reached the database counts as an outage. Default 2 × intervalMs + 1 s. */
  blindAfterMs?: number;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

export function createSweeper(opts: SweeperOptions): Sweeper {
  const intervalMs = opts.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const orphanIntervalMs = opts.orphanIntervalMs ?? DEFAULT_ORPHAN_SWEEP_INTERVAL_MS;
  const log = opts.logger.child({ component: 'sweeper' });
  const blindAfterMs = opts.blindAfterMs ?? 2 * intervalMs + 1000;
  const now = opts.now ?? (() => performance.now());
  let lastOrphanSweep = 0;
  /** Monotonic end of the last sweep that reached the database; null before the first. */
  let lastContact: number | null = null;
  let failedSinceContact = false;
  /** Leases count from here at the earliest (the database's clock when the sweeper could see again). */
  let graceFrom: Date | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const report = (result: SweepResult, why: string) => {
    for (const r of result.deadRobots) {
      log.warn({ robot: r.id, namespace: r.namespace, pool: r.pool, pod: r.pod, workerPoolIds: r.workerPoolIds }, `released the jobs of a dead robot (${why})`);
    }
    const orphans = result.releasedWorkerPools.filter((id) => !result.deadRobots.some((r) => r.workerPoolIds.includes(id)));
    if (orphans.length > 0) log.warn({ workerPoolIds: orphans }, 'released orphaned job locks');
    for (const run of result.crashLoopedRuns) {
      log.warn({ kind: 'RpaJob', namespace: run.namespace, name: run.name, jobUid: run.uid, crashCount: run.crashCount }, 'failed a job that keeps crashing its robots (CrashLooping)');
    }
  };

  const sweepOnce = async (): Promise<SweepResult> => {
    const checkOrphans = Date.now() - lastOrphanSweep >= orphanIntervalMs;
    const blind = lastContact === null || failedSinceContact || now() - lastContact > blindAfterMs;
    let result: SweepResult;
    try {
      result = await withTransaction(opts.pool, async (tx) => {
        if (blind) {
          const at = (await tx.query<{ t: Date }>('select now() as t')).rows[0]!.t;
          if (lastContact !== null) log.info({ graceFrom: at }, 'the sweeper reached the database again: every robot gets a full lease from now');
          graceFrom = at;
        }
        const dead = await markExpiredRobotsDead(tx, { notBefore: graceFrom });
        const orphans = checkOrphans ? await findOrphanedWorkerPools(tx, { olderThanSeconds: opts.orphanAgeSeconds ?? 30 }) : [];
        return releaseDeadRobots(tx, dead, { extraWorkerPoolIds: orphans, auditActor: AUDIT_ACTOR, reason: 'lease expired' });
      });
    } catch (err) {
      failedSinceContact = true;
      throw err;
    }
    lastContact = now();
    failedSinceContact = false;
    if (checkOrphans) lastOrphanSweep = Date.now();
    report(result, 'lease expired');
    return result;
  };

  const markPodDead = async (namespace: string, pod: string): Promise<SweepResult> => {
    const asked = await requestPodFence(opts.pool, { namespace, pod });
    if (asked.length > 0) log.info({ namespace, pod, robots: asked }, 'asked the robots of a deleted pod to stop');
    return sweepOnce();
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
