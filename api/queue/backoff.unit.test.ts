import { describe, expect, it } from '@jest/globals';
import { exponentialBackoffMs, withJitter } from './backoff.js';

describe('exponentialBackoffMs', () => {
  const opts = { baseMs: 5, maxMs: 1000 };
  it.each([
    [0, 0],
    [1, 5],
    [2, 10],
    [3, 20],
    [8, 640],
    [9, 1000],
    [60, 1000],
    [5000, 1000],
  ])('failure %i waits %i ms', (failures, ms) => {
    expect(exponentialBackoffMs(failures, opts)).toBe(ms);
  });
  it.each([
    [1, 1000],
    [2, 3000],
    [3, 9000],
    [4, 10_000],
  ])('with factor 3, failure %i waits %i ms', (failures, ms) => {
    expect(exponentialBackoffMs(failures, { baseMs: 1000, maxMs: 10_000, factor: 3 })).toBe(ms);
  });
});

describe('withJitter', () => {
  it.each([
    [0, 100],
    [0.5, 110],
    [0.999, 119.98],
  ])('random %f adds up to the fraction', (r, ms) => {
    expect(withJitter(100, 0.2, () => r)).toBeCloseTo(ms, 5);
  });
});

