import { describe, expect, it } from '@jest/globals';
import { decideScale } from './scaler.js';
import type { ScaleDecision, ScaleInput, ScalingPolicy, ScalingRules } from './types.js';

const NOW = 1_000_000_000_000;
const ago = (seconds: number) => NOW - seconds * 1000;
const noWindow: Partial<ScalingRules> = { stabilizationWindowSeconds: 0 };
const pods = (value: number, periodSeconds = 60): ScalingPolicy => ({ type: 'Pods', value, periodSeconds });
const percent = (value: number, periodSeconds = 60): ScalingPolicy => ({ type: 'Percent', value, periodSeconds });

function input(over: Partial<ScaleInput>): ScaleInput {
  return {
    currentReplicas: 0,
    work: 0,
    jobsPerRobot: 1,
    minReplicas: 0,
    maxReplicas: 50,
    history: { recommendations: [], events: [] },
    now: NOW,
    ...over,
  };
}

type Case = [name: string, input: Partial<ScaleInput>, desired: number, reason: ScaleDecision['reason']];

const cases: Case[] = [
  // ceil(work / jobsPerRobot)
  ['empty idle pool stays empty', {}, 0, 'DesiredWithinRange'],
  ['work rounds up to whole robots', { currentReplicas: 2, work: 5, jobsPerRobot: 2 }, 3, 'DesiredWithinRange'],
  ['exact fit keeps the size', { currentReplicas: 3, work: 5, jobsPerRobot: 2 }, 3, 'DesiredWithinRange'],
  ['running jobs count as work', { currentReplicas: 2, work: 8, jobsPerRobot: 2 }, 4, 'DesiredWithinRange'],

  // from zero
  ['work starts an empty pool at once', { work: 3 }, 3, 'ScaleFromZero'],
  ['from zero the default 4-pod policy applies', { work: 20 }, 4, 'ScaleUpLimit'],
  [
    'from zero a Percent-only policy still activates one robot',
    { work: 5, behavior: { scaleUp: { policies: [percent(100, 15)] } } },
    1,
    'ScaleUpLimit',
  ],
  [
    'from zero the scale-up window does not hold the pool at zero',
    {
      work: 3,
      behavior: { scaleUp: { stabilizationWindowSeconds: 120 } },
      history: { recommendations: [{ at: ago(10), replicas: 0 }], events: [] },
    },
    3,
    'ScaleFromZero',
  ],
  [
    'scale-up Disabled keeps an empty pool empty',
    { work: 3, behavior: { scaleUp: { selectPolicy: 'Disabled' } } },
    0,
    'ScaleUpDisabled',
  ],

  // to zero
  [
    'idle pool goes to zero when min is 0 and no window',
    { currentReplicas: 3, behavior: { scaleDown: noWindow } },
    0,
    'ScaleToZero',
  ],
  [
    'idle pool stops at min',
    { currentReplicas: 3, minReplicas: 1, behavior: { scaleDown: noWindow } },
    1,
    'TooFewReplicas',
  ],
  [
    'idle pool goes to zero once the window has passed',
    { currentReplicas: 4, history: { recommendations: [{ at: ago(301), replicas: 4 }], events: [] } },
    0,
    'ScaleToZero',
  ],
  [
    'idle pool waits for the window after a restart (no history)',
    { currentReplicas: 4, history: undefined },
    4,
    'ScaleDownStabilized',
  ],
  [
    'zero work goes down whatever the tolerance',
    { currentReplicas: 1, tolerance: 1, behavior: { scaleDown: noWindow } },
    0,
    'ScaleToZero',
  ],

  // tolerance
  ['up within tolerance keeps the size', { currentReplicas: 10, work: 105, jobsPerRobot: 10 }, 10, 'WithinTolerance'],
  [
    'down within tolerance keeps the size',
    { currentReplicas: 20, work: 185, jobsPerRobot: 10, behavior: { scaleDown: noWindow } },
    20,
    'WithinTolerance',
  ],
  ['beyond tolerance scales up', { currentReplicas: 10, work: 120, jobsPerRobot: 10 }, 12, 'DesiredWithinRange'],
  [
    'beyond tolerance scales down',
    { currentReplicas: 10, work: 80, jobsPerRobot: 10, behavior: { scaleDown: noWindow } },
    8,
    'DesiredWithinRange',
  ],
  [
    'zero tolerance follows every change',
    { currentReplicas: 10, work: 105, jobsPerRobot: 10, tolerance: 0 },
    11,
    'DesiredWithinRange',
  ],
  [
    'wide tolerance ignores a 30% rise',
    { currentReplicas: 10, work: 130, jobsPerRobot: 10, tolerance: 0.35 },
    10,
    'WithinTolerance',
  ],

  // scale-down stabilisation window
  [
    'the highest recommendation within the down window holds the size',
    {
      currentReplicas: 5,
      history: {
        recommendations: [
          { at: ago(200), replicas: 4 },
          { at: ago(100), replicas: 2 },
        ],
        events: [],
      },
    },
    4,
    'ScaleDownStabilized',
  ],
  [
    'a recommendation equal to the current size holds it entirely',
    { currentReplicas: 4, work: 1, history: { recommendations: [{ at: ago(299), replicas: 4 }], events: [] } },
    4,
    'ScaleDownStabilized',
  ],
  [
    'recommendations older than the window are ignored',
    { currentReplicas: 4, work: 1, history: { recommendations: [{ at: ago(300), replicas: 4 }], events: [] } },
    1,
    'DesiredWithinRange',
  ],
  [
    'a custom down window of 60 s',
    {
      currentReplicas: 4,
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      history: { recommendations: [{ at: ago(61), replicas: 4 }], events: [] },
    },
    0,
    'ScaleToZero',
  ],
  [
    'the down window does not slow a scale-up',
    { currentReplicas: 2, work: 4, history: { recommendations: [{ at: ago(10), replicas: 2 }], events: [] } },
    4,
    'DesiredWithinRange',
  ],

  // scale-up stabilisation window
  [
    'a lower recommendation within the up window holds the size',
    {
      currentReplicas: 2,
      work: 6,
      behavior: { scaleUp: { stabilizationWindowSeconds: 60 } },
      history: { recommendations: [{ at: ago(30), replicas: 2 }], events: [] },
    },
    2,
    'ScaleUpStabilized',
  ],
  [
    'the lowest recommendation within the up window caps the rise',
    {
      currentReplicas: 2,
      work: 6,
      behavior: { scaleUp: { stabilizationWindowSeconds: 60 } },
      history: {
        recommendations: [
          { at: ago(30), replicas: 4 },
          { at: ago(10), replicas: 5 },
        ],
        events: [],
      },
    },
    4,
    'ScaleUpStabilized',
  ],
  [
    'up-window recommendations that have aged out are ignored',
    {
      currentReplicas: 2,
      work: 6,
      behavior: { scaleUp: { stabilizationWindowSeconds: 60 } },
      history: { recommendations: [{ at: ago(90), replicas: 2 }], events: [] },
    },
    6,
    'DesiredWithinRange',
  ],
  [
    'the default up window is 0: an earlier low recommendation does not matter',
    { currentReplicas: 2, work: 4, history: { recommendations: [{ at: ago(0), replicas: 1 }], events: [] } },
    4,
    'DesiredWithinRange',
  ],

  // scale-up policies
  [
    'Pods policy caps the rise',
    { currentReplicas: 3, work: 10, behavior: { scaleUp: { policies: [pods(2)] } } },
    5,
    'ScaleUpLimit',
  ],
  [
    'Pods policy counts earlier rises within its period',
    {
      currentReplicas: 3,
      work: 10,
      behavior: { scaleUp: { policies: [pods(2)] } },
      history: { recommendations: [], events: [{ at: ago(20), change: 2 }] },
    },
    3,
    'ScaleUpLimit',
  ],
  [
    'Pods policy forgets rises older than its period',
    {
      currentReplicas: 3,
      work: 10,
      behavior: { scaleUp: { policies: [pods(2)] } },
      history: { recommendations: [], events: [{ at: ago(60), change: 2 }] },
    },
    5,
    'ScaleUpLimit',
  ],
  [
    'earlier scale-downs in the period widen the allowance',
    {
      currentReplicas: 3,
      work: 10,
      behavior: { scaleUp: { policies: [pods(2)] } },
      history: { recommendations: [], events: [{ at: ago(20), change: -2 }] },
    },
    7,
    'ScaleUpLimit',
  ],
  [
    'Percent policy rounds up',
    { currentReplicas: 3, work: 20, behavior: { scaleUp: { policies: [percent(50)] } } },
    5,
    'ScaleUpLimit',
  ],
  ['default policies: 100% beats 4 pods for a big pool', { currentReplicas: 10, work: 100 }, 20, 'ScaleUpLimit'],
  ['default policies: 4 pods beats 100% for a small pool', { currentReplicas: 1, work: 100 }, 5, 'ScaleUpLimit'],
  [
    'selectPolicy Min picks the smaller allowance',
    {
      currentReplicas: 10,
      work: 100,
      behavior: { scaleUp: { selectPolicy: 'Min', policies: [percent(100, 15), pods(4, 15)] } },
    },
    14,
    'ScaleUpLimit',
  ],
  [
    'scale-up Disabled keeps the size',
    { currentReplicas: 2, work: 10, behavior: { scaleUp: { selectPolicy: 'Disabled' } } },
    2,
    'ScaleUpDisabled',
  ],
  [
    'a rise within the allowance is not limited',
    { currentReplicas: 3, work: 5, behavior: { scaleUp: { policies: [pods(2)] } } },
    5,
    'DesiredWithinRange',
  ],

  // scale-down policies
  [
    'Pods policy caps the fall',
    { currentReplicas: 5, behavior: { scaleDown: { ...noWindow, policies: [pods(1)] } } },
    4,
    'ScaleDownLimit',
  ],
  [
    'Percent policy rounds the fall down',
    { currentReplicas: 5, behavior: { scaleDown: { ...noWindow, policies: [percent(50)] } } },
    2,
    'ScaleDownLimit',
  ],
  [
    'Percent policy counts earlier falls within its period',
    {
      currentReplicas: 5,
      behavior: { scaleDown: { ...noWindow, policies: [percent(50)] } },
      history: { recommendations: [], events: [{ at: ago(10), change: -2 }] },
    },
    3,
    'ScaleDownLimit',
  ],
  [
    'Pods policy allows nothing more after a full period allowance',
    {
      currentReplicas: 5,
      behavior: { scaleDown: { ...noWindow, policies: [pods(1)] } },
      history: { recommendations: [], events: [{ at: ago(10), change: -1 }] },
    },
    5,
    'ScaleDownLimit',
  ],
  [
    'down selectPolicy Max takes the biggest fall',
    {
      currentReplicas: 5,
      behavior: { scaleDown: { ...noWindow, selectPolicy: 'Max', policies: [pods(1), percent(50)] } },
    },
    2,
    'ScaleDownLimit',
  ],
  [
    'down selectPolicy Min takes the smallest fall',
    {
      currentReplicas: 5,
      behavior: { scaleDown: { ...noWindow, selectPolicy: 'Min', policies: [pods(1), percent(50)] } },
    },
    4,
    'ScaleDownLimit',
  ],
  [
    'scale-down Disabled keeps the size',
    { currentReplicas: 5, behavior: { scaleDown: { ...noWindow, selectPolicy: 'Disabled' } } },
    5,
    'ScaleDownDisabled',
  ],

  // bounds
  ['maxReplicas caps the rise', { currentReplicas: 3, work: 100, maxReplicas: 5 }, 5, 'TooManyReplicas'],
  ['at maxReplicas more work changes nothing', { currentReplicas: 5, work: 100, maxReplicas: 5 }, 5, 'TooManyReplicas'],
  ['from zero maxReplicas caps the start', { work: 10, maxReplicas: 2 }, 2, 'TooManyReplicas'],
  [
    'a current size above max is lowered at once',
    { currentReplicas: 8, work: 100, maxReplicas: 5 },
    5,
    'AboveMaxReplicas',
  ],
  ['a current size below min is raised at once', { currentReplicas: 0, minReplicas: 2 }, 2, 'BelowMinReplicas'],
  [
    'minReplicas holds the fall',
    { currentReplicas: 3, work: 1, minReplicas: 2, behavior: { scaleDown: noWindow } },
    2,
    'TooFewReplicas',
  ],
  [
    'min above max is read as max = min',
    { currentReplicas: 3, work: 100, minReplicas: 3, maxReplicas: 1 },
    3,
    'TooManyReplicas',
  ],
];

