// Backoff, in one place: the exponential delay every retry loop uses (the operator's work queue and
// informers, LISTEN reconnects, the robot's status reporter), jitter, and the delay before the next
// attempt of a job after a REAL failure (a crash is not a failure and is not delayed).

/** Delay before retry number `n` (1 = first retry): baseMs · factor^(n-1), capped at maxMs; 0 for n <= 0. */
export function exponentialBackoffMs(n: number, opts: { baseMs: number; maxMs: number; factor?: number }): number {
  if (n <= 0) return 0;
  const exp = Math.min(n - 1, 52); // beyond this 2^n stops being exact
  return Math.min(opts.maxMs, opts.baseMs * (opts.factor ?? 2) ** exp);
}

/** Spreads retries so that many failing keys do not come back at the same instant: adds up to `fraction`. */
export function withJitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return ms + ms * fraction * random();
}

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Growth per further failure. */
  factor: number;
  /** Upper bound. */
  maxMs: number;
  /** 0..1: the delay is drawn from [d·(1-jitter), d]; spreads retries of many jobs that failed together. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, factor: 2, maxMs: 10 * 60_000, jitter: 0.2 };

/** failedAttempts counts failures so far, this one included (1 after the first failure). */
export function retryDelayMs(failedAttempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = Math.random): number {
  const raw = exponentialBackoffMs(Math.max(1, Math.floor(failedAttempts)), policy);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(raw * (1 - jitter * random()));
}
