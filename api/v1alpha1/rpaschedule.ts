// RpaSchedule: RpaJobs created on a cron schedule, like a CronJob.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { resource, statusBase, timestamp } from './common.js';
import { withCel } from './rules.js';
import { RpaJobTemplateSpec } from './rpajob.js';
import { boundedRecord, boundedString } from './bounds.js';

const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Why a cron expression is unusable, or undefined when it is fine (5 fields or a macro, as CronJob). */
export function cronProblem(expr: string, timeZone?: string): string | undefined {
  const trimmed = expr.trim();
  if (!CRON_MACROS.includes(trimmed) && trimmed.split(/\s+/).length !== 5)
    return 'schedule must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as @daily';
  try {
    CronExpressionParser.parse(trimmed === '@midnight' ? '@daily' : trimmed, timeZone ? { tz: timeZone } : {});
    return undefined;
  } catch (err) {
    return `invalid schedule: ${(err as Error).message}`;
  }
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const CronSchedule = withCel(
  z
    .string()
    .min(1)
    .max(256)
    .superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  [
    {
      rule: "self.matches('^\\\\s*(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9*/,?LW#A-Za-z-]+(\\\\s+[0-9*/,?LW#A-Za-z-]+){4})\\\\s*$')",
      message: 'schedule must have 5 fields (minute hour day-of-month month day-of-week) or be a macro such as @daily',
    },
  ],
);

export const TimeZone = withCel(
  z.string().min(1).max(64).refine(isTimeZone, { message: 'timeZone must be an IANA time zone such as Europe/Berlin' }),
  [
    {
      rule: "self.matches('^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$')",
      message: 'timeZone must be an IANA time zone such as Europe/Berlin',
    },
  ],
);

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;

export const RpaJobTemplate = z.strictObject({
  metadata: z
    .strictObject({
      labels: boundedRecord(boundedString(316), boundedString(63), 64).optional(),
      annotations: boundedRecord(boundedString(316), boundedString(4096), 64).optional(),
    })
    .optional(),
  spec: RpaJobTemplateSpec,
});

export const RpaScheduleSpec = z.strictObject({
  schedule: CronSchedule,
  timeZone: TimeZone.optional(),
  jobTemplate: RpaJobTemplate,
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES).default('Allow'),
  /** A run missed by more than this is skipped. */
  startingDeadlineSeconds: z.int().min(1).max(86400).optional(),
  suspend: z.boolean().default(false),
  successfulJobsHistoryLimit: z.int().min(0).max(100).default(3),
  failedJobsHistoryLimit: z.int().min(0).max(100).default(1),
});
export type RpaScheduleSpec = z.output<typeof RpaScheduleSpec>;
export type RpaScheduleSpecInput = z.input<typeof RpaScheduleSpec>;

export const JobReference = z.strictObject({
  name: boundedString(253),
  uid: boundedString(64).optional(),
});

export const RpaScheduleStatus = z.strictObject({
  ...statusBase,
  lastScheduleTime: timestamp().optional(),
  lastSuccessfulTime: timestamp().optional(),
  /** RpaJobs created by this schedule that have not finished. */
  active: z.array(JobReference).max(100).optional(),
  nextScheduleTime: timestamp().optional(),
});
export type RpaScheduleStatus = z.infer<typeof RpaScheduleStatus>;

export const RpaSchedule = resource('RpaSchedule', RpaScheduleSpec, RpaScheduleStatus);
export type RpaSchedule = z.output<typeof RpaSchedule>;
