// Pure decisions of the RpaSchedule controller: which cron time is due, the next one, the deterministic
// name of the job for a time, and which finished jobs fall outside the history limits.
import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';

export interface DueTimes {
  /** The latest scheduled time in (earliest, now], if any: a job is due for it. */
  due?: number;
  /** The first scheduled time after now. */
  next: number;
}

function parse(expr: string, at: number, timeZone: string | undefined) {
  const trimmed = expr.trim();
  return CronExpressionParser.parse(trimmed === '@midnight' ? '@daily' : trimmed, { currentDate: new Date(at), ...(timeZone ? { tz: timeZone } : {}) });
}

export function dueTimes(opts: { schedule: string; timeZone?: string; earliest: number; now: number }): DueTimes {
  const next = parse(opts.schedule, opts.now, opts.timeZone).next().getTime();
  // prev() from just after now includes a time equal to now.
  const prev = parse(opts.schedule, opts.now + 1, opts.timeZone).prev().getTime();
  return prev > opts.earliest && prev <= opts.now ? { due: prev, next } : { next };
}

/** The earliest time a missed run may still start: after the last one, within the starting deadline. */
export function earliestDue(opts: { lastScheduleTime?: number; createdAt: number; startingDeadlineSeconds?: number; now: number }): number {
  const since = opts.lastScheduleTime ?? opts.createdAt;
  return opts.startingDeadlineSeconds === undefined ? since : Math.max(since, opts.now - opts.startingDeadlineSeconds * 1000);
}

/** `<schedule>-<minutes since epoch>`, like a CronJob's jobs: the same time always gives the same name. */
export function scheduledJobName(schedule: string, at: number): string {
  const suffix = String(Math.floor(at / 60_000));
  const max = 253 - suffix.length - 1;
  const base = schedule.length <= max ? schedule : `${schedule.slice(0, max - 9)}-${createHash('sha256').update(schedule).digest('hex').slice(0, 8)}`;
  return `${base}-${suffix}`;
}

export interface FinishedJob {
  name: string;
  succeeded: boolean;
  finishedAt: number;
}

/** Finished jobs beyond the history limits, oldest first (successes and failures counted apart). */
export function jobsBeyondHistory(jobs: readonly FinishedJob[], limits: { successful: number; failed: number }): string[] {
  const excess = (list: FinishedJob[], keep: number) =>
    [...list].sort((a, b) => b.finishedAt - a.finishedAt).slice(keep).map((j) => j.name);
  return [...excess(jobs.filter((j) => j.succeeded), limits.successful), ...excess(jobs.filter((j) => !j.succeeded), limits.failed)];
}
