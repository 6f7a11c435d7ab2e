import { createBatcher, createSharedBatcher } from './batcher.js';

describe('createBatcher', () => {
  it('runs calls of one event-loop turn as one batch, results in order', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>(async (xs) => {
      batches.push(xs);
      return xs.map((x) => x * 10);
    });
    const results = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await b.submit(4)).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('splits at maxBatch and rejects every caller of a failed batch', async () => {
    const sizes: number[] = [];
    const b = createBatcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        if (xs.includes(99)) throw new Error('bad batch');
        return xs;
      },
      { maxBatch: 2 },
    );
    const settled = await Promise.allSettled([1, 2, 99, 4, 5].map((x) => b.submit(x)));
    expect(sizes).toEqual([2, 2, 1]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
  });
});

describe('createSharedBatcher', () => {
  it('writes the calls of one event-loop turn as one batch, split at maxBatch, failing only the failed batch', async () => {
    const batches: number[][] = [];
    const b = createSharedBatcher<number>(
      async (xs) => {
        batches.push(xs);
        if (xs.includes(99)) throw new Error('bad batch');
      },
      { maxBatch: 2 },
    );
    const settled = await Promise.allSettled([1, 2, 99, 4, 5].map((x) => b.submit(x)));
    expect(batches).toEqual([[1, 2], [99, 4], [5]]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    await b.submit(6);
    expect(batches).toEqual([[1, 2], [99, 4], [5], [6]]);
  });

  it("gives every caller of a batch that batch's result", async () => {
    const b = createSharedBatcher<number, number>(async (xs) => xs.reduce((a, x) => a + x, 0), { maxBatch: 2 });
    expect(await Promise.all([1, 2, 3].map((x) => b.submit(x)))).toEqual([3, 3, 3]);
  });
});
