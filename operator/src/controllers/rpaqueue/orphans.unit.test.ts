import { describe, expect, it } from '@jest/globals';
import { orphanedQueues, type QueueLookup } from './orphans.js';

const live: Record<string, string> = { 'a/invoices': 'uid-1', 'a/orders': 'uid-2' };
const lookup: QueueLookup = (ns, name) => (ns === 'elsewhere' ? null : live[`${ns}/${name}`]);

describe('orphanedQueues', () => {
  it('keeps rows whose RpaQueue exists with the same uid', () => {
    expect(orphanedQueues([{ namespace: 'a', name: 'invoices', uid: 'uid-1' }], lookup)).toEqual([]);
  });
  it('returns rows whose RpaQueue is gone', () => {
    const gone = { namespace: 'a', name: 'refunds', uid: 'uid-9' };
    expect(orphanedQueues([gone, { namespace: 'a', name: 'orders', uid: 'uid-2' }], lookup)).toEqual([gone]);
  });
  it('returns rows of a deleted RpaQueue whose name was taken again by a new one', () => {
    const old = { namespace: 'a', name: 'invoices', uid: 'uid-0' };
    expect(orphanedQueues([old], lookup)).toEqual([old]);
  });
  it('keeps rows without a recorded uid while an RpaQueue of that name exists', () => {
    expect(orphanedQueues([{ namespace: 'a', name: 'orders', uid: null }], lookup)).toEqual([]);
  });
  it('never judges namespaces the operator does not watch', () => {
    expect(orphanedQueues([{ namespace: 'elsewhere', name: 'x', uid: 'u' }], lookup)).toEqual([]);
  });
});
