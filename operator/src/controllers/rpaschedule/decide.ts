// The RpaSchedule controller's one decision per reconcile (pure): from the schedule and the jobs it owns,
// the finished jobs to delete (history limits, concurrencyPolicy Replace), the job to create for a due
// cron time, the status to report and when to look again.
import { isFinishedPhase, kubeTime, REASONS, type RpaScheduleSpec } from '../../../../api/v1alpha1/index.js';
import type { EventInput } from '../../runtime/events.js';
import type { StatusReport } from '../../runtime/report.js';
import { done, requeueAfter, type ReconcileResult } from '../../runtime/result.js';
import { CONDITIONS } from '../names.js';
import { timeOf, type RpaJobObject, type RpaScheduleObject } from '../objects.js';
import { dueTimes, earliestDue, jobsBeyondHistory, scheduledJobName } from './schedule.js';

export interface ScheduleWorld {
  schedule: RpaScheduleObject;
  spec: RpaScheduleSpec;
  /** The RpaJobs the schedule owns. */
  children: RpaJobObject[];
  now: number;
}

export interface ScheduleDecision {
  /** Jobs to delete, in order: finished ones beyond the history limits, then active ones a Replace ends. */
  deleteJobs: string[];
  /** The job of a due run; `event` is recorded only when this pass created it (not when it existed). */
  create?: { name: string; at: number; event: EventInput };
  report: StatusReport;
  result: ReconcileResult;
}

const isJobFinished = (j: RpaJobObject) => isFinishedPhase(j.status?.phase);

export function decideSchedule(w: ScheduleWorld): ScheduleDecision {
  const { schedule: s, spec, children, now } = w;
  const finished = children.filter(isJobFinished);
  let active = children.filter((j) => !isJobFinished(j) && !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
  const actionEvents: EventInput[] = [];
  const deleteJobs = jobsBeyondHistory(
    finished.map((j) => ({ name: j.metadata.name, succeeded: j.status?.phase === 'Succeeded', finishedAt: timeOf(j.status?.completionTime) ?? timeOf(j.metadata.creationTimestamp) ?? 0 })),
    { successful: spec.successfulJobsHistoryLimit, failed: spec.failedJobsHistoryLimit },
  );
  let create: ScheduleDecision['create'];

  let lastScheduleTime = timeOf(s.status?.lastScheduleTime);
  const earliest = earliestDue({ lastScheduleTime, createdAt: timeOf(s.metadata.creationTimestamp) ?? now, startingDeadlineSeconds: spec.startingDeadlineSeconds, now });
  const times = dueTimes({ schedule: spec.schedule, timeZone: spec.timeZone, earliest, now });
  const dueName = times.due === undefined ? undefined : scheduledJobName(s.metadata.name, times.due);
  let scheduled = { status: 'True' as const, reason: REASONS.Scheduling as typeof REASONS.Scheduling | typeof REASONS.ScheduleSuspended, message: `next run at ${kubeTime(new Date(times.next))}` };
  if (spec.suspend) {
    scheduled = { status: 'True', reason: REASONS.ScheduleSuspended, message: 'the schedule is suspended: no jobs are created' };
  } else if (dueName !== undefined && children.some((j) => j.metadata.name === dueName)) {
    // This run's job exists: an earlier reconcile started it and its status write is not in our cache
    // yet. Not a concurrent run to skip or replace.
    lastScheduleTime = times.due;
  } else if (times.due !== undefined && dueName !== undefined) {
    const at = kubeTime(new Date(times.due));
    if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      // lastScheduleTime stays: the run starts late if the active job ends within the starting deadline.
      actionEvents.push({ type: 'Normal', reason: REASONS.JobAlreadyActive, message: `skipped the run of ${at}: ${active.join(', ')} still active (concurrencyPolicy Forbid)` });
    } else {
      if (spec.concurrencyPolicy === 'Replace' && active.length > 0) {
        deleteJobs.push(...active);
        actionEvents.push({ type: 'Normal', reason: REASONS.JobReplaced, message: `deleted ${active.join(', ')} to start the run of ${at} (concurrencyPolicy Replace)` });
        active = [];
      }
      create = { name: dueName, at: times.due, event: { type: 'Normal', reason: REASONS.JobCreated, message: `created RpaJob ${dueName} for ${at}` } };
      if (!active.includes(dueName)) active = [...active, dueName];
      lastScheduleTime = times.due;
    }
  }
  const succeededAt = finished.filter((j) => j.status?.phase === 'Succeeded').map((j) => timeOf(j.status?.completionTime) ?? 0);
  const lastSuccessful = succeededAt.length > 0 ? Math.max(...succeededAt) : timeOf(s.status?.lastSuccessfulTime);
  const uidOf = (name: string) => children.find((c) => c.metadata.name === name)?.metadata.uid;
  return {
    deleteJobs,
    ...(create ? { create } : {}),
    report: {
      fields: {
        lastScheduleTime: lastScheduleTime !== undefined ? kubeTime(new Date(lastScheduleTime)) : undefined,
        lastSuccessfulTime: lastSuccessful ? kubeTime(new Date(lastSuccessful)) : undefined,
        active: active.sort().map((name) => ({ name, ...(uidOf(name) ? { uid: uidOf(name) } : {}) })),
        nextScheduleTime: spec.suspend ? null : kubeTime(new Date(times.next)),
      },
      conditions: [{ type: CONDITIONS.scheduled, ...scheduled }],
      actionEvents,
    },
    result: spec.suspend ? done() : requeueAfter(Math.max(50, times.next - now + 50)),
  };
}

/** A spec the schema rejects: Scheduled=False Invalid (and a Warning when that is news); no retry. */
export function invalidScheduleReport(message: string): StatusReport {
  return {
    conditions: [{ type: CONDITIONS.scheduled, status: 'False', reason: REASONS.Invalid, message }],
    events: [{ type: 'Warning', reason: REASONS.Invalid, message }],
  };
}
