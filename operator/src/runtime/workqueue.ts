// The controller work queue (client-go semantics): it holds keys ("namespace/name"), each at most once;
// a key being processed is not handed out again until done() — a re-add meanwhile is kept and comes
// back after. Failed keys return after a per-key exponential backoff, and all retries together pass
// through a token bucket.
import { exponentialBackoffMs } from '../../../api/queue/backoff.js';
import { TokenBucket, type BackoffOptions, type TokenBucketOptions } from './backoff.js';
import { realClock, type Clock } from './clock.js';

export interface WorkQueueOptions {
  backoff?: BackoffOptions;
  bucket?: TokenBucketOptions;
  clock?: Clock;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 5 * 60_000 };
export const DEFAULT_BUCKET: TokenBucketOptions = { ratePerSecond: 10, burst: 100 };

interface Waiting {
  readyAt: number;
  cancel: () => void;
}

export class WorkQueue {
  private readonly order: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly failures = new Map<string, number>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly bucket: TokenBucket;
  private readonly backoff: BackoffOptions;
  private readonly clock: Clock;
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.bucket = new TokenBucket(opts.bucket ?? DEFAULT_BUCKET);
    this.clock = opts.clock ?? realClock;
  }

  /** Keys waiting to be handed out (not those in flight or delayed). */
  get length(): number {
    return this.order.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get delayed(): number {
    return this.waiting.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const getter = this.getters.shift();
    if (getter) {
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
    } else {
      this.order.push(key);
    }
  }

  /** Adds `key` after `ms`; when the key already waits, the earlier time wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.cancel();
    const cancel = this.clock.setTimer(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { readyAt, cancel });
  }

  /** Re-adds a key that failed: after its own backoff or the bucket's wait, whichever is longer. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = Math.max(exponentialBackoffMs(failures, this.backoff), this.bucket.reserve(this.clock.now()));
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure count (after a success or a terminal error). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process; undefined once the queue shuts down and has nothing left. */
  get(): Promise<string | undefined> {
    const key = this.order.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks a key finished; if it was added again meanwhile, it is queued now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Stops accepting keys and drops those not started (the next leader or start reconciles them
   * anyway, reconcile being level-based). Resolves when the keys in flight are done.
   */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.cancel();
    this.waiting.clear();
    this.order.length = 0;
    this.dirty.clear();
    for (const g of this.getters.splice(0)) g(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
