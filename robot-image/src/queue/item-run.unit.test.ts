import type { AttemptResult } from '../engine/index.js';
import { failureKind, itemOutcomeOf, itemRunUid } from './item-run.js';

const workflow = {
  steps: [
    { id: 'open', action: 'goto', url: 'https://example.test' },
    { id: 'check-total', action: 'assert', condition: 'vars.total > 0' },
    { id: 'rows', action: 'forEach', items: '{{ vars.rows }}', steps: [{ id: 'amount-ok', action: 'assert', condition: 'item > 0' }, { id: 'type', action: 'fill', selector: '#a', value: 'x' }] },
  ],
} as never;
const base = { workflowId: 'rpa-item-1-0-a1', takeOver: 'start' as never };

describe('failureKind: an uncaught assert is a business failure, anything else an application failure', () => {
  it.each([
    ['check-total', 'business'],
    ['rows[3].amount-ok', 'business'],
    ['rows[0].type', 'application'],
    ['open', 'application'],
    [undefined, 'application'],
    ['not-a-step', 'application'],
  ])('%s -> %s', (step, kind) => {
    expect(failureKind(workflow, step)).toBe(kind);
  });
});

describe('itemOutcomeOf', () => {
  it.each<[string, AttemptResult, unknown]>([
    ['success', { ...base, status: 'succeeded', outputs: { total: 3 }, vars: {}, screenshots: {} }, { status: 'succeeded', outputs: { total: 3 } }],
    [
      'a failed assert',
      { ...base, status: 'failed', error: { message: 'assertion failed: vars.total > 0', stepId: 'check-total' } },
      { status: 'failed', error: { kind: 'business', message: 'assertion failed: vars.total > 0', step: 'check-total' } },
    ],
    [
      'a failed fill',
      { ...base, status: 'failed', error: { message: 'timeout', stepId: 'rows[0].type' } },
      { status: 'failed', error: { kind: 'application', message: 'timeout', step: 'rows[0].type' } },
    ],
    [
      'a timeout',
      { ...base, status: 'stopped', reason: 'jobTimeout', stepId: 'open' },
      { status: 'failed', error: { kind: 'application', code: 'jobTimeout', message: 'the run stopped: jobTimeout', step: 'open' } },
    ],
    ['a halt', { status: 'halted', reason: 'fenced', workflowId: 'x' }, { status: 'halted' }],
    ['a take-over elsewhere', { ...base, status: 'superseded' }, { status: 'halted' }],
  ])('%s', (_what, result, expected) => {
    expect(itemOutcomeOf(workflow, result)).toEqual(expected);
  });
});

describe('itemRunUid', () => {
  it('names the run by item and run sequence, usable as a workflow id', () => {
    expect(itemRunUid({ id: '42', runSeq: 0 })).toBe('item-42-0');
    expect(itemRunUid({ id: '42', runSeq: 2 })).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
  });
});
