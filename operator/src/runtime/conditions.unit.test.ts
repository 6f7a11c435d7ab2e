import { describe, expect, it } from '@jest/globals';
import {
  findCondition,
  isConditionTrue,
  removeCondition,
  sameConditions,
  setCondition,
  type Condition,
} from './conditions.js';
import type { Reason } from '../../../api/v1alpha1/reasons.js';

const t1 = new Date('2025-01-01T10:00:00.123Z');
const t2 = new Date('2025-01-01T11:00:00.000Z');

describe('setCondition', () => {
  const base = setCondition(
    undefined,
    { type: 'Ready', status: 'False', reason: 'DeploymentProgressing', message: 'waiting' },
    { generation: 1, now: t1 },
  );

  it('adds a condition with the time at second precision and the generation', () => {
    expect(base).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'DeploymentProgressing',
        message: 'waiting',
        lastTransitionTime: '2025-01-01T10:00:00Z',
        observedGeneration: 1,
      },
    ]);
  });

  it.each<[string, Condition['status'], Reason, string]>([
    ['same status keeps the transition time', 'False', 'Invalid', '2025-01-01T10:00:00Z'],
    ['a status change moves the transition time', 'True', 'DeploymentReady', '2025-01-01T11:00:00Z'],
  ])('%s', (_name, status, reason, time) => {
    const next = setCondition(base, { type: 'Ready', status, reason, message: 'm' }, { generation: 2, now: t2 });
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ status, reason, message: 'm', lastTransitionTime: time, observedGeneration: 2 });
  });

  it('leaves other conditions and the input alone', () => {
    const two = setCondition(base, { type: 'Valid', status: 'True', reason: 'Valid', message: '' }, { now: t2 });
    expect(two.map((c) => c.type)).toEqual(['Ready', 'Valid']);
    expect(base).toHaveLength(1);
    expect(findCondition(two, 'Valid')?.observedGeneration).toBeUndefined();
    expect(isConditionTrue(two, 'Valid')).toBe(true);
    expect(isConditionTrue(two, 'Ready')).toBe(false);
    expect(removeCondition(two, 'Ready').map((c) => c.type)).toEqual(['Valid']);
  });

  it('sameConditions tells a real change from a no-op', () => {
    const again = setCondition(
      base,
      { type: 'Ready', status: 'False', reason: 'DeploymentProgressing', message: 'waiting' },
      { generation: 1, now: t2 },
    );
    expect(sameConditions(base, again)).toBe(true);
    const newer = setCondition(
      base,
      { type: 'Ready', status: 'False', reason: 'DeploymentProgressing', message: 'waiting' },
      { generation: 2, now: t2 },
    );
    expect(sameConditions(base, newer)).toBe(false);
    expect(sameConditions(undefined, [])).toBe(true);
  });
});
