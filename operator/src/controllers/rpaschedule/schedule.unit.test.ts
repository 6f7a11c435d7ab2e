import { describe, expect, it } from '@jest/globals';
import { dueTimes, earliestDue, jobsBeyondHistory, scheduledJobName } from './schedule.js';

const t = (iso: string) => new Date(iso).getTime();

describe('dueTimes', () => {
  it.each<[string, { schedule: string; timeZone?: string; earliest: string; now: string }, { due?: string; next: string }]>([
    ['nothing due yet', { schedule: '*/5 * * * *', earliest: '2026-01-01T10:01:00Z', now: '2026-01-01T10:03:00Z' }, { next: '2026-01-01T10:05:00Z' }],
    ['a time passed since earliest', { schedule: '*/5 * * * *', earliest: '2026-01-01T10:01:00Z', now: '2026-01-01T10:06:10Z' }, { due: '2026-01-01T10:05:00Z', next: '2026-01-01T10:10:00Z' }],
    ['exactly at the time', { schedule: '*/5 * * * *', earliest: '2026-01-01T10:01:00Z', now: '2026-01-01T10:05:00Z' }, { due: '2026-01-01T10:05:00Z', next: '2026-01-01T10:10:00Z' }],
    ['several missed: only the latest is due', { schedule: '* * * * *', earliest: '2026-01-01T10:00:00Z', now: '2026-01-01T10:07:30Z' }, { due: '2026-01-01T10:07:00Z', next: '2026-01-01T10:08:00Z' }],
    ['the time already run is not due again', { schedule: '0 * * * *', earliest: '2026-01-01T10:00:00Z', now: '2026-01-01T10:30:00Z' }, { next: '2026-01-01T11:00:00Z' }],
    ['in a time zone', { schedule: '0 9 * * *', timeZone: 'Europe/Berlin', earliest: '2026-01-01T00:00:00Z', now: '2026-01-01T08:30:00Z' }, { due: '2026-01-01T08:00:00Z', next: '2026-01-02T08:00:00Z' }],
    ['a macro', { schedule: '@midnight', earliest: '2026-01-01T00:00:00Z', now: '2026-01-01T12:00:00Z' }, { next: '2026-01-02T00:00:00Z' }],
  ])('%s', (_name, input, expected) => {
    const got = dueTimes({ schedule: input.schedule, timeZone: input.timeZone, earliest: t(input.earliest), now: t(input.now) });
    expect(got).toEqual({ ...(expected.due ? { due: t(expected.due) } : {}), next: t(expected.next) });
  });
});

describe('earliestDue', () => {
  it.each<[string, Parameters<typeof earliestDue>[0], number]>([
    ['since creation', { createdAt: 1000, now: 50_000 }, 1000],
    ['since the last run', { lastScheduleTime: 9000, createdAt: 1000, now: 50_000 }, 9000],
    ['the starting deadline cuts off older misses', { lastScheduleTime: 9000, createdAt: 1000, startingDeadlineSeconds: 10, now: 50_000 }, 40_000],
    ['a deadline longer than the gap changes nothing', { lastScheduleTime: 45_000, createdAt: 1000, startingDeadlineSeconds: 10, now: 50_000 }, 45_000],
  ])('%s', (_n, input, expected) => expect(earliestDue(input)).toBe(expected));
});

describe('scheduledJobName', () => {
  it('is the schedule name and the minutes since the epoch', () => {
    expect(scheduledJobName('nightly', t('2026-01-01T00:00:00Z'))).toBe(`nightly-${t('2026-01-01T00:00:00Z') / 60_000}`);
  });
  it('the same time always gives the same name; a long name is shortened with a hash', () => {
    const long = 'x'.repeat(260);
    const a = scheduledJobName(long, 120_000);
    expect(a).toBe(scheduledJobName(long, 120_000));
    expect(a.length).toBeLessThanOrEqual(253);
    expect(a.endsWith('-2')).toBe(true);
  });
});

describe('jobsBeyondHistory', () => {
  const jobs = [
    { name: 's1', succeeded: true, finishedAt: 1 },
    { name: 's2', succeeded: true, finishedAt: 2 },
    { name: 's3', succeeded: true, finishedAt: 3 },
    { name: 'f1', succeeded: false, finishedAt: 1 },
    { name: 'f2', succeeded: false, finishedAt: 2 },
  ];
  it.each<[string, { successful: number; failed: number }, string[]]>([
    ['keeps the newest of each', { successful: 2, failed: 1 }, ['s1', 'f1']],
    ['zero keeps none', { successful: 0, failed: 0 }, ['s3', 's2', 's1', 'f2', 'f1']],
    ['limits above the count delete nothing', { successful: 5, failed: 5 }, []],
  ])('%s', (_n, limits, expected) => expect(jobsBeyondHistory(jobs, limits)).toEqual(expected));
});
