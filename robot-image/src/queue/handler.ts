// The contract between the queue consumer and whatever runs a job (the robot's workflow engine).
// The consumer claims the run, calls the handler once per claim, and records what it returns.
import type { QueuePayload } from '../../../api/queue/payload.js';
import type { RunError } from '../../../api/queue/sql/runs.js';
import type { RunHolder } from './fence.js';

export type { RunError };

/** Why `JobContext.signal` fired. */
export type AbortReason =
  /** The RpaJob was cancelled: stop at the next step boundary and return { status: 'cancelled' }. */
  | 'cancelled'
  /** The RpaJob was suspended: stop at the next step boundary in a way the attempt can be RESUMED from
   *  (nothing recorded as its outcome) and return { status: 'suspended' }; the consumer parks the run. */
  | 'suspended'
  /** The robot is shutting down and the deadline passed: stop at once; once the handler returned, the job
   *  is handed back to the queue (whatever you return is ignored) and another robot resumes it. */
  | 'shutdown'
  /** This robot was declared dead and its jobs released; stop at once, another robot owns the run now. */
  | 'fenced';

export interface JobContext {
  payload: QueuePayload;
  runUid: string;
  /**
   * 1-based attempt number. It advances only after a REAL failure; a crash take-over or a hand-back keeps
   * it, so `rpa-<uid>-a<attempt>` is a stable DBOS workflow ID for the attempt.
   */
  attempt: number;
  maxAttempts: number;
  /** How many times robots have claimed this run, this claim included. */
  claims: number;
  /** The robot that held this attempt before (it crashed or handed it back), or null on a fresh attempt. */
  previousRobot: string | null;
  /** The graphile-worker job's id (not the RpaJob uid: that is runUid). */
  graphileJobId: string;
  robotId: string;
  /**
   * Fires with reason AbortReason. Check `signal.aborted` before each step. On 'shutdown' and 'fenced' stop
   * AT ONCE (close the browser context, record nothing more) and return: the job goes to another robot
   * only after the handler returned.
   */
  signal: AbortSignal;
  /** This claim's fencing token: confirm it right before any write the database does not fence itself. */
  holder: RunHolder;
}

/** What a JobHandler returns for one claim; the consumer records it in the run row. */
export type HandlerOutcome =
  | { status: 'succeeded'; outputs?: Record<string, unknown> }
  | {
      status: 'failed';
      error: RunError;
      /** false: fail for good now (a bad workflow), without using the remaining attempts. Default true. */
      retryable?: boolean;
      /** PNG of the page when the step failed (masked); stored with the run, at most 2 MiB. */
      screenshot?: Buffer;
    }
  | { status: 'cancelled' }
  /** Stopped at a step boundary for a suspend; the attempt resumes there when the job is resumed. */
  | { status: 'suspended'; stepId?: string };

/** A handler that throws counts as a real failure with the error's message. */
export type JobHandler = (ctx: JobContext) => Promise<HandlerOutcome>;
