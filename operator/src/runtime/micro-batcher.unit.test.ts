import { describe, expect, it } from '@jest/globals';
import { BatchSizeError, MicroBatcher } from './micro-batcher.js';

/** A batcher whose deferred flushes run only when the test says, and whose batches it completes by hand. */
function harness(opts: { maxBatch?: number; maxInFlight?: number } = {}) {
  const deferred: Array<() => void> = [];
  const batches: Array<{ items: number[]; resolve: (outs: string[]) => void; reject: (err: unknown) => void }> = [];
  const batcher = new MicroBatcher<number, string>({
    maxBatch: opts.maxBatch ?? 100,
    maxInFlight: opts.maxInFlight ?? 1,
    defer: (fn) => deferred.push(fn),
    run: (items) => new Promise<string[]>((resolve, reject) => batches.push({ items, resolve, reject })),
  });
  const tick = () => deferred.splice(0).forEach((fn) => fn());
  /** Lets promise callbacks (results handed out, `finally`) run. */
  const settle = () => new Promise<void>((r) => setImmediate(r));
  const answer = (b: { items: number[]; resolve: (outs: string[]) => void }) => b.resolve(b.items.map((i) => `r${i}`));
  return { batcher, batches, tick, settle, answer };
}

describe('MicroBatcher', () => {
  it('sends the items added in one burst as one batch and gives each caller its own result', async () => {
    const { batcher, batches, tick, answer } = harness();
    const results = [1, 2, 3].map((i) => batcher.add(i));
    expect(batches).toHaveLength(0); // nothing leaves before the burst is over
    tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    answer(batches[0]!);
    expect(await Promise.all(results)).toEqual(['r1', 'r2', 'r3']);
  });

  it('collects what arrives while a batch is out into the next one, sent when it comes back', async () => {
    const { batcher, batches, tick, settle, answer } = harness({ maxInFlight: 1 });
    const first = batcher.add(1);
    tick();
    const later = [2, 3, 4].map((i) => batcher.add(i));
    tick();
    expect(batches).toHaveLength(1);
    expect(batcher.pending).toBe(3);
    answer(batches[0]!);
    expect(await first).toBe('r1');
    await settle();
    tick();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    answer(batches[1]!);
    expect(await Promise.all(later)).toEqual(['r2', 'r3', 'r4']);
    await settle();
    expect(batcher.running).toBe(0);
  });

  it('splits a burst larger than maxBatch, up to maxInFlight batches at once', () => {
    const { batcher, batches, tick } = harness({ maxBatch: 2, maxInFlight: 2 });
    for (let i = 1; i <= 5; i++) void batcher.add(i);
    tick();
    expect(batches.map((b) => b.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(batcher.pending).toBe(1);
    expect(batcher.running).toBe(2);
  });

  it('fails every item of a failed batch with its error, and goes on with the next batch', async () => {
    const { batcher, batches, tick, settle, answer } = harness();
    const failing = [1, 2].map((i) => batcher.add(i));
    tick();
    const next = batcher.add(3);
    const boom = new Error('connection lost');
    batches[0]!.reject(boom);
    for (const f of failing) await expect(f).rejects.toBe(boom);
    await settle();
    tick();
    answer(batches[1]!);
    expect(await next).toBe('r3');
  });

  it('fails the batch when run throws synchronously', async () => {
    const boom = new Error('bad input');
    const batcher = new MicroBatcher<number, number>({ maxBatch: 10, maxInFlight: 1, defer: (fn) => fn(), run: () => { throw boom; } });
    await expect(batcher.add(1)).rejects.toBe(boom);
  });

  it('fails the batch when run returns a different number of results than items', async () => {
    const { batcher, batches, tick } = harness();
    const results = [1, 2].map((i) => batcher.add(i));
    tick();
    batches[0]!.resolve(['only one']);
    for (const r of results) await expect(r).rejects.toBeInstanceOf(BatchSizeError);
  });

  it.each([
    ['maxBatch', { maxBatch: 0, maxInFlight: 1 }],
    ['maxInFlight', { maxBatch: 1, maxInFlight: 0 }],
  ])('refuses a %s below 1', (_name, limits) => {
    expect(() => new MicroBatcher<number, number>({ ...limits, run: async (xs) => xs })).toThrow(RangeError);
  });

  it('batches real concurrent callers with the default deferral', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>({
      maxBatch: 100,
      maxInFlight: 1,
      run: async (xs) => {
        sizes.push(xs.length);
        return xs.map((x) => x * 2);
      },
    });
    const out = await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.add(i)));
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(sizes).toEqual([50]);
  });
});
