import { queueNameFor, workflowIdFor } from './ids.js';
import { decideTakeOver, type TakeOverAction } from './takeover-decision.js';

describe('decideTakeOver', () => {
  const table: Array<[string | null, TakeOverAction]> = [
    [null, 'start'],
    ['PENDING', 'resume'],
    ['ENQUEUED', 'resume'],
    ['DELAYED', 'resume'],
    ['SUCCESS', 'take-result'],
    ['ERROR', 'failed'],
    ['MAX_RECOVERY_ATTEMPTS_EXCEEDED', 'failed'],
    ['CANCELLED', 'cancelled'],
  ];
  it.each(table)('%s -> %s', (status, action) => {
    expect(decideTakeOver(status)).toBe(action);
  });
  it('attaches to a workflow already running in this process, resumes one of another', () => {
    expect(decideTakeOver('PENDING', { executorId: 'me', ourExecutorId: 'me' })).toBe('attach');
    expect(decideTakeOver('PENDING', { executorId: 'dead', ourExecutorId: 'me' })).toBe('resume');
    expect(decideTakeOver('ENQUEUED', { executorId: 'me', ourExecutorId: 'me' })).toBe('resume');
  });
  // The run's side: a CANCELLED workflow is a suspended attempt to resume, unless the run is being cancelled.
  it.each<[string, boolean | undefined, TakeOverAction]>([
    ['CANCELLED', false, 'resume'],
    ['CANCELLED', true, 'cancelled'],
    ['CANCELLED', undefined, 'cancelled'],
    ['PENDING', true, 'resume'],
    ['SUCCESS', false, 'take-result'],
    ['SUCCESS', true, 'take-result'],
    ['ERROR', false, 'failed'],
    [null as unknown as string, true, 'start'],
  ])('%s with cancelRequested %p -> %s', (status, cancelRequested, action) => {
    expect(decideTakeOver(status, cancelRequested === undefined ? {} : { cancelRequested })).toBe(action);
  });
  it('rejects a status it does not know', () => {
    expect(() => decideTakeOver('SOMETHING_NEW')).toThrow(/unknown DBOS workflow status/);
  });
});

describe('workflow and queue names', () => {
  it.each([
    ['0f3c-uid', 1, 'rpa-0f3c-uid-a1'],
    ['abc', 12, 'rpa-abc-a12'],
  ])('run %s attempt %i -> %s', (uid, attempt, id) => {
    expect(workflowIdFor(uid, attempt)).toBe(id);
  });
  it.each([
    ['', 1],
    ['a b', 1],
    ['abc', 0],
    ['abc', 1.5],
  ])('rejects uid %j attempt %p', (uid, attempt) => {
    expect(() => workflowIdFor(uid, attempt)).toThrow();
  });
  it('names the per-process queue after the executor', () => {
    expect(queueNameFor('robot-7f-1234')).toBe('q-robot-7f-1234');
  });
});
