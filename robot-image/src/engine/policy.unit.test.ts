import { attemptsOf, backoffMs, checkpointName, failureEffect, stepTimeoutMs } from './policy.js';

describe('step policy', () => {
  it.each([
    [{ timeoutSeconds: 5 }, { timeouts: { stepSeconds: 9 } }, 5000],
    [{}, { timeouts: { stepSeconds: 9 } }, 9000],
    [{}, {}, 30000],
  ])('timeout of %j in %j is %i ms', (step, wf, ms) => {
    expect(stepTimeoutMs(step, wf)).toBe(ms);
  });

  it.each([
    [undefined, 1],
    [{ policy: 'fail' as const }, 1],
    [{ policy: 'continue' as const }, 1],
    [{ policy: 'retry' as const }, 4],
    [{ policy: 'retry' as const, retries: 1 }, 2],
  ])('%j is tried %i times', (onError, n) => {
    expect(attemptsOf(onError)).toBe(n);
  });

  it.each([
    [{ policy: 'retry' as const }, 2, 1000],
    [{ policy: 'retry' as const }, 3, 2000],
    [{ policy: 'retry' as const }, 4, 4000],
    [{ policy: 'retry' as const, backoff: { initialSeconds: 0.1, multiplier: 3 } }, 3, 300],
    [{ policy: 'retry' as const, backoff: { initialSeconds: 10, maxSeconds: 15 } }, 4, 15000],
    [{ policy: 'retry' as const, backoff: { initialSeconds: 0 } }, 5, 0],
  ])('%j waits before try %i: %i ms', (onError, nextTry, ms) => {
    expect(backoffMs(onError, nextTry)).toBe(ms);
  });

  it.each([
    [undefined, 'fail-attempt'],
    [{ policy: 'retry' as const }, 'fail-attempt'],
    [{ policy: 'continue' as const }, 'continue'],
  ])('final failure under %j: %s', (onError, effect) => {
    expect(failureEffect(onError)).toBe(effect);
  });

  it.each([
    [[], 'login', 'login'],
    [['rows[2]'], 'typeName', 'rows[2].typeName'],
    [['maybe', 'then'], 'ok', 'maybe.then.ok'],
  ])('checkpoint name under %j of %s is %s', (parents, id, name) => {
    expect(checkpointName(parents, id)).toBe(name);
  });
});
