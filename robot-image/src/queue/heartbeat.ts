// The robot's lease: a row in aether.robots refreshed every few seconds, carrying the graphile-worker
// pool id(s) whose job locks the sweeper must release if the heartbeat stops.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { heartbeatRobot, registerRobot, retireRobot, type RobotState } from '../../../api/queue/sql/robots.js';

export interface HeartbeatOptions {
  pool: pg.Pool;
  robotId: string;
  namespace: string;
  poolName: string;
  pod: string | null;
  leaseSeconds: number;
  intervalMs: number;
  /** Read at every beat. */
  jobsHeld: () => number;
  /** Called once when the robot finds it was declared dead (its jobs are no longer its own). */
  onFenced: () => void;
  logger: Logger;
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
  const ids: string[] = [];
  let state: 'alive' | 'draining' = 'alive';
  let fenced = false;
  await registerRobot(opts.pool, {
    id: opts.robotId,
    namespace: opts.namespace,
    pool: opts.poolName,
    pod: opts.pod,
    leaseSeconds: opts.leaseSeconds,
  });

  const beat = async (next?: 'alive' | 'draining'): Promise<RobotState> => {
    if (next) state = next;
    const now = await heartbeatRobot(opts.pool, { id: opts.robotId, workerPoolIds: ids, jobsHeld: opts.jobsHeld(), state });
    if (now === 'dead' && !fenced) {
      fenced = true;
      opts.logger.error({ robot: opts.robotId }, 'robot was declared dead; its jobs were released');
      opts.onFenced();
    }
    return now;
  };

  const timer = setInterval(() => {
    beat().catch((err: unknown) => opts.logger.warn({ err }, 'heartbeat failed'));
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
      clearInterval(timer);
      if (retire && !fenced) await retireRobot(opts.pool, { id: opts.robotId });
    },
  };
}
