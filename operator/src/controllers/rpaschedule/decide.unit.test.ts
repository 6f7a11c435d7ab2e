import { describe, expect, it } from '@jest/globals';
import { RpaScheduleSpec } from '../../../../api/v1alpha1/index.js';
import type { RpaJobObject, RpaScheduleObject } from '../objects.js';
import { decideSchedule, invalidScheduleReport, type ScheduleWorld } from './decide.js';
import { scheduledJobName } from './schedule.js';

const t = (iso: string) => new Date(iso).getTime();
const schedule = (status: RpaScheduleObject['status'] = undefined): RpaScheduleObject => ({
  apiVersion: 'rpa.aether.dev/v1alpha1',
  kind: 'RpaSchedule',
  metadata: { name: 's', namespace: 'ns', uid: 'su', generation: 1, creationTimestamp: '2026-01-01T09:00:00Z' as unknown as Date },
  ...(status ? { status } : {}),
});
const spec = (over: Record<string, unknown> = {}) =>
  RpaScheduleSpec.parse({ schedule: '0 * * * *', jobTemplate: { spec: { pool: 'p', workflowRef: { name: 'w' } } }, ...over });
const job = (name: string, phase?: 'Running' | 'Succeeded' | 'Failed', completionTime?: string): RpaJobObject => ({
  apiVersion: 'rpa.aether.dev/v1alpha1',
  kind: 'RpaJob',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: '2026-01-01T09:00:00Z' as unknown as Date },
  ...(phase ? { status: { phase, ...(completionTime ? { completionTime } : {}) } } : {}),
});
const due = t('2026-01-01T10:00:00Z');
const dueName = scheduledJobName('s', due);
const world = (over: Partial<ScheduleWorld>): ScheduleWorld => ({ schedule: schedule(), spec: spec(), children: [], now: t('2026-01-01T10:00:30Z'), ...over });

describe('decideSchedule: the schedule and its jobs → deletes, create, status', () => {
  it.each<[string, Partial<ScheduleWorld>, { create: boolean; deletes: string[]; events: string[]; active: string[]; reason: string; last?: string }]>([
    ['a due run: create its job', {}, { create: true, deletes: [], events: [], active: [dueName], reason: 'Scheduling', last: '2026-01-01T10:00:00Z' }],
    ['nothing due', { now: t('2026-01-01T09:30:00Z') }, { create: false, deletes: [], events: [], active: [], reason: 'Scheduling' }],
    ['suspended: nothing is created', { spec: spec({ suspend: true }) }, { create: false, deletes: [], events: [], active: [], reason: 'ScheduleSuspended' }],
    [
      "the run's job exists already (its status not in the cache yet): nothing more",
      { children: [job(dueName)] },
      { create: false, deletes: [], events: [], active: [dueName], reason: 'Scheduling', last: '2026-01-01T10:00:00Z' },
    ],
    ['Forbid with an active job: skip the run', { spec: spec({ concurrencyPolicy: 'Forbid' }), children: [job('old', 'Running')] }, { create: false, deletes: [], events: ['JobAlreadyActive'], active: ['old'], reason: 'Scheduling' }],
    [
      'Replace with an active job: delete it, create the new one',
      { spec: spec({ concurrencyPolicy: 'Replace' }), children: [job('old', 'Running')] },
      { create: true, deletes: ['old'], events: ['JobReplaced'], active: [dueName], reason: 'Scheduling', last: '2026-01-01T10:00:00Z' },
    ],
    [
      'finished jobs beyond the history limit are deleted, oldest first',
      {
        spec: spec({ successfulJobsHistoryLimit: 1 }),
        now: t('2026-01-01T09:30:00Z'),
        children: [job('a', 'Succeeded', '2026-01-01T09:10:00Z'), job('b', 'Succeeded', '2026-01-01T09:20:00Z')],
      },
      { create: false, deletes: ['a'], events: [], active: [], reason: 'Scheduling' },
    ],
  ])('%s', (_n, over, expected) => {
    const d = decideSchedule(world(over));
    expect(d.create?.name).toBe(expected.create ? dueName : undefined);
    expect(d.deleteJobs).toEqual(expected.deletes);
    expect((d.report.actionEvents ?? []).map((e) => e.reason)).toEqual(expected.events);
    expect((d.report.fields?.active as Array<{ name: string }>).map((a) => a.name)).toEqual(expected.active);
    expect(d.report.conditions?.[0]).toMatchObject({ type: 'Scheduled', status: 'True', reason: expected.reason });
    expect(d.report.fields?.lastScheduleTime).toBe(expected.last);
  });

  it('the created job has its Event ready for when the create succeeds; the next run is the requeue', () => {
    const d = decideSchedule(world({}));
    expect(d.create?.event).toEqual({ type: 'Normal', reason: 'JobCreated', message: `created RpaJob ${dueName} for 2026-01-01T10:00:00Z` });
    expect(d.report.fields?.nextScheduleTime).toBe('2026-01-01T11:00:00Z');
    expect(d.result).toEqual({ type: 'requeueAfter', afterMs: t('2026-01-01T11:00:00Z') - t('2026-01-01T10:00:30Z') + 50 });
  });

  it('a suspended schedule has no next time and is not requeued', () => {
    const d = decideSchedule(world({ spec: spec({ suspend: true }) }));
    expect(d.report.fields?.nextScheduleTime).toBeNull();
    expect(d.result).toEqual({ type: 'done' });
  });

  it('active jobs carry their uid when the cache has them; the last success is reported', () => {
    const d = decideSchedule(world({ now: t('2026-01-01T09:30:00Z'), children: [job('r', 'Running'), job('ok', 'Succeeded', '2026-01-01T09:10:00Z')] }));
    expect(d.report.fields?.active).toEqual([{ name: 'r', uid: 'uid-r' }]);
    expect(d.report.fields?.lastSuccessfulTime).toBe('2026-01-01T09:10:00Z');
  });

  it('an invalid spec: Scheduled=False Invalid with a Warning', () => {
    const r = invalidScheduleReport('spec.schedule: bad');
    expect(r.conditions).toEqual([{ type: 'Scheduled', status: 'False', reason: 'Invalid', message: 'spec.schedule: bad' }]);
    expect(r.events?.map((e) => e.reason)).toEqual(['Invalid']);
  });
});
