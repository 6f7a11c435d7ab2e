import type { Effect } from './sink.js';
import { chaosVerdict, type ChaosObservations } from './verdict.js';

const jobs = ['j-0', 'j-1', 'j-2'];
const effect = (job: string, key = `${job}-uid/effect`): Effect => ({ job, key, at: 0 });
const clean: ChaosObservations = {
  seed: 7,
  jobs,
  phases: { 'j-0': 'Succeeded', 'j-1': 'Succeeded', 'j-2': 'Succeeded' },
  effects: jobs.map((j) => effect(j)),
  robots: [
    { pod: 'r-a', restarts: 2, injectedKills: 2 },
    { pod: 'r-b', restarts: 1, injectedKills: 0 },
  ],
  wallS: 61.4,
  boundS: 120,
  maxOwnRestartsPerRobot: 2,
};

describe('chaosVerdict', () => {
  it('passes a clean run and prints the RESULT line', () => {
    const v = chaosVerdict(clean);
    expect(v.problems).toEqual([]);
    expect(v.line).toBe('RESULT chaos jobs=3 succeeded=3 lost=0 duplicate_effects=0 robot_restarts=1 wall_s=61 seed=7');
    expect(v.detail).toBe(
      'DETAIL chaos failed=0 missing_effects=0 duplicate_keys=0 total_restarts=3 injected_kills=2 robots=2 bound_s=120',
    );
  });

  it('counts failed, lost and missing jobs apart', () => {
    const v = chaosVerdict({
      ...clean,
      phases: { 'j-0': 'Succeeded', 'j-1': 'Failed', 'j-2': 'Running' },
      effects: [effect('j-1')],
    });
    expect([v.succeeded, v.failed, v.lost, v.missingEffects]).toEqual([1, 1, 1, 1]);
    expect(v.problems).toEqual([
      '2 of 3 jobs did not succeed: j-1=Failed, j-2=Running',
      '1 jobs never reached a final phase: j-2',
      '1 jobs Succeeded but their effect never reached the sink: j-0',
    ]);
  });

  it('counts a job without a phase or without its RpaJob as lost', () => {
    const v = chaosVerdict({ ...clean, phases: { 'j-0': 'Succeeded' } });
    expect(v.lost).toBe(2);
    expect(v.line).toContain('succeeded=1 lost=2');
  });

  it('counts a second effect per job when a POST carries a new key, and a repeated key as a redelivery only', () => {
    const v = chaosVerdict({
      ...clean,
      effects: [
        ...clean.effects,
        effect('j-1', 'j-1-uid-a2/effect'),
        effect('j-2'),
        effect('j-2'),
        effect('j-1', 'j-1-uid-a2/effect'),
      ],
    });
    expect([v.duplicateEffects, v.duplicateKeys]).toEqual([1, 3]);
    expect(v.line).toContain('duplicate_effects=1');
    expect(v.detail).toContain('duplicate_keys=3');
    expect(v.problems).toEqual(['1 duplicate effects in 1 jobs: j-1 x2 [j-1-uid/effect | j-1-uid-a2/effect]']);
  });

  it('counts every POST without a key as an effect of its own', () => {
    const v = chaosVerdict({ ...clean, effects: [...clean.effects, effect('j-0', ''), effect('j-0', '')] });
    expect(v.duplicateEffects).toBe(2);
    expect(v.problems).toEqual([
      '2 duplicate effects in 1 jobs: j-0 x3 [j-0-uid/effect | (no key) | (no key)]',
      '2 POSTs carried no Idempotency-Key header',
    ]);
  });

  it('flags POSTs without a key and for jobs it did not submit', () => {
    const v = chaosVerdict({ ...clean, effects: [effect('j-0', ''), effect('j-1'), effect('j-2'), effect('other')] });
    expect(v.problems).toEqual([
      '1 POSTs carried no Idempotency-Key header',
      'effects for jobs the suite did not submit: other',
    ]);
  });

  it('tells a restart loop from restarts the suite caused', () => {
    const ok = chaosVerdict({ ...clean, robots: [{ pod: 'r-a', restarts: 9, injectedKills: 7 }] });
    expect(ok.problems).toEqual([]);
    expect([ok.robotRestarts, ok.totalRestarts]).toEqual([2, 9]);
    const loop = chaosVerdict({ ...clean, robots: [{ pod: 'r-a', restarts: 9, injectedKills: 1 }] });
    expect(loop.problems).toEqual([
      'robots restarted on their own more than 2 times (a restart loop): r-a 8 (9 restarts, 1 SIGKILLed by the suite)',
    ]);
  });

  it('fails a run over its time bound', () => {
    expect(chaosVerdict({ ...clean, wallS: 121 }).problems).toEqual(['the run took 121 s, over its bound of 120 s']);
  });

  it('shortens long lists', () => {
    const many = Array.from({ length: 25 }, (_, i) => `j-${i}`);
    const v = chaosVerdict({ ...clean, jobs: many, phases: {}, effects: [] });
    expect(v.problems[1]).toBe(`25 jobs never reached a final phase: ${many.slice(0, 10).join(', ')}, … (15 more)`);
  });
});
