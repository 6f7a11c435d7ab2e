import { PRISTINE_FLAG } from '../../../api/queue/identifiers.js';
import { parsePayload, type QueuePayload } from '../../../api/queue/payload.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import type { ClaimedRun } from '../../../api/queue/sql/runs.js';
import { createClaimReader, pristineClaim, type FetchedJob } from './claims.js';

const payload = (o: Parameters<typeof testPayload>[0] = {}): QueuePayload => parsePayload(testPayload(o));
const LOCKED = new Date('2030-01-01T00:00:10.000Z');
const job = (o: Partial<FetchedJob> = {}): FetchedJob => ({
  id: '42',
  attempts: 1,
  flags: { [PRISTINE_FLAG]: true },
  locked_at: LOCKED,
  locked_by: 'pool-a',
  ...o,
});
const read = (uid: string, state: ClaimedRun['state'] = 'queued'): ClaimedRun => ({
  uid,
  state,
  previousRobot: 'robot-before',
  attempts: 1,
  failedAttempts: 1,
  maxAttempts: 3,
  deadline: null,
  suspendRequested: false,
  claimEpoch: state === 'cancelled' ? null : 7,
});

describe('pristineClaim', () => {
  const p = payload({ maxAttempts: 5, deadline: '2030-01-02T00:00:00Z' });
  it('derives a first delivery of a pristine job from the payload', () => {
    expect(pristineClaim(job(), p)).toEqual({
      uid: p.uid,
      state: 'queued',
      previousRobot: null,
      attempts: 0,
      failedAttempts: 0,
      maxAttempts: 5,
      deadline: new Date('2030-01-02T00:00:00Z'),
      suspendRequested: false,
      claimEpoch: 0,
    });
  });
  it.each<[string, Partial<FetchedJob>]>([
    ['fetched before (a take-over after a crash)', { attempts: 2 }],
    ['without the flag (a retry, a hand-back, a cancel requested)', { flags: null }],
    ['with other flags only', { flags: { other: true } }],
  ])('is null for a job %s', (_what, o) => expect(pristineClaim(job(o), p)).toBeNull());
});

/** Runs in memory stand in for the claim statement: the caching logic is under test here. */
function setup(listening: Date | null = new Date(LOCKED.getTime() - 1000)) {
  const states = new Map<string, ClaimedRun['state']>();
  /** Runs whose job this robot no longer holds: the claim statement gives them no token. */
  const released = new Set<string>();
  const reads: string[][] = [];
  const clock = { t: 1000 };
  const reader = createClaimReader({
    readRuns: async (jobs) => {
      const uids = jobs.map((j) => j.uid);
      reads.push(uids);
      return uids
        .filter((u) => states.has(u))
        .map((u) => ({ ...read(u, states.get(u)), ...(released.has(u) && { claimEpoch: null }) }));
    },
    listeningSince: () => listening,
    now: () => clock.t,
  });
  return { reader, states, released, reads, clock };
}

describe('createClaimReader', () => {
  it('claims a pristine first delivery without a read, synchronously through known()', async () => {
    const { reader, reads } = setup();
    const p = payload();
    expect(reader.known(job(), p)).toEqual(pristineClaim(job(), p));
    expect(reader.known(job({ attempts: 2 }), p)).toBeNull();
    expect(await reader.claim(job(), p)).toEqual(pristineClaim(job(), p));
    expect(reads).toEqual([]);
  });

  it.each<[string, Date | null, Partial<FetchedJob>, boolean]>([
    ['a job that is not pristine', new Date(0), { flags: null }, false],
    ['no cancel listener', null, {}, false],
    ['a listener that started after the job was locked', new Date(LOCKED.getTime() + 1), {}, false],
    ['a listener that started in the same millisecond', LOCKED, {}, false],
    ['a cancel notified for the run', new Date(0), {}, true],
  ])('reads the run for %s, batching jobs that start together', async (_what, listening, o, cancelled) => {
    const { reader, states, reads, clock } = setup(listening);
    const [a, b] = [payload(), payload()];
    states.set(a.uid, 'queued').set(b.uid, 'running');
    if (cancelled) {
      reader.cancelNotified(a.uid);
      reader.cancelNotified(b.uid);
      clock.t += 1;
    }
    expect(reader.known(job(o), a)).toBeNull();
    expect(await Promise.all([reader.claim(job(o), a), reader.claim(job(o), b)])).toEqual([read(a.uid), read(b.uid, 'running')]);
    expect(reads).toEqual([[a.uid, b.uid]]);
  });

  it('gives undefined for a run that is finished or unknown', async () => {
    const { reader } = setup(null);
    expect(await reader.claim(job(), payload())).toBeUndefined();
  });

  it('gives undefined for a run to start whose job was released meanwhile (no fencing token)', async () => {
    const { reader, states, released } = setup(null);
    const [a, b] = [payload(), payload()];
    states.set(a.uid, 'queued').set(b.uid, 'cancelled');
    released.add(a.uid).add(b.uid);
    // A cancelled run needs no token: its cancel is still reported.
    expect(await Promise.all([reader.claim(job(), a), reader.claim(job(), b)])).toEqual([undefined, read(b.uid, 'cancelled')]);
  });

  it('reads again when a cancel is notified while the read is in flight', async () => {
    const { reader, states, reads } = setup(null);
    const p = payload();
    states.set(p.uid, 'queued');
    const pending = reader.claim(job(), p);
    reader.cancelNotified(p.uid);
    states.set(p.uid, 'cancelled');
    expect(await pending).toEqual(read(p.uid, 'cancelled'));
    expect(reads).toEqual([[p.uid], [p.uid]]);
  });
});
