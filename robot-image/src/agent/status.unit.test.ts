import { ApiException } from '@kubernetes/client-node';
import { classifyError, retryDelayMs } from './reporter.js';
import {
  attemptFailedPatch,
  boundedOutputs,
  cancelledPatch,
  failedPatch,
  isFinal,
  mergePatches,
  minimalFinalPatch,
  progressPatch,
  runningPatch,
  succeededPatch,
  truncateMessage,
  type StatusPatch,
} from './status.js';

const at = new Date('2025-01-02T03:04:05.678Z');

describe('status patches', () => {
  it('Running names the robot, the attempt and the start, and resets what a previous attempt left', () => {
    expect(runningPatch({ robot: 'robot-a', attempts: 2, startedAt: at, totalSteps: 9 })).toEqual({
      phase: 'Running',
      robot: 'robot-a',
      attempts: 2,
      startedAt: '2025-01-02T03:04:05Z',
      completionTime: null,
      currentStep: null,
      currentStepPath: null,
      progress: '0/9',
    });
  });

  it('progress is "k/n" with the current step', () => {
    expect(progressPatch({ done: 3, total: 8, stepId: 'fill-name' })).toEqual({ currentStep: 'fill-name', currentStepPath: 'fill-name', progress: '3/8' });
  });

  it('a nested step shows its top-level step and its path, both within what the CRD allows', () => {
    const path = `${'a'.repeat(63)}[4].${'b'.repeat(63)}.then.${'c'.repeat(63)}`;
    expect(progressPatch({ done: 2, total: 3, stepId: path })).toEqual({ currentStep: 'a'.repeat(63), currentStepPath: path, progress: '2/3' });
    expect(failedPatch({ reason: 'StepFailed', message: 'boom', stepId: path, at }).error).toMatchObject({ stepId: 'a'.repeat(63), stepPath: path });
  });

  it('a rejected final patch leaves a minimal one (phase, time, error reason and message); other patches leave none', () => {
    const full = { ...failedPatch({ reason: 'StepFailed', message: 'boom', stepId: 'x.then.y', screenshot: 's', at }), progress: 'bad' };
    expect(minimalFinalPatch(full)).toEqual({
      phase: 'Failed',
      completionTime: '2025-01-02T03:04:05Z',
      error: { reason: 'StepFailed', message: expect.stringMatching(/^boom \(the full status was rejected/) },
    });
    expect(minimalFinalPatch(progressPatch({ done: 1, total: 2, stepId: 'a' }))).toBeNull();
  });

  it.each<[string, Record<string, unknown>, number, StatusPatch]>([
    ['small outputs inline', { total: 3 }, 100, { outputs: { total: 3 }, outputsRef: null }],
    ['exactly at the limit inline', { a: 'x'.repeat(8) }, JSON.stringify({ a: 'x'.repeat(8) }).length, { outputs: { a: 'xxxxxxxx' }, outputsRef: null }],
    ['one byte over: a reference', { a: 'x'.repeat(9) }, JSON.stringify({ a: 'x'.repeat(8) }).length, { outputs: null, outputsRef: 'postgres:aether.runs/u1#outputs' }],
    ['multi-byte characters count as bytes', { a: 'é'.repeat(10) }, 20, { outputs: null, outputsRef: 'postgres:aether.runs/u1#outputs' }],
  ])('bounds outputs: %s', (_name, outputs, limit, want) => {
    expect(boundedOutputs(outputs, 'u1', limit)).toEqual(want);
  });

  it('Succeeded carries the outputs and clears an earlier error', () => {
    expect(succeededPatch({ outputs: { n: 1 }, runUid: 'u1', at })).toEqual({
      phase: 'Succeeded',
      completionTime: '2025-01-02T03:04:05Z',
      currentStep: null,
      currentStepPath: null,
      outputs: { n: 1 },
      outputsRef: null,
      error: null,
    });
    const big = succeededPatch({ outputs: { rows: 'r'.repeat(20_000) }, runUid: 'u1', at });
    expect(big.outputs).toBeNull();
    expect(big.outputsRef).toBe('postgres:aether.runs/u1#outputs');
  });

  it('Failed carries every error field (nulls delete stale ones in a merge patch)', () => {
    expect(failedPatch({ reason: 'StepFailed', message: 'boom', stepId: 's4', screenshot: 'postgres:aether.screenshots/7', at })).toEqual({
      phase: 'Failed',
      completionTime: '2025-01-02T03:04:05Z',
      error: { reason: 'StepFailed', message: 'boom', stepId: 's4', stepPath: 's4', screenshot: 'postgres:aether.screenshots/7' },
      outputs: null,
      outputsRef: null,
    });
    expect(failedPatch({ reason: 'DeadlineExceeded', message: 'past deadline', at }).error).toEqual({
      reason: 'DeadlineExceeded',
      message: 'past deadline',
      stepId: null,
      stepPath: null,
      screenshot: null,
    });
  });

  it('a failed attempt that will be retried shows its error but keeps the phase', () => {
    const p = attemptFailedPatch({ reason: 'StepFailed', message: 'timeout', stepId: 's2' });
    expect(p.phase).toBeUndefined();
    expect(p.error).toEqual({ reason: 'StepFailed', message: 'timeout', stepId: 's2', stepPath: 's2', screenshot: null });
  });

  it('Cancelled says why and where it stopped', () => {
    expect(cancelledPatch({ message: 'cancelled by user', stepId: 's3', at })).toEqual({
      phase: 'Cancelled',
      completionTime: '2025-01-02T03:04:05Z',
      error: { reason: 'Cancelled', message: 'cancelled by user', stepId: 's3', stepPath: 's3', screenshot: null },
    });
  });

  it.each<[string, number, number]>([
    ['short', 5, 5],
    ['at the limit', 10, 10],
    ['over the limit', 11, 10],
  ])('truncates long messages: %s', (_n, len, want) => {
    const out = truncateMessage('m'.repeat(len), 10);
    expect(out).toHaveLength(want);
    if (len > 10) expect(out.endsWith('…')).toBe(true);
  });

  it('merging keeps the latest value of each field', () => {
    const merged = [runningPatch({ robot: 'r', attempts: 1, startedAt: at, totalSteps: 4 }), progressPatch({ done: 1, total: 4, stepId: 'a' }), progressPatch({ done: 2, total: 4, stepId: 'b' })].reduce(mergePatches);
    expect(merged).toMatchObject({ phase: 'Running', robot: 'r', progress: '2/4', currentStep: 'b' });
  });

  it.each<[StatusPatch, boolean]>([
    [{ phase: 'Running' }, false],
    [{ progress: '1/2' }, false],
    [{ phase: 'Succeeded' }, true],
    [{ phase: 'Failed' }, true],
    [{ phase: 'Cancelled' }, true],
  ])('isFinal(%j) = %s', (patch, want) => {
    expect(isFinal(patch)).toBe(want);
  });
});

describe('reporter decisions', () => {
  const apiError = (code: number) => new ApiException(code, 'x', { message: 'm' }, {});
  it.each<[string, unknown, string]>([
    ['network error', new TypeError('fetch failed'), 'retry'],
    ['404 deleted', apiError(404), 'gone'],
    ['409 conflict', apiError(409), 'retry'],
    ['429 throttled', apiError(429), 'retry'],
    ['500', apiError(500), 'retry'],
    ['503', apiError(503), 'retry'],
    ['400 bad patch', apiError(400), 'rejected'],
    ['403 forbidden', apiError(403), 'rejected'],
    ['422 invalid', apiError(422), 'rejected'],
  ])('classifies %s', (_n, err, want) => {
    expect(classifyError(err)).toBe(want);
  });

  it.each<[number, number, number]>([
    [1, 0, 125],
    [1, 0.999999, 250],
    [2, 0, 250],
    [3, 0.5, 750],
    [10, 0, 5_000],
    [10, 0.999999, 10_000],
    [50, 0.5, 7_500],
  ])('backoff after %i failures with random %f is %i ms', (failures, random, want) => {
    expect(retryDelayMs(failures, random)).toBe(want);
  });
});
