import type { AbortReason } from './handler.js';
import { createInFlightJob } from './in-flight.js';

describe('createInFlightJob', () => {
  it('signals the first abort reason, whether the signal was read before or after it', () => {
    const early = createInFlightJob('a', 0);
    const heard: unknown[] = [];
    early.signal.addEventListener('abort', () => heard.push(early.signal.reason));
    early.abort('cancelled');
    early.abort('shutdown');
    expect(heard).toEqual(['cancelled']);
    expect(early.reason).toBe('cancelled');

    const late = createInFlightJob('b', 0);
    late.abort('fenced');
    expect([late.signal.aborted, late.signal.reason]).toEqual([true, 'fenced']);
  });

  it.each<[string, AbortReason[], 'shutdown' | 'fenced' | null]>([
    ['a cancel alone', ['cancelled'], null],
    ['a suspend alone', ['suspended'], null],
    ['a shutdown after a suspend', ['suspended', 'shutdown'], 'shutdown'],
    ['a shutdown after a cancel', ['cancelled', 'shutdown'], 'shutdown'],
    ['the first of shutdown and fenced', ['fenced', 'shutdown'], 'fenced'],
  ])('abandons the handler on %s', (_what, aborts, want) => {
    const job = createInFlightJob('a', 0);
    const calls: string[] = [];
    job.onAbandon = (r) => calls.push(r);
    for (const r of aborts) job.abort(r);
    expect(job.abandoned).toBe(want);
    expect(calls).toEqual(want ? [want] : []);
  });
});
