import { age, parseJsonLines, stepLine, table } from './format.js';

describe('table', () => {
  it('pads columns like kubectl get', () => {
    expect(table(['NAME', 'PHASE'], [['a-long-name', 'Running'], ['b', 'Queued']])).toBe('NAME          PHASE\na-long-name   Running\nb             Queued\n');
  });
});

describe('age', () => {
  const now = new Date('2026-01-10T00:00:00Z');
  it.each([
    ['2026-01-09T23:59:15Z', '45s'],
    ['2026-01-09T23:48:00Z', '12m'],
    ['2026-01-09T21:00:00Z', '3h'],
    ['2026-01-05T00:00:00Z', '5d'],
    [null, '<none>'],
  ])('%s -> %s', (from, want) => expect(age(from, now)).toBe(want));
});

describe('stepLine', () => {
  it('names attempt, step, outcome and error', () => {
    expect(stepLine({ attempt: 2, seq: 1, step: 'pay', status: 'failed', error: 'boom' })).toBe('attempt 2  #1  pay  failed  boom');
  });
});

describe('parseJsonLines', () => {
  it('skips blank lines and names the bad one', () => {
    expect(parseJsonLines('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseJsonLines('{"a":1}\nnope')).toThrow(/line 2 is not JSON/);
  });
});
