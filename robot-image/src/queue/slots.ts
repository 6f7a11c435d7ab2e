// Handler slots: at most `size` handlers run at once, whatever graphile-worker's own concurrency is. With
// more graphile workers than slots, a job whose handler has finished gives its slot to the next job while
// its outcome is still being written, so short jobs are not held back by the bookkeeping round trips.

export interface Slots {
  /** Takes a free slot at once if there is one and nobody waits (true), without a promise. */
  tryAcquire(): boolean;
  /** Resolves when a slot is free; FIFO. */
  acquire(): Promise<void>;
  release(): void;
  /** Slots taken now. */
  readonly inUse: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

export function createSlots(size: number): Slots {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: size must be a positive integer, got ${size}`);
  let inUse = 0;
  const waiters: Array<() => void> = [];
  return {
    tryAcquire() {
      if (inUse >= size || waiters.length > 0) return false;
      inUse++;
      return true;
    },
    acquire() {
      if (inUse < size) {
        inUse++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    release() {
      const next = waiters.shift();
      // The slot passes straight to the next waiter: inUse stays the same.
      if (next) next();
      else if (inUse > 0) inUse--;
    },
    get inUse() {
      return inUse;
    },
    get waiting() {
      return waiters.length;
    },
  };
}
