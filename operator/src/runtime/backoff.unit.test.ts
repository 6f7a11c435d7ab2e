import { describe, expect, it } from '@jest/globals';
import { TokenBucket } from './backoff.js';

describe('TokenBucket', () => {
  it('tryTake passes the burst, then refuses without running into debt, and refills at the rate', () => {
    const b = new TokenBucket({ ratePerSecond: 5, burst: 2 });
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, false, false]);
    expect(b.tryTake(100)).toBe(false); // half a token
    expect(b.tryTake(200)).toBe(true); // one token back, not owed for the refusals
    expect(b.tryTake(200)).toBe(false);
    expect([b.tryTake(10_000), b.tryTake(10_000), b.tryTake(10_000)]).toEqual([true, true, false]); // capped at the burst
  });

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
