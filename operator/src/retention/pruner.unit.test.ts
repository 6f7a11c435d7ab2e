import { describe, expect, it } from '@jest/globals';
import { nextBatchSize } from './pruner.js';

describe('nextBatchSize (target 40 ms, at most 500 rows)', () => {
  it.each<[string, number, number, number]>([
    ['a batch at the target keeps its size', 500, 30, 500],
    ['a slow batch shrinks the next in proportion', 500, 200, 100],
    ['a very slow batch shrinks it to the floor, not to zero', 20, 10_000, 10],
    ['a fast batch doubles the next', 100, 5, 200],
    ['growth stops at the maximum', 400, 5, 500],
  ])('%s', (_name, size, tookMs, expected) => expect(nextBatchSize(size, tookMs, 40, 500)).toBe(expected));
});
