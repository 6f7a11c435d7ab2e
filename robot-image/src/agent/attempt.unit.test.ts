import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { actionsById, attemptDeadline, failureScreenshotRef, isLastAttempt, screenshotRef, stepIdOfCheckpoint, stopReason } from './attempt.js';

describe('stopReason', () => {
  const now = new Date('2025-05-01T10:00:00Z');
  it.each<[string, unknown, string | null, 'cancel' | 'deadline' | null]>([
    ['running, no deadline', undefined, null, null],
    ['cancelled', 'cancelled', null, 'cancel'],
    ['a passed deadline wins over cancel (the operator cancels on deadline)', 'cancelled', '2025-05-01T09:00:00Z', 'deadline'],
    ['cancel before the deadline', 'cancelled', '2025-05-01T11:00:00Z', 'cancel'],
    ['deadline ahead', undefined, '2025-05-01T10:00:01Z', null],
    ['deadline reached', undefined, '2025-05-01T10:00:00Z', 'deadline'],
    ['deadline passed, with offset', undefined, '2025-05-01T11:59:00+02:00', 'deadline'],
    ['shutdown is not a stop (the job is handed back)', 'shutdown', null, null],
    ['fenced is not a stop (another robot owns it)', 'fenced', null, null],
  ])('%s', (_n, abortReason, deadline, want) => {
    expect(stopReason({ abortReason, deadline, now })).toBe(want);
  });

  it.each<[string, unknown, string | null, number | null, string | null]>([
    ['budget left', undefined, null, Date.parse('2025-05-01T10:00:01Z'), null],
    ['budget used up', undefined, null, Date.parse('2025-05-01T10:00:00Z'), 'jobTimeout'],
    ['the job deadline wins over the attempt budget', undefined, '2025-05-01T09:00:00Z', Date.parse('2025-05-01T09:00:00Z'), 'deadline'],
    ['a cancel wins over the attempt budget', 'cancelled', null, Date.parse('2025-05-01T09:00:00Z'), 'cancel'],
  ])('timeouts.jobSeconds: %s', (_n, abortReason, deadline, attemptDeadlineMs, want) => {
    expect(stopReason({ abortReason, deadline, attemptDeadlineMs, now })).toBe(want);
  });

  it('the attempt budget counts from the attempt start; none without jobSeconds', () => {
    expect(attemptDeadline(now, 30)).toBe(now.getTime() + 30_000);
    expect(attemptDeadline(now, undefined)).toBeNull();
  });
});

describe('actionsById', () => {
  it('maps every step, nested ones included', () => {
    const wf = {
      steps: [
        { id: 'open', action: 'goto', url: 'x' },
        {
          id: 'maybe',
          action: 'if',
          condition: 'true',
          then: [{ id: 'clickIt', action: 'click', target: { css: 'a' } }],
          else: [{ id: 'wait', action: 'waitFor', seconds: 1 }],
        },
        { id: 'each', action: 'forEach', items: '{{ params.rows }}', steps: [{ id: 'typeRow', action: 'fill', target: { css: 'i' }, value: 'v' }] },
      ],
    } as unknown as WorkflowSpec;
    expect(Object.fromEntries(actionsById(wf))).toEqual({
      open: 'goto',
      maybe: 'if',
      clickIt: 'click',
      wait: 'waitFor',
      each: 'forEach',
      typeRow: 'fill',
    });
  });

  it("maps the steps of the workflows the job calls; an id the caller has too keeps the caller's action", () => {
    const caller = { steps: [{ id: 'open', action: 'goto', url: 'x' }, { id: 'sub', action: 'call', call: { workflow: 'w' } }] } as unknown as WorkflowSpec;
    const callee = { steps: [{ id: 'open', action: 'click', target: { css: 'a' } }, { id: 'read', action: 'extractText', target: { css: 'h1' } }] } as unknown as WorkflowSpec;
    expect(Object.fromEntries(actionsById(caller, [callee]))).toEqual({ open: 'goto', sub: 'call', read: 'extractText' });
  });
});

describe('stepIdOfCheckpoint', () => {
  it.each([
    ['login', 'login'],
    ['maybe.then.clickIt', 'clickIt'],
    ['each[3].typeRow', 'typeRow'],
    ['outer[0].inner[2]', 'inner'],
  ])('%s -> %s', (path, want) => {
    expect(stepIdOfCheckpoint(path)).toBe(want);
  });
});

describe('isLastAttempt', () => {
  it.each<[number, number, boolean, boolean]>([
    [1, 3, true, false],
    [2, 3, true, false],
    [3, 3, true, true],
    [4, 3, true, true],
    [1, 3, false, true],
    [1, 1, true, true],
  ])('attempt %i of %i (retryable %s) -> %s', (attempt, maxAttempts, retryable, want) => {
    expect(isLastAttempt({ attempt, maxAttempts, retryable })).toBe(want);
  });
});

it('screenshot references name where the image is kept', () => {
  expect(failureScreenshotRef('u-1')).toBe('postgres:aether.runs/u-1#screenshot');
  expect(screenshotRef('42')).toBe('postgres:aether.screenshots/42');
});
