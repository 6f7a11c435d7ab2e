// Delay before the next attempt after a REAL failure (a crash is not a failure and is not delayed).

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
  const n = Math.max(1, Math.floor(failedAttempts));
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** (n - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(raw * (1 - jitter * random()));
}
