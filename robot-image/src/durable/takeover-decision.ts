// What to do with an attempt's workflow, given what the system database says about it and what the run
// row says. The queue hands a job to this robot only when no live robot holds it, so an unfinished
// workflow here is an orphan of a dead robot (or a hand-back) and is ours to resume. Robots cancel a
// workflow in DBOS only to SUSPEND it (a cancel of the RpaJob is recorded as a step instead), so a
// CANCELLED workflow of a run nobody is cancelling is a suspended attempt that was resumed: resume it.

export type TakeOverAction =
  /** No workflow yet: start it here. */
  | 'start'
  /** Started elsewhere and not finished: resume it onto this process's queue. */
  | 'resume'
  /** Already running in this very process (the handler was called again): wait for it. */
  | 'attach'
  /** Finished: its recorded result is the outcome (it may be a failure the engine reported). */
  | 'take-result'
  /** The workflow function itself threw, or DBOS gave up on it: a real failure. */
  | 'failed'
  /** Cancelled through DBOS and the run is being cancelled: nothing to run. */
  | 'cancelled';

export interface TakeOverContext {
  /** The executor that last ran the workflow (DBOS status). */
  executorId?: string;
  ourExecutorId?: string;
  /**
   * The run is being cancelled. Decides what a CANCELLED workflow means: the end (true), or a suspension
   * to resume (false). Unknown counts as true: a workflow nobody said to resume stays cancelled.
   */
  cancelRequested?: boolean;
}

export function decideTakeOver(status: string | null | undefined, where: TakeOverContext = {}): TakeOverAction {
  switch (status) {
    case null:
    case undefined:
      return 'start';
    case 'PENDING':
      return where.executorId !== undefined && where.executorId === where.ourExecutorId ? 'attach' : 'resume';
    case 'ENQUEUED':
    case 'DELAYED':
      return 'resume';
    case 'SUCCESS':
      return 'take-result';
    case 'ERROR':
    case 'MAX_RECOVERY_ATTEMPTS_EXCEEDED':
      return 'failed';
    case 'CANCELLED':
      return where.cancelRequested === false ? 'resume' : 'cancelled';
    default:
      throw new Error(`unknown DBOS workflow status ${status}`);
  }
}