describe('decideScale', () => {
  it.each(cases)('%s', (_name, over, desired, reason) => {
    const d = decideScale(input(over));
    expect({ desired: d.desired, reason: d.reason }).toEqual({ desired, reason });
    expect(d.message).toContain(`-> ${d.desired}`);
  });

  it('reports limited only when the applied size differs from the recommendation', () => {
    expect(decideScale(input({ currentReplicas: 5, work: 100, maxReplicas: 5 })).limited).toBe(true);
    expect(decideScale(input({ currentReplicas: 2, work: 4 })).limited).toBe(false);
  });

  it('records the raw recommendation and the applied change', () => {
    const d = decideScale(input({ currentReplicas: 5, work: 100, maxReplicas: 5 }));
    expect(d.recommended).toBe(100);
    expect(d.history.recommendations).toEqual([{ at: NOW, replicas: 100 }]);
    expect(d.history.events).toEqual([]);
    const up = decideScale(input({ currentReplicas: 2, work: 4 }));
    expect(up.history.events).toEqual([{ at: NOW, change: 2 }]);
  });

  it('forgets recommendations older than the longest window and events older than the longest period', () => {
    const d = decideScale(
      input({
        currentReplicas: 2,
        work: 2,
        history: {
          recommendations: [
            { at: ago(301), replicas: 9 },
            { at: ago(299), replicas: 2 },
          ],
          events: [
            { at: ago(16), change: 1 },
            { at: ago(14), change: 1 },
            { at: ago(16), change: -1 },
          ],
        },
      }),
    );
    expect(d.history.recommendations).toEqual([
      { at: ago(299), replicas: 2 },
      { at: NOW, replicas: 2 },
    ]);
    expect(d.history.events).toEqual([{ at: ago(14), change: 1 }]);
  });

  it('seeds the history with the current size when none is known', () => {
    const d = decideScale(input({ currentReplicas: 3, work: 3, history: undefined }));
    expect(d.history.recommendations).toEqual([
      { at: NOW, replicas: 3 },
      { at: NOW, replicas: 3 },
    ]);
  });

  it('over a burst: scales up at the policy rate, holds through the window, then goes to zero', () => {
    // 20 jobs for a pool (min 0, max 5), then nothing; one decision every 15 s with the defaults.
    let current = 0;
    let history = { recommendations: [], events: [] } as ScaleInput['history'];
    const sizes: number[] = [];
    let lastBusyAt = 0;
    let zeroAt: number | undefined;
    for (let t = 0; t <= 600; t += 15) {
      const work = t < 30 ? 20 : 0;
      const now = NOW + t * 1000;
      if (work > 0) lastBusyAt = now;
      const d = decideScale({
        currentReplicas: current,
        work,
        jobsPerRobot: 1,
        minReplicas: 0,
        maxReplicas: 5,
        history,
        now,
      });
      current = d.desired;
      history = d.history;
      sizes.push(current);
      if (current === 0 && zeroAt === undefined && t > 0) zeroAt = now;
    }
    expect(sizes.slice(0, 3)).toEqual([4, 5, 5]);
    expect(zeroAt).toBe(lastBusyAt + 300_000);
    expect(Math.max(...sizes)).toBe(5);
  });
});
