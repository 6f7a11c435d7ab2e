// The RpaSchedule controller, a CronJob for RpaJobs: creates a job from jobTemplate when a cron time in
// the schedule's time zone is due (job name derived from the time, so a repeat is a no-op), honours
// concurrencyPolicy, startingDeadlineSeconds and suspend, deletes finished jobs beyond the history limits,
// and reports lastScheduleTime, active jobs and the next time. Read (the schedule and its jobs), decide
// (decide.ts decideSchedule, pure), apply (deletes, the create), report once.
import { RpaScheduleSpec, API_VERSION, kubeTime } from '../../../../api/v1alpha1/index.js';
import { issuesText } from '../../../../api/zod-issues.js';
import { isAlreadyExists, isNotFound } from '../../runtime/api-errors.js';
import type { Reconcile, ReconcileContext } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { ObjectKey } from '../../runtime/key.js';
import { reportStatus } from '../../runtime/report.js';
import { done, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, LABELS } from '../names.js';
import type { RpaJobObject, RpaScheduleObject } from '../objects.js';
import { labelValue } from '../robotpool/deployment.js';
import { decideSchedule, invalidScheduleReport } from './decide.js';

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

export function rpaScheduleReconciler(deps: RpaScheduleControllerDeps): Reconcile {
  const reporting = { api: deps.clients.json, events: deps.events, now: deps.now };
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

  return async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const s = deps.schedules.get(key.namespace, key.name);
    if (!s || s.metadata.deletionTimestamp) return done();
    const ref = crRef('RpaSchedule', key.namespace, key.name);
    const parsed = RpaScheduleSpec.safeParse(s.spec);
    if (!parsed.success) {
      const message = issuesText(parsed.error.issues, { under: 'spec' });
      await reportStatus(reporting, s, ref, invalidScheduleReport(message), { signal: ctx.signal });
      throw new TerminalError(message);
    }
    // Read, decide.
    const children = deps.jobs.list(key.namespace).filter((j) => j.metadata.ownerReferences?.some((o) => o.uid === s.metadata.uid));
    const d = decideSchedule({ schedule: s, spec: parsed.data, children, now: deps.now() });
    // Apply.
    for (const name of d.deleteJobs) await deleteJob(key.namespace, name);
    const created = d.create ? await createJob(s, parsed.data.jobTemplate, d.create.at, d.create.name) : false;
    // Report.
    await reportStatus(reporting, s, ref, created && d.create ? { ...d.report, actionEvents: [...(d.report.actionEvents ?? []), d.create.event] } : d.report, {
      signal: ctx.signal,
    });
    return d.result;
  };
}
