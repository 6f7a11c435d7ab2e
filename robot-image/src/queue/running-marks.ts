// A run is marked 'running' (robot, claim count) only once its handler has run `afterMs`: a short job is
// recorded by its outcome alone, in one write. One timer looks over the running jobs; the marks of one
// tick go out in one batched statement.
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { markRunsRunning } from '../../../api/queue/sql/runs.js';
import { createSharedBatcher } from './batcher.js';
import type { InFlightJobs } from './in-flight.js';

export interface RunningMarksOptions {
  db: pg.Pool;
  robot: string;
  inFlight: InFlightJobs;
  afterMs: number;
  logger: Logger;
}

export function startRunningMarks(opts: RunningMarksOptions): { stop(): void } {
  const marks = createSharedBatcher<{ uid: string; epoch: number }, number>((runs) => markRunsRunning(opts.db, { runs, robot: opts.robot }));
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const f of opts.inFlight.values()) {
        if (f.marked || now - f.startedAt < opts.afterMs) continue;
        f.marked = true;
        marks
          .submit({ uid: f.uid, epoch: f.epoch })
          .catch((err: unknown) => opts.logger.warn({ err, jobUid: f.uid }, 'could not mark the run running'));
      }
    },
    Math.max(10, Math.round(opts.afterMs / 4)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
