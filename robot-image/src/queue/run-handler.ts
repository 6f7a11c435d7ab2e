// Runs the injected JobHandler for one claimed run and turns however it ends into a Settled value: the
// handler's outcome, a thrown error as a failure, or an abandonment (shutdown deadline, fenced).
import type { QueuePayload } from '../../../api/queue/payload.js';
import type { ClaimedRun } from '../../../api/queue/sql/runs.js';
import type { HandlerOutcome, JobContext, JobHandler } from './handler.js';
import type { AbandonReason, InFlightJob } from './in-flight.js';

/** The consumer stopped waiting for the handler (allocated once per reason, not per job). */
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

/**
 * Runs the handler until it settles. A 'shutdown' or 'fenced' abort settles at once (the handler is left
 * to notice its signal; it is not started at all when the abort came first); a 'cancelled' or 'suspended'
 * abort waits for the handler to stop at its next step boundary.
 */
export function runHandler(handler: JobHandler, ctx: JobContext, running: InFlightJob): Promise<Settled> {
  if (running.abandoned) return Promise.resolve(ABANDONED[running.abandoned]);
  return new Promise<Settled>((resolve) => {
    running.onAbandon = (reason) => resolve(ABANDONED[reason]);
    let outcome: Promise<HandlerOutcome>;
    try {
      outcome = handler(ctx);
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(resolve, (err: unknown) => resolve(handlerFailure(err)));
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
