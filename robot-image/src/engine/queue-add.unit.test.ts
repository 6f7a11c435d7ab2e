import { describe, expect, it } from '@jest/globals';
import { MAX_ITEMS_PER_CALL, MAX_REFERENCE_CHARS } from '../../../api/queue/items/limits.js';
import { defaultReference, itemRows, itemsProblem, outputOf, queueAddAction, queueAddKey, referenceProblem, type StepQueues } from './queue-add.js';

const NOW = new Date('2026-12-06T12:00:00Z');

describe('the deterministic reference of an item without one', () => {
  it('is the same for every execution of the step, and differs by run, step and index', () => {
    const key = queueAddKey('3f6c1d2e-0000-4000-8000-000000000001-1', 'each[2].dispatch');
    expect(key).toBe('3f6c1d2e-0000-4000-8000-000000000001-1/each[2].dispatch');
    expect(defaultReference(key, 0)).toBe(defaultReference(key, 0));
    const refs = new Set([
      defaultReference(key, 0),
      defaultReference(key, 1),
      defaultReference(queueAddKey('3f6c1d2e-0000-4000-8000-000000000001-2', 'each[2].dispatch'), 0),
      defaultReference(queueAddKey('3f6c1d2e-0000-4000-8000-000000000001-1', 'each[3].dispatch'), 0),
    ]);
    expect(refs.size).toBe(4);
  });

  it('is a digest when the plain form would be longer than a reference may be', () => {
    const key = queueAddKey('w', 'x'.repeat(400));
    const ref = defaultReference(key, 7);
    expect(ref).toMatch(/^queueAdd-[0-9a-f]{64}$/);
    expect(ref.length).toBeLessThanOrEqual(MAX_REFERENCE_CHARS);
    expect(defaultReference(key, 7)).toBe(ref);
    expect(defaultReference(key, 8)).not.toBe(ref);
  });
});

describe('itemsProblem', () => {
  it.each([
    ['not a list', { a: 1 }, /items must give a list, got object/],
    ['null', null, /got null/],
    ['too many', Array.from({ length: MAX_ITEMS_PER_CALL + 1 }, () => ({})), /10001 items; one queueAdd adds at most 10000/],
    ['an entry that is a list', [{}, [1]], /items\[1\] must be an object .* got a list/],
    ['a too big entry', [{ s: 'x'.repeat(70_000) }], /items\[0\] is \d+ bytes as JSON; an item's data may be at most 65536/],
  ])('names %s', (_what, items, message) => {
    expect(itemsProblem(items)).toMatch(message);
  });
  it('accepts a list of objects', () => expect(itemsProblem([{ a: 1 }, {}])).toBeUndefined());
});

describe('itemRows', () => {
  const spec = { queue: 'q', items: 'params.x' };
  it('derives references, passes data, priority, postpone and deadline', async () => {
    const rows = await itemRows({ ...spec, priority: 'high', postponeSeconds: 60, deadlineSeconds: 3600 }, [{ n: 1 }, { n: 2 }], {
      key: 'wf/step',
      now: NOW,
      reference: () => Promise.reject(new Error('not called')),
    });
    expect(rows).toEqual([
      { reference: 'wf/step#0', data: { n: 1 }, priority: 'high', postponeUntil: '2026-12-06T12:01:00.000Z', deadline: '2026-12-06T13:00:00.000Z' },
      { reference: 'wf/step#1', data: { n: 2 }, priority: 'high', postponeUntil: '2026-12-06T12:01:00.000Z', deadline: '2026-12-06T13:00:00.000Z' },
    ]);
  });
  it('evaluates the reference per item with item and loop', async () => {
    const seen: unknown[] = [];
    const rows = await itemRows({ ...spec, reference: 'item.n' }, [{ n: 'a' }, { n: 7 }], {
      key: 'k',
      now: NOW,
      reference: async (item, loop) => {
        seen.push(loop);
        return (item as { n: unknown }).n;
      },
    });
    expect(rows.map((r) => r.reference)).toEqual(['a', '7']);
    expect(seen).toEqual([
      { index: 0, number: 1, first: true, last: false, length: 2 },
      { index: 1, number: 2, first: false, last: true, length: 2 },
    ]);
  });
  it.each([
    [null, /reference of items\[0\] must be a string or a number, got null/],
    ['', /must be 1-256 characters/],
    ['x'.repeat(257), /must be 1-256 characters/],
  ])('refuses the reference %p', async (ref, message) => {
    expect(referenceProblem(ref, 0)).toMatch(message);
    await expect(itemRows({ ...spec, reference: 'r' }, [{}], { key: 'k', now: NOW, reference: async () => ref })).rejects.toThrow(message);
  });
});

describe('queueAddAction', () => {
  const added: Array<{ queue: string; refs: string[] }> = [];
  const queues: StepQueues = {
    key: 'wf-1/dispatch',
    add: async (queue, items) => {
      added.push({ queue, refs: items.map((i) => i.reference) });
      return items.map((_, index) => ({ index, id: String(100 + index), result: index === 1 ? 'duplicate' : 'added' }));
    },
  };
  it('adds what the expression gives and reports added, duplicates and ids', async () => {
    const step = { id: 'dispatch', action: 'queueAdd' as const, queueAdd: { queue: 'invoices', items: 'params.list' } };
    const out = await queueAddAction(step, { evaluate: async () => [{ a: 1 }, { a: 2 }, { a: 3 }], queues });
    expect(out.output).toEqual({ added: 2, duplicates: 1, replaced: 0, ids: ['100', '101', '102'] });
    expect(added.at(-1)).toEqual({ queue: 'invoices', refs: ['wf-1/dispatch#0', 'wf-1/dispatch#1', 'wf-1/dispatch#2'] });
  });
  it('fails clearly without work queues (local mode) and on an expression that is not a list', async () => {
    const step = { id: 'dispatch', action: 'queueAdd' as const, queueAdd: { queue: 'invoices', items: [{ a: 1 }] } };
    await expect(queueAddAction(step, { evaluate: async () => [] })).rejects.toThrow(/no work queues \(local mode\): queueAdd steps cannot run here/);
    await expect(queueAddAction({ ...step, queueAdd: { queue: 'q', items: 'params.s' } }, { evaluate: async () => 'text', queues })).rejects.toThrow(
      /items must give a list, got string/,
    );
  });
  it('adds nothing for an empty list', async () => {
    const n = added.length;
    const step = { id: 'dispatch', action: 'queueAdd' as const, queueAdd: { queue: 'q', items: 'params.none' } };
    expect((await queueAddAction(step, { evaluate: async () => [], queues })).output).toEqual(outputOf([]));
    expect(added.length).toBe(n);
  });
});
