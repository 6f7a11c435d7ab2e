// Collects calls made in the same turn of the event loop and runs them as one statement: with many
// concurrent jobs, claiming and completing runs costs one round trip per batch instead of per job.

export interface Batcher<I, O> {
  submit(item: I): Promise<O>;
}

/** `flush` gets a batch and returns one result per item, in the same order. */
export function createBatcher<I, O>(flush: (items: I[]) => Promise<O[]>, opts: { maxBatch?: number } = {}): Batcher<I, O> {
  const maxBatch = opts.maxBatch ?? 500;
  let pending: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  let scheduled = false;

  const run = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i += maxBatch) {
      const slice = batch.slice(i, i + maxBatch);
      flush(slice.map((p) => p.item)).then(
        (results) => slice.forEach((p, j) => p.resolve(results[j] as O)),
        (err: unknown) => slice.forEach((p) => p.reject(err)),
      );
    }
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(run);
        }
      });
    },
  };
}

export interface SharedBatcher<I, R = void> {
  /** Settles with the batch's result when the batch holding `item` has been written; callers of one batch share one promise. */
  submit(item: I): Promise<R>;
}

/**
 * createBatcher for writes without a result per item: the callers of one batch share one promise (and the
 * batch's one result), so a caller costs an array slot instead of a promise and two closures (this runs
 * once per finished job).
 */
export function createSharedBatcher<I, R = void>(flush: (items: I[]) => Promise<R>, opts: { maxBatch?: number } = {}): SharedBatcher<I, R> {
  const maxBatch = opts.maxBatch ?? 500;
  let current: { items: I[]; written: Promise<R> } | null = null;
  return {
    submit(item) {
      if (current === null || current.items.length >= maxBatch) {
        const items: I[] = [];
        let start!: () => void;
        const written = new Promise<void>((r) => (start = r)).then(() => flush(items));
        written.catch(() => undefined); // each caller sees a failure through its own await
        current = { items, written };
        setImmediate(() => {
          if (current?.items === items) current = null;
          start();
        });
      }
      current.items.push(item);
      return current.written;
    },
  };
}
