// The RpaSchedule controller, a CronJob for RpaJobs: creates a job from jobTemplate when a cron time in
// the schedule's time zone is due (job name derived from the time, so a repeat is a no-op), honours
// concurrencyPolicy, startingDeadlineSeconds and suspend, deletes finished jobs beyond the history limits,
// and reports lastScheduleTime, active jobs and the next time.
import { RpaScheduleSpec, API_VERSION, FINISHED_PHASES } from '../../../../api/v1alpha1/index.js';
import { isAlreadyExists, isNotFound } from '../../runtime/api-errors.js';
import { kubeTime, setCondition, type Condition } from '../../runtime/conditions.js';
import type { Reconcile } from '../../runtime/controller.js';
import type { EventInput, EventRecorder } from '../../runtime/events.js';
import type { ObjectKey } from '../../runtime/key.js';
import { done, requeueAfter, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import { patchStatus } from '../../runtime/status.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, CONDITIONS, LABELS } from '../names.js';
import { timeOf, type RpaJobObject, type RpaScheduleObject } from '../objects.js';
import { labelValue } from '../robotpool/deployment.js';
import { statusDelta } from '../status-delta.js';
import { dueTimes, earliestDue, jobsBeyondHistory, scheduledJobName } from './schedule.js';

export interface RpaScheduleControllerDeps {
  clients: KubeClients;
  schedules: KindCache<RpaScheduleObject>;
  jobs: KindCache<RpaJobObject>;
  events: EventRecorder;
  now: () => number;
}

/** The schedule that controls a job, if any (for mapping job events to schedule keys). */
export function owningSchedule(job: RpaJobObject): string | undefined {
  const ref = job.metadata.ownerReferences?.find((o) => o.kind === 'RpaSchedule' && o.controller);
  return ref ? `${job.metadata.namespace}/${ref.name}` : undefined;
}

const isJobFinished = (j: RpaJobObject) => j.status?.phase !== undefined && FINISHED_PHASES.includes(j.status.phase);

export function rpaScheduleReconciler(deps: RpaScheduleControllerDeps): Reconcile {
  const deleteJob = (namespace: string, name: string) =>
    deps.clients.custom.deleteNamespacedCustomObject({ ...crRef('RpaJob', namespace, name), propagationPolicy: 'Background' }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });

  /** Creates the job of the run at `at`; false when it existed already (a repeat of this reconcile). */
  async function createJob(s: RpaScheduleObject, template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: unknown }, at: number, name: string): Promise<boolean> {
    const body = {
      apiVersion: API_VERSION,
      kind: 'RpaJob',
      metadata: {
        name,
        namespace: s.metadata.namespace,
        labels: { ...template.metadata?.labels, [LABELS.schedule]: labelValue(s.metadata.name) },
        annotations: { ...template.metadata?.annotations, [ANNOTATIONS.scheduledAt]: kubeTime(new Date(at)) },
        ownerReferences: [{ apiVersion: API_VERSION, kind: 'RpaSchedule', name: s.metadata.name, uid: s.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: template.spec,
    };
    try {
      await deps.clients.custom.createNamespacedCustomObject({ ...crRef('RpaJob', s.metadata.namespace, name), body });
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return false;
    }
  }

  return async (key: ObjectKey): Promise<ReconcileResult> => {
    const s = deps.schedules.get(key.namespace, key.name);
    if (!s || s.metadata.deletionTimestamp) return done();
    const now = deps.now();
    const parsed = RpaScheduleSpec.safeParse(s.spec);
    let conditions = (s.status?.conditions ?? []) as Condition[];
    const stamp = { generation: s.metadata.generation, now: new Date(now) };
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
      conditions = setCondition(conditions, { type: CONDITIONS.scheduled, status: 'False', reason: 'Invalid', message }, stamp);
      const delta = statusDelta(s.status as Record<string, unknown> | undefined, { conditions, observedGeneration: s.metadata.generation });
      if (delta) {
        await patchStatus(deps.clients.json, crRef('RpaSchedule', key.namespace, key.name), delta);
        void deps.events.record(s, { type: 'Warning', reason: 'Invalid', message });
      }
      throw new TerminalError(message);
    }
    const spec = parsed.data;
    const children = deps.jobs.list(key.namespace).filter((j) => j.metadata.ownerReferences?.some((o) => o.uid === s.metadata.uid));
    const finished = children.filter(isJobFinished);
    let active = children.filter((j) => !isJobFinished(j) && !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
    const events: EventInput[] = [];

    const beyond = jobsBeyondHistory(
      finished.map((j) => ({ name: j.metadata.name, succeeded: j.status?.phase === 'Succeeded', finishedAt: timeOf(j.status?.completionTime) ?? timeOf(j.metadata.creationTimestamp) ?? 0 })),
      { successful: spec.successfulJobsHistoryLimit, failed: spec.failedJobsHistoryLimit },
    );
    for (const name of beyond) await deleteJob(key.namespace, name);

    let lastScheduleTime = timeOf(s.status?.lastScheduleTime);
    const earliest = earliestDue({ lastScheduleTime, createdAt: timeOf(s.metadata.creationTimestamp) ?? now, startingDeadlineSeconds: spec.startingDeadlineSeconds, now });
    const times = dueTimes({ schedule: spec.schedule, timeZone: spec.timeZone, earliest, now });
    const dueName = times.due === undefined ? undefined : scheduledJobName(s.metadata.name, times.due);
    let scheduled = { status: 'True' as const, reason: 'Scheduling', message: `next run at ${kubeTime(new Date(times.next))}` };
    if (spec.suspend) {
      scheduled = { status: 'True', reason: 'ScheduleSuspended', message: 'the schedule is suspended: no jobs are created' };
    } else if (dueName !== undefined && children.some((j) => j.metadata.name === dueName)) {
      // This run's job exists: an earlier reconcile started it and its status write is not in our cache
      // yet. Not a concurrent run to skip or replace.
      lastScheduleTime = times.due;
    } else if (times.due !== undefined) {
      if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
        // lastScheduleTime stays: the run starts late if the active job ends within the starting deadline.
        events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: `skipped the run of ${kubeTime(new Date(times.due))}: ${active.join(', ')} still active (concurrencyPolicy Forbid)` });
      } else {
        if (spec.concurrencyPolicy === 'Replace' && active.length > 0) {
          for (const name of active) await deleteJob(key.namespace, name);
          events.push({ type: 'Normal', reason: 'JobReplaced', message: `deleted ${active.join(', ')} to start the run of ${kubeTime(new Date(times.due))} (concurrencyPolicy Replace)` });
          active = [];
        }
        const name = dueName!;
        if (await createJob(s, spec.jobTemplate, times.due, name))
          events.push({ type: 'Normal', reason: 'JobCreated', message: `created RpaJob ${name} for ${kubeTime(new Date(times.due))}` });
        if (!active.includes(name)) active = [...active, name];
        lastScheduleTime = times.due;
      }
    }
    conditions = setCondition(conditions, { type: CONDITIONS.scheduled, ...scheduled }, stamp);
    const succeededAt = finished.filter((j) => j.status?.phase === 'Succeeded').map((j) => timeOf(j.status?.completionTime) ?? 0);
    const lastSuccessful = succeededAt.length > 0 ? Math.max(...succeededAt) : timeOf(s.status?.lastSuccessfulTime);
    const delta = statusDelta(s.status as Record<string, unknown> | undefined, {
      lastScheduleTime: lastScheduleTime !== undefined ? kubeTime(new Date(lastScheduleTime)) : undefined,
      lastSuccessfulTime: lastSuccessful ? kubeTime(new Date(lastSuccessful)) : undefined,
      active: active.sort().map((name) => ({ name, ...(children.find((c) => c.metadata.name === name) ? { uid: children.find((c) => c.metadata.name === name)!.metadata.uid } : {}) })),
      nextScheduleTime: spec.suspend ? null : kubeTime(new Date(times.next)),
      conditions,
      observedGeneration: s.metadata.generation,
    });
    if (delta) await patchStatus(deps.clients.json, crRef('RpaSchedule', key.namespace, key.name), delta);
    for (const e of events) void deps.events.record(s, e);
    return spec.suspend ? done() : requeueAfter(Math.max(50, times.next - now + 50));
  };
}
