import { poolWork } from './scaling.js';

describe('poolWork: queue items count like queued jobs', () => {
  it.each([
    [{ ready: 0, delayed: 0, running: 0 }, { ready: 0, delayed: 0, inProgress: 0 }, { ready: 0, delayed: 0, running: 0 }],
    [{ ready: 2, delayed: 1, running: 3 }, { ready: 0, delayed: 0, inProgress: 0 }, { ready: 2, delayed: 1, running: 3 }],
    [{ ready: 0, delayed: 0, running: 0 }, { ready: 1000, delayed: 5, inProgress: 4 }, { ready: 1000, delayed: 5, running: 4 }],
    [{ ready: 2, delayed: 1, running: 3 }, { ready: 10, delayed: 2, inProgress: 1 }, { ready: 12, delayed: 3, running: 4 }],
  ])('jobs %j + items %j = %j', (jobs, items, expected) => {
    expect(poolWork(jobs, items)).toEqual(expected);
  });
});
