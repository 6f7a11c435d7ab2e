import { describe, expect, it } from '@jest/globals';
import { Condition } from './common.js';
import { KINDS } from './kinds.js';
import { isFinishedPhase, jobKey, kubeTime, outputsRef, PLURALS, RPAJOB_FINALIZER } from './names.js';
import { JOB_ERROR_REASONS, JOB_REASONS, POOL_REASONS, REASONS, SCALE_REASONS, SCHEDULE_REASONS, WORKFLOW_REASONS } from './reasons.js';

describe('shared names', () => {
  it('keeps the names objects in clusters and rows in Postgres already carry', () => {
    expect(jobKey('0b8e9c3a-1')).toBe('rpa:0b8e9c3a-1');
    expect(outputsRef('0b8e9c3a-1')).toBe('postgres:aether.runs/0b8e9c3a-1#outputs');
    expect(RPAJOB_FINALIZER).toBe('rpa.aether.dev/queue-cleanup');
    expect(PLURALS).toEqual({ RpaWorkflow: 'rpaworkflows', RpaJob: 'rpajobs', RobotPool: 'robotpools', RpaSchedule: 'rpaschedules', RpaQueue: 'rpaqueues', RpaTrigger: 'rpatriggers' });
    expect(Object.keys(PLURALS)).toEqual(KINDS.map((k) => k.kind));
  });

  it('kubeTime drops milliseconds, as Kubernetes writes metav1.Time', () => {
    expect(kubeTime(new Date('2025-01-01T10:00:00.123Z'))).toBe('2025-01-01T10:00:00Z');
  });

  it.each([
    ['Succeeded', true],
    ['Failed', true],
    ['Cancelled', true],
    ['Running', false],
    ['Queued', false],
    ['Pending', false],
    [undefined, false],
    [null, false],
  ])('isFinishedPhase(%p) is %p', (phase, expected) => expect(isFinishedPhase(phase)).toBe(expected));
});

describe('the closed set of reasons', () => {
  const groups = { JOB_REASONS, JOB_ERROR_REASONS, WORKFLOW_REASONS, POOL_REASONS, SCHEDULE_REASONS };

  it.each(Object.entries(groups))('%s: each name is its own value and a valid condition reason', (_n, group) => {
    for (const [name, value] of Object.entries(group)) {
      expect(value).toBe(name);
      expect(Condition.shape.reason.safeParse(value).success).toBe(true);
      expect(value).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });

  it('holds every group, the scaler reasons among the pool reasons', () => {
    for (const group of Object.values(groups)) expect(REASONS).toMatchObject(group);
    for (const r of SCALE_REASONS) expect(POOL_REASONS).toHaveProperty(r, r);
    expect(REASONS.HealingSuggested).toBe('HealingSuggested');
  });
});
