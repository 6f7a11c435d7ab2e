import { describe, expect, it } from '@jest/globals';
import { ManualClock } from './manual-clock.test-util.js';
import { WorkQueue } from './workqueue.js';

function queue(clock = new ManualClock(), bucket = { ratePerSecond: 1000, burst: 1000 }) {
  return { clock, q: new WorkQueue({ clock, backoff: { baseMs: 10, maxMs: 100 }, bucket }) };
}

/** Takes every key that is ready now, without waiting. */
async function drainReady(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length > 0) out.push((await q.get())!);
  return out;
}

describe('WorkQueue', () => {
  it('hands out keys in order, each once however often it was added', async () => {
    const { q } = queue();
    for (const k of ['a/1', 'a/2', 'a/1', 'a/3', 'a/2']) q.add(k);
    expect(await drainReady(q)).toEqual(['a/1', 'a/2', 'a/3']);
  });

  it('does not hand out a key being processed; a re-add comes back after done()', async () => {
    const { q } = queue();
    q.add('ns/x');
    const first = await q.get();
    q.add('ns/x');
    q.add('ns/x');
    expect(q.length).toBe(0);
    q.done(first!);
    expect(await drainReady(q)).toEqual(['ns/x']);
  });

  it('a key processed and done without re-add is gone', async () => {
    const { q } = queue();
    q.add('ns/x');
    q.done((await q.get())!);
    expect(q.length).toBe(0);
  });

  it('get() waits for the next add', async () => {
    const { q } = queue();
    const pending = q.get();
    q.add('ns/late');
    expect(await pending).toBe('ns/late');
  });

  it('two waiting workers get two different keys, never the same one', async () => {
    const { q } = queue();
    const w1 = q.get();
    const w2 = q.get();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect([await w1, await w2]).toEqual(['ns/a', 'ns/b']);
  });

  it('addAfter adds when the time has come, and the earlier of two delays wins', () => {
    const { q, clock } = queue();
    q.addAfter('ns/a', 1000);
    q.addAfter('ns/a', 300);
    q.addAfter('ns/a', 2000);
    clock.advance(299);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    clock.advance(5000);
    expect(q.length).toBe(1);
  });

  it('backs off per key exponentially up to the cap, and forget() resets it', () => {
    const { q } = queue();
    const delays = [1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('ns/bad'));
    expect(delays).toEqual([10, 20, 40, 80, 100, 100]);
    expect(q.numRequeues('ns/bad')).toBe(6);
    expect(q.addRateLimited('ns/other')).toBe(10);
    q.forget('ns/bad');
    expect(q.addRateLimited('ns/bad')).toBe(10);
  });

  it('the overall bucket slows retries of many keys when it runs dry', () => {
    const { q } = queue(new ManualClock(), { ratePerSecond: 10, burst: 2 });
    const delays = ['a', 'b', 'c', 'd'].map((k) => q.addRateLimited(`ns/${k}`));
    expect(delays).toEqual([10, 10, 100, 200]);
  });

  it('shutDown drops keys not started, refuses new ones, and waits for those in flight', async () => {
    const { q, clock } = queue();
    q.add('ns/running');
    q.add('ns/queued');
    q.addAfter('ns/later', 100);
    const running = (await q.get())!;
    let drained = false;
    const shut = q.shutDown().then(() => (drained = true));
    q.add('ns/new');
    clock.advance(1000);
    expect(await q.get()).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done(running);
    await shut;
    expect(drained).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('wakes waiting workers with undefined on shutdown', async () => {
    const { q } = queue();
    const waiting = q.get();
    await q.shutDown();
    expect(await waiting).toBeUndefined();
  });
});
