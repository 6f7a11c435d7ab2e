// Retry pacing for the work queue: per-key exponential backoff and an overall token bucket
// (client-go's default controller rate limiter: the larger of the two delays wins).

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** Delay before retry number `failures` (1 = first retry): base * 2^(failures-1), capped. */
export function exponentialBackoffMs(failures: number, opts: BackoffOptions): number {
  if (failures <= 0) return 0;
  const exp = Math.min(failures - 1, 52); // beyond this 2^n stops being exact
  return Math.min(opts.capMs, opts.baseMs * 2 ** exp);
}

/** Spreads retries so that many failing keys do not come back at the same instant. */
export function withJitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return ms + ms * fraction * random();
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many may pass at once after a quiet period. */
  burst: number;
}

/**
 * A token bucket that hands out reservations: `reserve(now)` takes a token and says how long the
 * caller must wait for it (0 while the burst lasts).
 */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;

  constructor(private readonly opts: TokenBucketOptions) {
    this.tokens = opts.burst;
  }

  reserve(now: number): number {
    if (this.last !== undefined) {
      this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.ratePerSecond);
    }
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens / this.opts.ratePerSecond) * 1000);
  }
}
