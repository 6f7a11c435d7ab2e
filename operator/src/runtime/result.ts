// What a reconcile returns: done, or come back after a while. Errors it throws are retried with
// backoff, except a TerminalError (a bad spec: report it on the resource and do not retry).
export type ReconcileResult = { type: 'done' } | { type: 'requeueAfter'; afterMs: number };

export const done = (): ReconcileResult => ({ type: 'done' });
export const requeueAfter = (afterMs: number): ReconcileResult => ({ type: 'requeueAfter', afterMs });

/** A failure that may pass on its own (API conflict, database down): retry with backoff. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
}

/** A failure that retrying cannot fix: no retry until the resource changes. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export type ReconcileOutcome = 'success' | 'requeue' | 'error' | 'terminal';
