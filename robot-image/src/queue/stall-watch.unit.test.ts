import { findStall, TaskPhases, watchStalls, type StallLimits } from './stall-watch.js';

const LIMITS: StallLimits = { claimMs: 1_000, recordMs: 2_000 };

describe('stall watch', () => {
  it('finds nothing while every phase is within its limit, including exactly at it', () => {
    expect(findStall([['1', { phase: 'claim', since: 0 }], ['2', { phase: 'record', since: 0 }]], 1_000, LIMITS)).toBeNull();
    expect(findStall([], 10_000, LIMITS)).toBeNull();
  });

  it("judges each phase by its own limit and names the longest-pending one", () => {
    expect(findStall([['1', { phase: 'record', since: 0 }]], 1_500, LIMITS)).toBeNull();
    expect(findStall([['1', { phase: 'claim', since: 0 }]], 1_500, LIMITS)).toEqual({ graphileJobId: '1', phase: 'claim', forMs: 1_500 });
    expect(
      findStall(
        [
          ['1', { phase: 'claim', since: 500 }],
          ['2', { phase: 'record', since: 0 }],
        ],
        3_000,
        LIMITS,
      ),
    ).toEqual({ graphileJobId: '2', phase: 'record', forMs: 3_000 });
  });

  it('forgets a phase that was left, and restarts the clock when a job enters another', () => {
    let t = 0;
    const phases = new TaskPhases(() => t);
    phases.enter('7', 'claim');
    t = 900;
    phases.enter('7', 'record');
    t = 2_500;
    expect(findStall(phases.entries(), t, LIMITS)).toBeNull();
    t = 3_000;
    expect(findStall(phases.entries(), t, LIMITS)).toEqual({ graphileJobId: '7', phase: 'record', forMs: 2_100 });
    phases.leave('7');
    expect(findStall(phases.entries(), t, LIMITS)).toBeNull();
  });

  it('reports the first stall once and stops watching', async () => {
    let t = 0;
    const phases = new TaskPhases(() => t);
    phases.enter('1', 'claim');
    const seen: unknown[] = [];
    const w = watchStalls({ phases, limits: LIMITS, intervalMs: 5, now: () => t, onStall: (s) => seen.push(s) });
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual([]);
    t = 5_000;
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).toEqual([{ graphileJobId: '1', phase: 'claim', forMs: 5_000 }]);
    w.stop();
  });
});
