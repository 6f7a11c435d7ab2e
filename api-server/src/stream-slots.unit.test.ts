import { StreamSlots } from './stream-slots.js';

describe('StreamSlots', () => {
  it('gives a user at most perUser streams, another user still gets one, and a released slot is free again', () => {
    const slots = new StreamSlots({ perUser: 2, total: 10 });
    const a1 = slots.acquire('alice');
    const a2 = slots.acquire('alice');
    expect(slots.acquire('alice')).toEqual({ refused: 'alice has 2 event streams open (at most 2): close one first' });
    expect('release' in slots.acquire('bob')).toBe(true);
    expect([slots.count('alice'), slots.count()]).toEqual([2, 3]);
    if (!('release' in a1) || !('release' in a2)) throw new Error('no slot');
    a1.release();
    a1.release(); // once only
    expect([slots.count('alice'), slots.count()]).toEqual([1, 2]);
    expect('release' in slots.acquire('alice')).toBe(true);
  });

  it('refuses everyone once the server holds `total` streams', () => {
    const slots = new StreamSlots({ perUser: 5, total: 3 });
    const held = ['a', 'b', 'c'].map((u) => slots.acquire(u));
    expect(slots.acquire('d')).toEqual({ refused: 'the API server holds 3 event streams (at most 3): try again' });
    const first = held[0]!;
    if (!('release' in first)) throw new Error('no slot');
    first.release();
    expect('release' in slots.acquire('d')).toBe(true);
    expect(slots.count('a')).toBe(0);
  });
});
