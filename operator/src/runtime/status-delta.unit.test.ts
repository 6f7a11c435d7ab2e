import { describe, expect, it } from '@jest/globals';
import { statusDelta } from './status-delta.js';

describe('statusDelta', () => {
  const cases: Array<[string, Record<string, unknown> | undefined, Record<string, unknown>, Record<string, unknown> | undefined]> = [
    ['no status yet', undefined, { phase: 'Queued' }, { phase: 'Queued' }],
    ['same values', { phase: 'Queued', n: 1 }, { phase: 'Queued' }, undefined],
    ['changed value', { phase: 'Queued' }, { phase: 'Failed' }, { phase: 'Failed' }],
    ['objects compared by content, not key order', { q: { a: 1, b: 2 } }, { q: { b: 2, a: 1 } }, undefined],
    ['null deletes a present field', { error: { reason: 'X' } }, { error: null }, { error: null }],
    ['null for an absent field is a no-op', {}, { error: null }, undefined],
    ['undefined is ignored', { phase: 'Queued' }, { phase: undefined }, undefined],
    ['only the changed keys', { a: 1, b: 2 }, { a: 1, b: 3 }, { b: 3 }],
    ['an object where there was none', { phase: 'Queued' }, { error: { reason: 'X' } }, { error: { reason: 'X' } }],
    ['a scalar that became an object', { q: 'x' }, { q: { a: 1 } }, { q: { a: 1 } }],
    ['an object that became a scalar', { q: { a: 1 } }, { q: 'x' }, { q: 'x' }],
    ['a number against the same number as text', { n: '1' }, { n: 1 }, { n: 1 }],
    ['equal arrays of objects', { c: [{ type: 'A', status: 'True' }] }, { c: [{ status: 'True', type: 'A' }] }, undefined],
  ];
  it.each(cases)('%s', (_name, current, desired, expected) => {
    expect(statusDelta(current, desired)).toEqual(expected);
  });
});
