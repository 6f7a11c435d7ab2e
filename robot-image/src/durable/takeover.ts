// The one way a robot runs an attempt: start it, or take over what a dead robot left, or read the
// outcome that is already recorded. See DESIGN.md, "Measured behaviour of DBOS 5.3".
import { DBOS, DBOSWorkflowConflictError, Error as DBOSErrors, type WorkflowHandle } from '@dbos-inc/dbos-sdk';
import { isSystemDatabaseFault } from './fault.js';
import { decideTakeOver, type TakeOverAction } from './takeover-decision.js';

export type AttemptOutcome<R> =
  | { kind: 'result'; value: R; action: TakeOverAction }
  /** The workflow function threw or DBOS gave up on it. */
  | { kind: 'failed'; message: string; action: TakeOverAction }
  | { kind: 'cancelled'; action: TakeOverAction }
  /** Another process owns the workflow now (DBOS fenced us off): stop and report nothing. */
  | { kind: 'superseded'; action: TakeOverAction }
  /** DBOS's system database could not be read or written (durable/fault.ts): a crash, not a failure. */
  | { kind: 'fault'; error: unknown; action: TakeOverAction | null };

export interface TakeOverOptions<R> {
  workflowId: string;
  /** This process's queue (see durable/runtime.ts). */
  queueName: string;
  executorId: string;
  /** Starts the workflow in this process under `workflowId`. */
  start: () => Promise<WorkflowHandle<R>>;
  /** Whether the run is being cancelled now (see TakeOverContext.cancelRequested). */
  cancelRequested?: () => boolean;
  /** Called once the action is known, before waiting (for logs and metrics). */
  onAction?: (action: TakeOverAction) => void;
}

export async function runOrTakeOver<R>(opts: TakeOverOptions<R>): Promise<AttemptOutcome<R>> {
  let status: Awaited<ReturnType<typeof DBOS.getWorkflowStatus>>;
  try {
    status = await DBOS.getWorkflowStatus(opts.workflowId);
  } catch (err) {
    if (isSystemDatabaseFault(err)) return { kind: 'fault', error: err, action: null };
    throw err;
  }
  const action = decideTakeOver(status?.status, {
    executorId: status?.executorId,
    ourExecutorId: opts.executorId,
    ...(opts.cancelRequested && { cancelRequested: opts.cancelRequested() }),
  });
  opts.onAction?.(action);
  try {
    switch (action) {
      case 'start':
        return { kind: 'result', value: await (await opts.start()).getResult(), action };
      case 'resume': {
        const handle = await DBOS.resumeWorkflow<R>(opts.workflowId, { queueName: opts.queueName });
        return { kind: 'result', value: (await handle.getResult()) as R, action };
      }
      case 'attach':
      case 'take-result':
        return { kind: 'result', value: (await DBOS.retrieveWorkflow<R>(opts.workflowId).getResult()) as R, action };
      case 'failed':
        return { kind: 'failed', message: errorMessage(status?.error) ?? `workflow ended ${status?.status}`, action };
      case 'cancelled':
        return { kind: 'cancelled', action };
    }
  } catch (err) {
    return classifyWaitError(err, action);
  }
}

function classifyWaitError<R>(err: unknown, action: TakeOverAction): AttemptOutcome<R> {
  if (isConflict(err)) return { kind: 'superseded', action };
  if (isCancellation(err)) return { kind: 'cancelled', action };
  if (isSystemDatabaseFault(err)) return { kind: 'fault', error: err, action };
  return { kind: 'failed', message: errorMessage(err) ?? String(err), action };
}

/** The workflow was cancelled in DBOS (DBOS errors keep the name 'Error': match the classes). */
export function isCancellation(err: unknown): boolean {
  return err instanceof DBOSErrors.DBOSWorkflowCancelledError || err instanceof DBOSErrors.DBOSAwaitedWorkflowCancelledError;
}

/** DBOS wraps nothing here, but a step may carry the conflict as its cause. */
export function isConflict(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DBOSWorkflowConflictError || (e as Error).name === 'DBOSWorkflowConflictError') return true;
  }
  return false;
}

function errorMessage(e: unknown): string | undefined {
  if (e === null || e === undefined) return undefined;
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && 'message' in e && typeof (e as { message: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}
