import { createSlots } from './slots.js';

describe('createSlots', () => {
  it('lets size callers in at once and the rest in arrival order as slots are released', async () => {
    const slots = createSlots(2);
    const order: number[] = [];
    const took = [1, 2, 3, 4].map((n) => slots.acquire().then(() => order.push(n)));
    await Promise.all(took.slice(0, 2));
    expect(order).toEqual([1, 2]);
    expect([slots.inUse, slots.waiting]).toEqual([2, 2]);
    slots.release();
    await took[2];
    expect(order).toEqual([1, 2, 3]);
    expect([slots.inUse, slots.waiting]).toEqual([2, 1]);
    slots.release();
    slots.release();
    await took[3];
    expect(order).toEqual([1, 2, 3, 4]);
    expect([slots.inUse, slots.waiting]).toEqual([1, 0]);
    slots.release();
    expect(slots.inUse).toBe(0);
  });

  it('tryAcquire takes a free slot only when nobody waits', async () => {
    const slots = createSlots(1);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const waiting = slots.acquire();
    slots.release();
    await waiting;
    expect([slots.inUse, slots.tryAcquire()]).toEqual([1, false]);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects size %p', (size) => {
    expect(() => createSlots(size)).toThrow(RangeError);
  });
});
