// The robot's lease: a row in aether.robots refreshed every few seconds, carrying the graphile-worker
// pool id(s) whose job locks the sweeper must release if the heartbeat stops. After each beat (or failed
// beat) lease.ts decides: go on, rejoin (declared dead while idle: register again), or fence (declared
// dead while holding work, or the database unreachable for longer than the outage budget while holding
// work).
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { heartbeatRobot, registerRobot, retireRobot, robotStopRequested, type RobotState } from '../../../api/queue/sql/robots.js';
import { leaseVerdict, RobotFencedError, type FenceReason } from './lease.js';

export const DEFAULT_OUTAGE_BUDGET_MS = 30_000;

export interface HeartbeatOptions {
  pool: pg.Pool;
  robotId: string;
  namespace: string;
  poolName: string;
  pod: string | null;
  /** The robot's version (migrations/sql/0019_robot_version.sql), recorded at registration. */
  version?: string | null;
  leaseSeconds: number;
  intervalMs: number;
  /** How long the robot keeps working on its jobs while its beats cannot reach the database. */
  outageBudgetMs?: number;
  /** Read at every beat. */
  jobsHeld: () => number;
  /**
   * Called once when the robot must stop working on the jobs it holds: it was declared dead (its jobs were
   * released), or it could not reach the database for longer than the outage budget.
   */
  onFenced: (reason: FenceReason) => void;
  logger: Logger;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

export interface Heartbeat {
  /** Adds a worker pool id and beats at once, so the sweeper knows the id as soon as possible. */
  addWorkerPoolId(id: string): Promise<void>;
  workerPoolIds(): string[];
  beat(state?: 'alive' | 'draining'): Promise<RobotState>;
  /** Stops beating; with `retire` marks the robot gone (it holds nothing any more). */
  stop(opts: { retire: boolean }): Promise<void>;
}

export async function startHeartbeat(opts: HeartbeatOptions): Promise<Heartbeat> {
  const now = opts.now ?? (() => performance.now());
  const budgetMs = opts.outageBudgetMs ?? DEFAULT_OUTAGE_BUDGET_MS;
  const ids: string[] = [];
  let state: 'alive' | 'draining' = 'alive';
  let fenced = false;
  let stopped = false;
  let lastContact = now();
  let outageLogged = false;
  let inFlight: Promise<unknown> | null = null;
  const register = () =>
    registerRobot(opts.pool, {
      id: opts.robotId,
      namespace: opts.namespace,
      pool: opts.poolName,
      pod: opts.pod,
      version: opts.version ?? null,
      leaseSeconds: opts.leaseSeconds,
    });
  await register();
  lastContact = now();

  const fence = (reason: FenceReason) => {
    if (fenced) return;
    fenced = true;
    opts.logger.error(
      { robot: opts.robotId, reason, jobsHeld: opts.jobsHeld(), outageBudgetMs: budgetMs },
      `${new RobotFencedError(reason).message}: stopping`,
    );
    opts.onFenced(reason);
  };

  const beat = async (next?: 'alive' | 'draining'): Promise<RobotState> => {
    if (next) state = next;
    let result: RobotState;
    try {
      result = await heartbeatRobot(opts.pool, { id: opts.robotId, workerPoolIds: ids, jobsHeld: opts.jobsHeld(), state });
    } catch (err) {
      const verdict = leaseVerdict({ beat: 'failed', jobsHeld: opts.jobsHeld(), msSinceContact: now() - lastContact, outageBudgetMs: budgetMs });
      if (verdict.action === 'exit') fence(verdict.reason);
      else if (!outageLogged) {
        outageLogged = true;
        opts.logger.warn({ err, outageBudgetMs: budgetMs }, 'heartbeat could not reach the database; working on');
      }
      throw err;
    }
    lastContact = now();
    if (outageLogged) {
      outageLogged = false;
      opts.logger.info('heartbeat reached the database again');
    }
    if (fenced) return result;
    const verdict = leaseVerdict({ beat: result === 'dead' ? 'dead' : 'alive', jobsHeld: opts.jobsHeld(), msSinceContact: 0, outageBudgetMs: budgetMs });
    if (verdict.action === 'exit') fence(verdict.reason);
    else if (verdict.action === 'rejoin' && !stopped && state === 'alive') {
      // Asked to stop (its pod was deleted): never rejoin; stop, acknowledge, and exit.
      if (await robotStopRequested(opts.pool, { id: opts.robotId })) {
        fence('stop-requested');
        return result;
      }
      // Declared dead while idle (e.g. cut off from the database longer than the lease): nothing of ours
      // was released but locks, so register again and keep fetching.
      await register();
      opts.logger.warn({ robot: opts.robotId }, 'robot was declared dead while idle; rejoined');
      return 'alive';
    }
    return result;
  };

  const timer = setInterval(() => {
    // One beat at a time: a beat waiting on an unreachable database is bounded by the pool's timeouts.
    if (inFlight) {
      const verdict = leaseVerdict({ beat: 'failed', jobsHeld: opts.jobsHeld(), msSinceContact: now() - lastContact, outageBudgetMs: budgetMs });
      if (verdict.action === 'exit') fence(verdict.reason);
      return;
    }
    inFlight = beat()
      .catch((err: unknown) => opts.logger.debug({ err }, 'heartbeat failed'))
      .finally(() => (inFlight = null));
  }, opts.intervalMs);
  timer.unref();

  return {
    async addWorkerPoolId(id) {
      ids.push(id);
      await beat();
    },
    workerPoolIds: () => [...ids],
    beat,
    async stop({ retire }) {
      stopped = true;
      clearInterval(timer);
      if (retire && !fenced) await retireRobot(opts.pool, { id: opts.robotId });
    },
  };
}
