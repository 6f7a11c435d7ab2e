import { describeSchedule, faultSchedule, parseSeed, prng, type ScheduleOptions } from './schedule.js';

const base: ScheduleOptions = {
  seed: 42,
  windowMs: 120_000,
  leadInMs: 10_000,
  robotKills: 8,
  podDeletes: 4,
  operatorKills: 3,
  postgresOutages: 2,
  postgresDownMs: 8000,
};

describe('prng', () => {
  it('is a pure function of the seed, in [0, 1), and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, prng(seed));
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // Spread: every tenth of [0, 1) gets a fair share of 1000 draws.
    const deciles = Array.from({ length: 10 }, (_, d) => a.filter((x) => Math.floor(x * 10) === d).length);
    expect(Math.min(...deciles)).toBeGreaterThan(60);
  });
});

describe('parseSeed', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    [' 4294967295 ', 4294967295],
  ])('accepts %j', (text, seed) => expect(parseSeed(text)).toBe(seed));
  it.each(['', '-1', '1.5', 'abc', '4294967296', '99999999999'])('refuses %j', (text) =>
    expect(() => parseSeed(text)).toThrow('--seed must be an integer from 0 to 4294967295'),
  );
});

describe('faultSchedule', () => {
  it('gives the same schedule for the same seed and a different one for another seed', () => {
    expect(faultSchedule(base)).toEqual(faultSchedule({ ...base }));
    expect(faultSchedule({ ...base, seed: 43 })).not.toEqual(faultSchedule(base));
  });

  it.each([1, 2, 3, 42, 1234567, 4294967295])('seed %d: the asked-for faults, sorted, inside the window', (seed) => {
    const faults = faultSchedule({ ...base, seed });
    const count = (k: string) => faults.filter((f) => f.kind === k).length;
    expect([count('killRobot'), count('deletePod'), count('killOperatorLeader'), count('stopPostgres')]).toEqual([
      8, 4, 3, 2,
    ]);
    expect(faults.map((f) => f.atMs)).toEqual([...faults.map((f) => f.atMs)].sort((a, b) => a - b));
    for (const f of faults) {
      expect(f.atMs).toBeGreaterThanOrEqual(base.leadInMs);
      expect(f.atMs + (f.downMs ?? 0)).toBeLessThanOrEqual(base.windowMs);
      expect(f.pick >= 0 && f.pick < 1).toBe(true);
    }
  });

  it.each([1, 2, 3, 99])('seed %d: point faults are at least a fifth of a grid cell apart', (seed) => {
    const points = faultSchedule({ ...base, seed }).filter((f) => f.kind !== 'stopPostgres');
    const cell = (base.windowMs - base.leadInMs) / points.length;
    for (let i = 1; i < points.length; i++)
      expect(points[i]!.atMs - points[i - 1]!.atMs).toBeGreaterThanOrEqual(Math.floor(0.2 * cell));
  });

  it.each([1, 2, 3, 99])('seed %d: database outages last downMs, never overlap, and leave time to recover', (seed) => {
    const outages = faultSchedule({ ...base, seed }).filter((f) => f.kind === 'stopPostgres');
    expect(outages.map((o) => o.downMs)).toEqual([8000, 8000]);
    expect(outages.every((o) => o.mode === 'fast' || o.mode === 'immediate')).toBe(true);
    // The second starts at least half an outage after the first is over.
    expect(outages[1]!.atMs - (outages[0]!.atMs + 8000)).toBeGreaterThanOrEqual(4000);
  });

  it('varies kinds, times, picks and shutdown modes across seeds', () => {
    const runs = Array.from({ length: 20 }, (_, seed) => faultSchedule({ ...base, seed }));
    expect(new Set(runs.map((r) => r.map((f) => f.kind).join(','))).size).toBeGreaterThan(15);
    expect(new Set(runs.map((r) => r[0]!.atMs)).size).toBeGreaterThan(15);
    const modes = new Set(runs.flatMap((r) => r.filter((f) => f.mode).map((f) => f.mode)));
    expect(modes).toEqual(new Set(['fast', 'immediate']));
  });

  it('works with no point faults and with no outages', () => {
    expect(faultSchedule({ ...base, robotKills: 0, podDeletes: 0, operatorKills: 0 }).map((f) => f.kind)).toEqual([
      'stopPostgres',
      'stopPostgres',
    ]);
    expect(faultSchedule({ ...base, postgresOutages: 0 }).some((f) => f.kind === 'stopPostgres')).toBe(false);
  });

  it('reports every bad option at once', () => {
    expect(() => faultSchedule({ ...base, seed: -1, robotKills: 1.5, windowMs: 5000, leadInMs: 10_000 })).toThrow(
      /seed must be a 32-bit unsigned integer, got -1; .*robotKills must be a non-negative integer, got 1.5.*windowMs \(5000\) must be greater than leadInMs/s,
    );
    expect(() => faultSchedule({ ...base, windowMs: 40_000 })).toThrow(
      'it needs at least 2 x postgresDownMs (16000 ms)',
    );
  });

  it('describes each fault on one line', () => {
    const text = describeSchedule(faultSchedule(base));
    expect(text.split('\n')).toHaveLength(17);
    expect(text).toMatch(/^\s+\d+\.\d s stopPostgres pick=0\.\d\d down=8\.0 s mode=(fast|immediate)$/m);
    expect(text).toMatch(/^\s+\d+\.\d s killOperatorLeader pick=0\.\d\d$/m);
  });
});
