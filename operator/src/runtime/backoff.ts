// Retry pacing for the work queue: per-key exponential backoff (api/queue/backoff.ts) and an overall
// token bucket (client-go's default controller rate limiter: the larger of the two delays wins).

/** Per-key backoff of the work queue: baseMs · 2^(failures-1), capped at maxMs. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
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
    this.refill(now);
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens / this.opts.ratePerSecond) * 1000);
  }

  /** Takes a token if one is there now; false (and nothing owed) when the bucket is empty. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(now: number): void {
    if (this.last !== undefined) {
      this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.last) / 1000) * this.opts.ratePerSecond);
    }
    this.last = now;
  }
}
