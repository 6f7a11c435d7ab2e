// What to do with an attempt's workflow, given what the system database says about it. The queue
// hands a job to this robot only when no live robot holds it, so an unfinished workflow here is an
// orphan of a dead robot and is ours to resume.

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
  /** Cancelled through DBOS: nothing to run. */
  | 'cancelled';

export function decideTakeOver(
  status: string | null | undefined,
  where: { executorId?: string; ourExecutorId?: string } = {},
): TakeOverAction {
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
      return 'cancelled';
    default:
      throw new Error(`unknown DBOS workflow status ${status}`);
  }
}
