// Runs the injected JobHandler for one claimed run and turns however it ends into a Settled value: the
// handler's outcome, a thrown error as a failure, or an abandonment (shutdown deadline, fenced).
import type { QueuePayload } from '../../../api/queue/payload.js';
import type { ClaimedRun } from '../../../api/queue/sql/runs.js';
import type { HandlerOutcome, JobContext, JobHandler } from './handler.js';
import type { RunHolder } from './fence.js';
import type { AbandonReason, InFlightJob } from './in-flight.js';

/** The handler was abandoned (shutdown deadline, fenced) and has stopped. */
export interface Abandoned {
  readonly abandoned: AbandonReason;
}
const ABANDONED: Readonly<Record<AbandonReason, Abandoned>> = {
  shutdown: { abandoned: 'shutdown' },
  fenced: { abandoned: 'fenced' },
};

/** How a handler's run ended. */
export type Settled = HandlerOutcome | Abandoned;

export const isAbandoned = (s: Settled): s is Abandoned => s === ABANDONED.shutdown || s === ABANDONED.fenced;

/** A handler still running this long after it was abandoned is logged (it is still waited for). */
export const SLOW_STOP_WARN_MS = 10_000;

/**
 * Runs the handler until it settles. A 'shutdown' or 'fenced' abort settles as abandoned once the handler
 * has stopped (it closes its browser context and records nothing more; its outcome is not used), never
 * before: until then the job is not handed back, and a fenced robot does not acknowledge its stop, so no
 * other robot runs the job meanwhile (at most one running copy). A handler that is abandoned before it
 * started is not started at all. A 'cancelled' or 'suspended' abort waits for the handler to stop at its
 * next step boundary.
 */
export function runHandler(
  handler: JobHandler,
  ctx: JobContext,
  running: InFlightJob,
  onSlowStop?: (reason: AbandonReason) => void,
): Promise<Settled> {
  if (running.abandoned) return Promise.resolve(ABANDONED[running.abandoned]);
  return new Promise<Settled>((resolve) => {
    let outcome: Promise<HandlerOutcome>;
    try {
      outcome = handler(ctx);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    const stopped = outcome.then(
      (o) => o,
      (err: unknown) => handlerFailure(err),
    );
    void stopped.then((o) => {
      const reason = running.abandoned;
      resolve(reason ? ABANDONED[reason] : o);
    });
    running.onAbandon = (reason) => {
      if (!onSlowStop) return;
      const timer = setTimeout(() => onSlowStop(reason), SLOW_STOP_WARN_MS);
      timer.unref();
      void stopped.finally(() => clearTimeout(timer));
    };
  });
}

/** A handler that threw (or rejected) failed its attempt with the error's message. */
function handlerFailure(err: unknown): HandlerOutcome {
  return {
    status: 'failed',
    error: { message: err instanceof Error ? err.message : String(err), code: 'HandlerError' },
  };
}

/** The handler's view of a claimed run: a class, so a job costs one object and no getter closure. */
export class ClaimContext implements JobContext {
  readonly runUid: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly claims: number;
  readonly previousRobot: string | null;

  constructor(
    readonly payload: QueuePayload,
    claim: ClaimedRun,
    readonly graphileJobId: string,
    readonly robotId: string,
    private readonly running: InFlightJob,
    readonly holder: RunHolder,
  ) {
    this.runUid = claim.uid;
    this.attempt = claim.failedAttempts + 1;
    this.maxAttempts = claim.maxAttempts;
    this.claims = claim.attempts + 1;
    this.previousRobot = claim.previousRobot;
  }

  get signal(): AbortSignal {
    return this.running.signal;
  }
}
