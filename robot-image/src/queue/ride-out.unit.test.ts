import { rideOut } from './ride-out.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('rideOut', () => {
  it('retries while the database is unreachable, with growing waits, and returns the first success', async () => {
    let t = 0;
    const waits: number[] = [];
    let calls = 0;
    const v = await rideOut(
      async () => {
        calls++;
        if (calls < 5) throw refused();
        return 'ok';
      },
      { budgetMs: 30_000, now: () => t, sleep: async (ms) => void (waits.push(ms), (t += ms)) },
    );
    expect(v).toBe('ok');
    expect(waits).toEqual([250, 500, 1_000, 2_000]);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('permission denied for table runs'), { code: '42501' });
    await expect(
      rideOut(
        async () => {
          calls++;
          throw denied;
        },
        { budgetMs: 30_000, sleep: async () => undefined },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('gives up with the last error once the budget is spent, never sleeping past it', async () => {
    let t = 0;
    const waits: number[] = [];
    const retried: number[] = [];
    await expect(
      rideOut(
        async () => {
          throw refused();
        },
        { budgetMs: 3_000, now: () => t, sleep: async (ms) => void (waits.push(ms), (t += ms)), onRetry: (_e, waited) => retried.push(waited) },
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(t).toBe(3_000);
    expect(waits).toEqual([250, 500, 1_000, 1_250]);
    expect(retried).toEqual([0, 250, 750, 1_750]);
  });
});
