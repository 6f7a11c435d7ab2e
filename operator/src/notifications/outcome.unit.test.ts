import { describe, expect, it } from '@jest/globals';
import { attemptResult, backoffMs, KEY_WAIT_MS, keyUnavailableResult } from './outcome.js';

const backoff = { initialSeconds: 5, maxSeconds: 60 };
const base = { maxAttempts: 3, backoff };

describe('notification back-off', () => {
  it.each([
    [1, 0, 5000],
    [2, 0, 10_000],
    [3, 0, 20_000],
    [5, 0, 60_000], // capped
    [1, 1, 3750], // full jitter takes a quarter off
    [4, 1, 30_000],
  ])('after attempt %i with random %d waits %i ms', (n, r, ms) => {
    expect(backoffMs(n, backoff, () => r)).toBe(ms);
  });

  it('grows with every attempt whatever the jitter draws, until the cap', () => {
    for (let n = 1; n < 4; n++) {
      const longestNow = backoffMs(n, backoff, () => 0);
      const shortestNext = backoffMs(n + 1, backoff, () => 0.999_999);
      expect(shortestNext).toBeGreaterThan(longestNow);
    }
  });
});

describe('attemptResult', () => {
  it.each([
    ['200', { attempt: 1, status: 200 }, 'Delivered'],
    ['204', { attempt: 3, status: 204 }, 'Delivered'],
    ['500 with attempts left', { attempt: 1, status: 500 }, 'Pending'],
    ['a timeout with attempts left', { attempt: 2, error: 'timed out after 10000 ms' }, 'Pending'],
    ['500 at the last attempt', { attempt: 3, status: 500 }, 'Failed'],
    ['410 on the first attempt', { attempt: 1, status: 410 }, 'Failed'],
    ['a redirect', { attempt: 1, status: 302 }, 'Pending'],
  ])('%s -> %s', (_what, a, state) => {
    expect(attemptResult({ ...base, ...a }, () => 0).state).toBe(state);
  });

  it('schedules the retry by the back-off and keeps the status and error', () => {
    expect(attemptResult({ ...base, attempt: 2, status: 503 }, () => 0)).toEqual({ state: 'Pending', status: 503, error: 'the receiver answered 503', retryInMs: 10_000 });
    expect(attemptResult({ ...base, attempt: 1, error: 'connect ECONNREFUSED' }, () => 0)).toMatchObject({ status: null, error: 'connect ECONNREFUSED' });
  });

  it('says why it stopped', () => {
    expect(attemptResult({ ...base, attempt: 1, status: 410 })).toMatchObject({ error: expect.stringContaining('410 Gone') });
    expect(attemptResult({ ...base, attempt: 3, error: 'connect ECONNREFUSED' })).toMatchObject({ error: expect.stringContaining('attempt 3 of 3') });
  });
});

describe('keyUnavailableResult', () => {
  const recorded = new Date('2026-12-01T00:00:00Z');
  const at = (ms: number) => ({ error: 'Secret hook-key does not exist', createdAt: recorded, now: recorded.getTime() + ms, retryMs: 30_000 });

  it('defers without an attempt while the event is younger than a day, by the retry delay less up to a quarter', () => {
    expect(keyUnavailableResult(at(1000), () => 0)).toEqual({
      state: 'Deferred',
      error: 'Secret hook-key does not exist (waiting for the signing key; no attempt used)',
      retryInMs: 30_000,
    });
    expect(keyUnavailableResult(at(KEY_WAIT_MS - 1), () => 0.999_999)).toMatchObject({ state: 'Deferred', retryInMs: 22_500 });
  });

  it('fails for good once the event waited a day for its key, saying why', () => {
    expect(keyUnavailableResult(at(KEY_WAIT_MS))).toEqual({
      state: 'Failed',
      status: null,
      error: 'Secret hook-key does not exist (no signing key for 24 h: not retried)',
    });
  });
});
