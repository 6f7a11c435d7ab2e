// A Lease's expiry judged on our monotonic clock (a ManualClock here), while the wall clock that writes
// renewTime jumps forward and backward: no false take-over, no lease held past its time.
import { describe, expect, it } from '@jest/globals';
import { V1MicroTime, type V1LeaseSpec } from '@kubernetes/client-node';
import { LeaseObservation } from './lease-observation.js';
import { ManualClock } from './manual-clock.test-util.js';

const HOUR = 3_600_000;
const DURATION_S = 15;

/** The holder's record as it writes it: renewTime from ITS wall clock. */
const held = (holder: string, wallMs: number, transitions = 0): V1LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: DURATION_S,
  acquireTime: new V1MicroTime(1_000),
  renewTime: new V1MicroTime(wallMs),
  leaseTransitions: transitions,
});

function setUp() {
  const mono = new ManualClock();
  let wall = Date.parse('2026-12-04T12:00:00Z');
  const obs = new LeaseObservation(() => mono.now());
  const see = (spec: V1LeaseSpec) => {
    obs.observe(spec);
    return obs.mayAcquire(spec, 'b', DURATION_S * 1000);
  };
  return { mono, obs, see, wall: () => wall, jump: (ms: number) => (wall += ms), tick: (ms: number) => { mono.advance(ms); wall += ms; } };
}

describe('LeaseObservation (candidate b watching holder a)', () => {
  it('a holder that keeps renewing is never taken over, whichever way the wall clock jumps', () => {
    const { see, wall, jump, tick } = setUp();
    expect(see(held('a', wall()))).toBe(false);
    for (const j of [+HOUR, -2 * HOUR, +30_000, -30_000]) {
      tick(2_000);
      jump(j); // an NTP step, a VM resumed, a manual date change
      expect(see(held('a', wall()))).toBe(false);
    }
    // Unchanged since the last renewal for just under the duration: still a's.
    tick(DURATION_S * 1000 - 1);
    expect(see(held('a', wall() - DURATION_S * 1000 + 1))).toBe(false);
  });

  it('a wall-clock jump forward by more than the lease duration is no take-over', () => {
    const { see, wall, jump, tick } = setUp();
    const record = held('a', wall());
    expect(see(record)).toBe(false);
    tick(1_000);
    jump(HOUR);
    // renewTime is an hour "old" by our wall clock now; what counts is that we saw it 1 s ago.
    expect(see(record)).toBe(false);
  });

  it('a holder that stopped renewing is taken over after the lease duration of our own time, even when the wall clock jumped back', () => {
    const { see, wall, jump, tick } = setUp();
    const record = held('a', wall());
    expect(see(record)).toBe(false);
    jump(-HOUR); // by the wall clock the lease now looks renewed an hour in the future
    tick(DURATION_S * 1000 - 1);
    expect(see(record)).toBe(false);
    tick(1);
    expect(see(record)).toBe(true);
  });

  it('a free lease, or one already ours, may be taken at once', () => {
    const { obs, wall } = setUp();
    const free = { ...held('a', wall()), holderIdentity: '' };
    obs.observe(free);
    expect(obs.mayAcquire(free, 'b', 15_000)).toBe(true);
    const ours = held('b', wall());
    obs.observe(ours);
    expect(obs.mayAcquire(ours, 'b', 15_000)).toBe(true);
  });

  it('a new holder restarts the count', () => {
    const { see, wall, tick } = setUp();
    expect(see(held('a', wall()))).toBe(false);
    tick(DURATION_S * 1000 - 10);
    expect(see(held('c', wall(), 1))).toBe(false);
    tick(20);
    expect(see(held('c', wall() - 20, 1))).toBe(false);
  });
});
