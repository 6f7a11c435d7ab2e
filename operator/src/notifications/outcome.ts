// What one POST of a delivery means for it, pure: 2xx delivered; 410 Gone stops at once (the receiver
// says the hook is gone); anything else (another status, a timeout, a refused connection, a refused
// address) is retried after an exponential back-off with jitter until maxAttempts, then Failed.
import { retryDelayMs } from '../../../api/queue/backoff.js';
import type { AttemptResult } from '../../../api/notifications/sql.js';

/** The share of each back-off that is random: delays lie in [d·0.75, d], so they still grow with attempts. */
export const BACKOFF_JITTER = 0.25;

export interface Attempt {
  /** This attempt's number (1 = the first POST). */
  attempt: number;
  maxAttempts: number;
  backoff: { initialSeconds: number; maxSeconds: number };
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** What went wrong (no answer, or a short note on the answer). */
  error?: string;
}

/** Delay before attempt n+1 after attempt n failed (n >= 1). */
export function backoffMs(n: number, backoff: Attempt['backoff'], random: () => number = Math.random): number {
  return retryDelayMs(n, { baseMs: backoff.initialSeconds * 1000, factor: 2, maxMs: backoff.maxSeconds * 1000, jitter: BACKOFF_JITTER }, random);
}

/** How long a delivery waits for its signing key (a missing Secret) before it fails for good. */
export const KEY_WAIT_MS = 24 * 3_600_000;

/**
 * A delivery whose signing key cannot be read: nothing was sent, so no attempt is used up (a Secret fixed
 * within a day still gets every event out) — deferred by `retryMs` with jitter, or Failed once the event is
 * older than KEY_WAIT_MS (so a deleted Secret does not keep deliveries pending forever).
 */
export function keyUnavailableResult(
  k: { error: string; createdAt: Date; now: number; retryMs: number },
  random: () => number = Math.random,
): { state: 'Deferred'; error: string; retryInMs: number } | { state: 'Failed'; status: null; error: string } {
  if (k.now - k.createdAt.getTime() >= KEY_WAIT_MS)
    return { state: 'Failed', status: null, error: `${k.error} (no signing key for ${KEY_WAIT_MS / 3_600_000} h: not retried)` };
  return { state: 'Deferred', error: `${k.error} (waiting for the signing key; no attempt used)`, retryInMs: Math.round(k.retryMs * (1 - BACKOFF_JITTER * random())) };
}

export function attemptResult(a: Attempt, random: () => number = Math.random): AttemptResult {
  const status = a.status ?? null;
  if (status !== null && status >= 200 && status < 300) return { state: 'Delivered', status };
  const error = a.error ?? (status !== null ? `the receiver answered ${status}` : 'no answer');
  if (status === 410) return { state: 'Failed', status, error: `${error} (410 Gone: not retried)` };
  if (a.attempt >= a.maxAttempts) return { state: 'Failed', status, error: `${error} (attempt ${a.attempt} of ${a.maxAttempts})` };
  return { state: 'Pending', status, error, retryInMs: backoffMs(a.attempt, a.backoff, random) };
}
