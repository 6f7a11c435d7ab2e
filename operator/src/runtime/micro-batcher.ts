// Group commit for concurrent callers: items added while the current burst of work runs go out together
// in one batch call, so N concurrent reconciles make one database round trip instead of N. There is no
// timer: a batch leaves as soon as the burst of adds in the current turn of the event loop is over (or at
// once when idle), and while `maxInFlight` batches are out, further items wait and leave together when
// one comes back. Batches therefore grow with the load and cost no latency when there is none.
//
// Each item gets its own outcome: `run` resolves with one output per input, in order; when it throws,
// every item of that batch fails with the same error (the callers retry as they would a single call).

export interface MicroBatcherOptions<I, O> {
  /** Handles one batch; resolves with exactly one output per item, in the items' order. */
  run: (items: I[]) => Promise<O[]>;
  /** Most items in one batch. */
  maxBatch: number;
  /** Most batches out at once. */
  maxInFlight: number;
  /** Runs `fn` once the current burst of adds is over. Default: setImmediate. */
  defer?: (fn: () => void) => void;
}

interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export class BatchSizeError extends Error {
  override readonly name = 'BatchSizeError';
}

export class MicroBatcher<I, O> {
  private readonly waiting: Array<Waiting<I, O>> = [];
  private inFlight = 0;
  private flushScheduled = false;
  private readonly defer: (fn: () => void) => void;

  constructor(private readonly opts: MicroBatcherOptions<I, O>) {
    if (!(opts.maxBatch >= 1) || !(opts.maxInFlight >= 1)) throw new RangeError('maxBatch and maxInFlight must be at least 1');
    this.defer = opts.defer ?? ((fn) => void setImmediate(fn));
  }

  /** Items waiting for a batch (not counting those out). */
  get pending(): number {
    return this.waiting.length;
  }

  /** Batches out now. */
  get running(): number {
    return this.inFlight;
  }

  /** Adds one item to the next batch; resolves with its output. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushScheduled || this.inFlight >= this.opts.maxInFlight || this.waiting.length === 0) return;
    this.flushScheduled = true;
    this.defer(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.opts.maxInFlight && this.waiting.length > 0) {
      this.launch(this.waiting.splice(0, this.opts.maxBatch));
    }
  }

  private launch(batch: Array<Waiting<I, O>>): void {
    this.inFlight++;
    let outcome: Promise<O[]>;
    try {
      outcome = this.opts.run(batch.map((w) => w.item));
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome
      .then((outs) => {
        if (outs.length !== batch.length) throw new BatchSizeError(`a batch of ${batch.length} items returned ${outs.length} results`);
        batch.forEach((w, i) => w.resolve(outs[i]!));
      })
      .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
  }
}
