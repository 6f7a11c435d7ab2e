import { describe, expect, it } from '@jest/globals';
import { MAX_ITEM_PAYLOAD_BYTES, MAX_ITEMS_PER_CALL } from '../queue/items/limits.js';
import { MAX_ITEMS_PER_CALL as BULK_MAX } from '../queue/items/validate.js';
import { MAX_LITERAL_QUEUE_ITEMS } from './steps-queue.js';
import { formatProblem, validateWorkflow } from './validate-workflow.js';

const wf = (queueAdd: Record<string, unknown>, extra: Array<Record<string, unknown>> = []) => ({
  params: [{ name: 'invoices', type: 'list' }],
  steps: [...extra, { id: 'dispatch', action: 'queueAdd', queueAdd }],
});
const problems = (queueAdd: Record<string, unknown>, extra?: Array<Record<string, unknown>>) =>
  validateWorkflow(wf(queueAdd, extra)).map(formatProblem);

describe('queueAdd validation', () => {
  it('accepts an expression, a per-item reference, priority, postpone and deadline', () => {
    expect(
      problems({ queue: 'invoices', items: 'params.invoices', reference: 'item.number + "-" + loop.index', priority: 'high', postponeSeconds: 60, deadlineSeconds: 3600 }),
    ).toEqual([]);
  });

  it('accepts a literal list of objects, and items from an earlier step', () => {
    expect(problems({ queue: 'q', items: [{ n: 1 }, { n: 2, tags: ['a'] }] })).toEqual([]);
    expect(problems({ queue: 'q', items: 'steps.rows.output' }, [{ id: 'rows', action: 'extractText', target: { css: 'td' }, all: true }])).toEqual([]);
  });

  it.each([
    ['no items', { queue: 'q' }, /queueAdd\.items\): must be an expression giving a list, or a literal list/],
    ['an empty expression', { queue: 'q', items: '' }, /items: an expression must be 1-1024 characters/],
    ['a number', { queue: 'q', items: 3 }, /items: must be an expression giving a list/],
    ['an empty literal list', { queue: 'q', items: [] }, /items: must not be empty/],
    ['a literal entry that is not an object', { queue: 'q', items: [{ a: 1 }, 'x'] }, /items\[1\] must be an object/],
    ['a too long literal list', { queue: 'q', items: Array.from({ length: MAX_LITERAL_QUEUE_ITEMS + 1 }, () => ({})) }, /at most 1000 items \(use an expression for up to 10000\)/],
    ['a too big literal item', { queue: 'q', items: [{ s: 'x'.repeat(MAX_ITEM_PAYLOAD_BYTES) }] }, /items\[0\] must be at most 65536 bytes/],
    ['a queue name that is not a DNS name', { queue: 'Bad_Queue', items: 'params.invoices' }, /queueAdd\.queue.*DNS subdomain/],
    ['an unknown field', { queue: 'q', items: 'params.invoices', ref: 'x' }, /queueAdd.*ref/],
    ['a bad priority', { queue: 'q', items: 'params.invoices', priority: 'asap' }, /priority must be one of low, normal, high, urgent/],
    ['a zero postpone', { queue: 'q', items: 'params.invoices', postponeSeconds: 0 }, /postponeSeconds/],
  ])('refuses %s, naming the field', (_what, queueAdd, message) => {
    const found = problems(queueAdd);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(message);
    expect(found.join('\n')).toMatch(/step "dispatch"/);
  });

  it.each([
    ['a syntax error in items', { queue: 'q', items: 'params.invoices +' }, /queueAdd\.items\): .*position/],
    ['an undeclared param in items', { queue: 'q', items: 'params.nope' }, /queueAdd\.items\): refers to undeclared param "nope"/],
    ['a later step in items', { queue: 'q', items: 'steps.later.output' }, /refers to step "later", which does not exist/],
    ['an unknown name in reference', { queue: 'q', items: 'params.invoices', reference: 'row.id' }, /queueAdd\.reference\): unknown name "row"/],
    ['credentials in reference', { queue: 'q', items: 'params.invoices', reference: 'credentials.portal.key' }, /credentials may only be used/],
  ])('checks the expressions: %s', (_what, queueAdd, message) => {
    expect(problems(queueAdd).join('\n')).toMatch(message);
  });

  it('takes its caps from the bulk API', () => {
    expect(MAX_ITEMS_PER_CALL).toBe(BULK_MAX);
    expect(MAX_ITEMS_PER_CALL).toBe(10_000);
  });
});
