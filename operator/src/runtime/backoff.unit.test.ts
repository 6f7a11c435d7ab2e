import { describe, expect, it } from '@jest/globals';
import { exponentialBackoffMs, TokenBucket, withJitter } from './backoff.js';

describe('exponentialBackoffMs', () => {
  const opts = { baseMs: 5, capMs: 1000 };
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

describe('TokenBucket', () => {
  it('lets the burst through at once, then paces at the rate', () => {
    const b = new TokenBucket({ ratePerSecond: 10, burst: 3 });
    expect([b.reserve(0), b.reserve(0), b.reserve(0)]).toEqual([0, 0, 0]);
    expect(b.reserve(0)).toBe(100);
    expect(b.reserve(0)).toBe(200);
  });

  it('refills with time, never beyond the burst', () => {
    const b = new TokenBucket({ ratePerSecond: 10, burst: 2 });
    b.reserve(0);
    b.reserve(0);
    expect(b.reserve(100)).toBe(0); // one token came back
    expect(b.reserve(10_000)).toBe(0);
    expect(b.reserve(10_000)).toBe(0);
    expect(b.reserve(10_000)).toBe(100); // only 2 fit
  });
});
