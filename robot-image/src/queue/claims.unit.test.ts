import type { ClaimedRun } from '../../../api/queue/sql/runs.js';
import { createClaimReader, type ClaimReaderOptions } from './claims.js';

const claim = (uid: string, state: ClaimedRun['state'] = 'queued'): ClaimedRun => ({
  uid,
  state,
  previousRobot: null,
  attempts: 0,
  failedAttempts: 0,
  maxAttempts: 3,
  deadline: null,
});

/** A run table in memory standing in for the claim statement (the pure caching logic is under test). */
function setup(o: Partial<ClaimReaderOptions> = {}) {
  const states = new Map<string, ClaimedRun['state']>();
  const reads: string[][] = [];
  const clock = { t: 1000 };
  const listening = { since: 0 as number | null };
  const reader = createClaimReader({
    readRuns: async (uids) => {
      reads.push([...uids]);
      return uids.filter((u) => states.has(u)).map((u) => claim(u, states.get(u)));
    },
    listeningSince: () => listening.since,
    now: () => clock.t,
    ...o,
  });
  return { reader, states, reads, clock, listening };
}

describe('createClaimReader', () => {
  it('reads a fetched batch once; jobs take their claims from it', async () => {
    const { reader, states, reads } = setup();
    for (const u of ['a', 'b', 'c']) states.set(u, 'queued');
    reader.prefetch(['a', 'b', 'c', 'gone']);
    expect(await Promise.all(['a', 'b', 'c', 'gone'].map((u) => reader.read(u)))).toEqual([claim('a'), claim('b'), claim('c'), undefined]);
    expect(reads).toEqual([['a', 'b', 'c', 'gone']]);
  });

  it('without a prefetch, reads at start, batching the jobs that start together', async () => {
    const { reader, states, reads } = setup();
    states.set('a', 'queued').set('b', 'running');
    expect(await Promise.all([reader.read('a'), reader.read('b')])).toEqual([claim('a'), claim('b', 'running')]);
    expect(reads).toEqual([['a', 'b']]);
  });

  it.each<[string, (s: ReturnType<typeof setup>) => void]>([
    ['it is older than maxAgeMs', (s) => (s.clock.t += 2001)],
    ['the cancel listener is not listening', (s) => (s.listening.since = null)],
    ['the cancel listener reconnected after the read began', (s) => (s.listening.since = s.clock.t + 1)],
    ['a cancel of the run was notified', (s) => {
      s.reader.cancelNotified('a');
      s.clock.t += 1;
    }],
  ])('reads again instead of using a prefetched claim when %s', async (_why, change) => {
    const s = setup();
    s.states.set('a', 'queued');
    s.reader.prefetch(['a']);
    s.states.set('a', 'cancelled');
    change(s);
    expect(await s.reader.read('a')).toEqual(claim('a', 'cancelled'));
    expect(s.reads).toEqual([['a'], ['a']]);
  });

  it('reads again when a cancel is notified while the read at start is in flight', async () => {
    const { reader, states, reads } = setup();
    states.set('a', 'queued');
    const pending = reader.read('a');
    reader.cancelNotified('a');
    states.set('a', 'cancelled');
    expect(await pending).toEqual(claim('a', 'cancelled'));
    expect(reads).toEqual([['a'], ['a']]);
  });

  it('falls back to a read at start when the prefetch failed', async () => {
    let fail = true;
    const reads: string[][] = [];
    const reader = createClaimReader({
      readRuns: async (uids) => {
        reads.push(uids);
        if (fail) throw new Error('connection lost');
        return uids.map((u) => claim(u));
      },
      listeningSince: () => 0,
    });
    reader.prefetch(['a']);
    await new Promise((r) => setImmediate(r));
    fail = false;
    expect(await reader.read('a')).toEqual(claim('a'));
    expect(reads).toEqual([['a'], ['a']]);
  });
});
