import { atPointer, deliveryJobName, jobParams, parseBody, queueItems } from './payload.js';
import { HookRefusal } from './signature.js';

const reason = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof HookRefusal ? err.reason : String(err);
  }
};

describe('a delivery body', () => {
  it('is JSON; empty is {}', () => {
    expect(parseBody(Buffer.from(''))).toEqual({});
    expect(parseBody(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(reason(() => parseBody(Buffer.from('a=1')))).toBe('InvalidBody');
  });

  it.each([
    ['', { a: { b: [10, 20] } }],
    ['/a/b/1', 20],
    ['/a/b/2', undefined],
    ['/a/c', undefined],
    ['/x~1y', 'slash'],
    ['/t~0', 'tilde'],
    ['/a/b/01', undefined],
  ])('JSON pointer %s', (pointer, expected) => {
    expect(atPointer({ a: { b: [10, 20] }, 'x/y': 'slash', 't~': 'tilde' }, pointer)).toEqual(pointer === '' ? { a: { b: [10, 20] }, 'x/y': 'slash', 't~': 'tilde' } : expected);
  });

  it('becomes params: fixed ones, overlaid by the body (paramsFrom) or by mapped pointers (paramMap)', () => {
    const body = { invoice: { id: 'A-1', total: 42 }, extra: true };
    expect(jobParams({ params: { mode: 'fast' } }, body)).toEqual({ mode: 'fast' });
    expect(jobParams({ params: { mode: 'fast', extra: false }, paramsFrom: 'body' }, body)).toEqual({ mode: 'fast', invoice: { id: 'A-1', total: 42 }, extra: true });
    expect(jobParams({ params: { mode: 'fast' }, paramMap: { id: '/invoice/id', total: '/invoice/total', missing: '/nope' } }, body)).toEqual({ mode: 'fast', id: 'A-1', total: 42 });
    expect(reason(() => jobParams({ paramsFrom: 'body' }, [1, 2]))).toBe('InvalidBody');
  });

  it('becomes work items: {items: [...]} or the body as one item, checked like the bulk endpoint', () => {
    expect(queueItems({ items: [{ reference: 'a', data: { n: 1 } }, { reference: 'b' }] })).toEqual([{ reference: 'a', data: { n: 1 } }, { reference: 'b' }]);
    expect(queueItems({ reference: 'one', data: { n: 1 } })).toEqual([{ reference: 'one', data: { n: 1 } }]);
    expect(reason(() => queueItems({ items: [{ reference: 'a', bogus: 1 }] }))).toBe('InvalidBody');
    expect(reason(() => queueItems({ invoice: 'A-1' }))).toBe('InvalidBody');
  });

  it('names its RpaJob after the trigger and a digest of trigger uid and delivery id', () => {
    const t = { name: 'invoices', uid: '6f1c0e34-0000-4000-8000-000000000001' };
    const a = deliveryJobName(t, 'd-1');
    expect(a).toMatch(/^invoices-[0-9a-f]{16}$/);
    expect(deliveryJobName(t, 'd-1')).toBe(a);
    expect(deliveryJobName(t, 'd-2')).not.toBe(a);
    expect(deliveryJobName({ ...t, uid: '6f1c0e34-0000-4000-8000-000000000002' }, 'd-1')).not.toBe(a);
    const long = deliveryJobName({ name: `${'a'.repeat(39)}-b`, uid: t.uid }, 'd');
    expect(long).toMatch(/^a{39}-[0-9a-f]{16}$/);
  });
});
