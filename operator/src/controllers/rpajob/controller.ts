// The RpaJob controller: a finalizer first, then the job follows its run row. Without a run it resolves
// and validates the workflow, snapshots it into the queue payload and enqueues it (idempotent by UID);
// with one it shows Queued, enforces the deadline, and adopts the outcome if the robot's patch was lost.
// Finished jobs are deleted after their TTL; deleting a job removes (or cancels) its queue entry.
// Each pass reads (job, run row), decides (decide.ts decideJob, pure), applies the one action, and
// reports the status with one patch.
import type { Tracer } from '@opentelemetry/api';
import type pg from 'pg';
import { workflowDigest, type Producer } from '../../../../api/queue/index.js';
import { isNotFound } from '../../runtime/api-errors.js';
import type { Reconcile, ReconcileContext } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { InformerEvent } from '../../runtime/informer.js';
import { objectKey, type ObjectKey } from '../../runtime/key.js';
import { reportStatus } from '../../runtime/report.js';
import { done, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import { mergePatch } from '../../runtime/status.js';
import { contextFromTraceparent, inSpan, traceparentOf } from '../../tracing.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, RPAJOB_FINALIZER } from '../names.js';
import { timeOf, type RpaJobObject, type RpaWorkflowObject } from '../objects.js';
import { Freshest } from '../freshest.js';
import { purgeJobRows } from '../../retention/purge-job.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { afterEnqueue, afterResume, afterSuspendRequest, decideJob, followTheRun, needsRunRow, jobDeadline, purgesRowsOnDelete, type JobDecision, type JobWorld, type Resolved } from './decide.js';
import { resolveJobWorkflow, type Resolution } from './resolve.js';
import { createEnqueueBatcher } from './enqueue-batch.js';

export interface RpaJobControllerDeps {
  clients: KubeClients;
  jobs: KindCache<RpaJobObject>;
  workflows: KindCache<RpaWorkflowObject>;
  producer: Producer;
  db: pg.Pool;
  events: EventRecorder;
  tracer: Tracer;
  now: () => number;
  /** How often a live job is compared with its run row (lost robot patches). Default 120 s. */
  recheckMs?: number;
  /** How long after a run finished the robot's own status patch may still arrive. Default 5 s. */
  robotPatchGraceMs?: number;
  /** The controller's own writes (shared with `jobKeysOf`, which skips their watch echoes). */
  writes?: Freshest<RpaJobObject>;
  /** DBOS's schema, for the rows of a job deleted after its TTL. Default `dbos`. */
  dbosSchema?: string;
  metrics?: OperatorMetrics;
  /** A Normal `Queued` Event per queued job besides the Queued condition (one more API write each). Default false. */
  queuedEvents?: boolean;
}

/**
 * The work-queue keys an RpaJob watch event concerns: its own, except for the echo of our own write,
 * which the pass that wrote it has already handled (it saves one reconcile, one query, per write).
 */
export function jobKeysOf(writes: Freshest<RpaJobObject>): (job: RpaJobObject, event: InformerEvent) => string[] {
  return (job, event) => (event === 'update' && writes.isEcho(job) ? [] : [objectKey(job)]);
}

export function rpaJobReconciler(deps: RpaJobControllerDeps): Reconcile {
  const recheckMs = deps.recheckMs ?? 120_000;
  const graceMs = deps.robotPatchGraceMs ?? 5_000;
  const freshest = deps.writes ?? new Freshest<RpaJobObject>();
  const reporting = { api: deps.clients.json, events: deps.events, now: deps.now };
  const ref = (job: RpaJobObject) => crRef('RpaJob', job.metadata.namespace, job.metadata.name);
  // Concurrent passes share one enqueue statement (enqueue-batch.ts).
  const enqueueRun = createEnqueueBatcher({ db: deps.db });
  const queuedEvent = deps.queuedEvents ?? false;

  /** Deleting: remove the queue entry (or ask the robot to stop), then let go. Idempotent. */
  async function finalize(job: RpaJobObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!job.metadata.finalizers?.includes(RPAJOB_FINALIZER)) return done();
    const outcome = await deps.producer.cancel(job.metadata.uid, { actor: 'operator/rpajob-finalizer' });
    const spec = (job.spec ?? {}) as { ttlSecondsAfterFinished?: number; maxAttempts?: number };
    if (purgesRowsOnDelete(job, spec.ttlSecondsAfterFinished, deps.now())) {
      // Before the finalizer comes off: a crash in between repeats it (idempotent), it is never skipped.
      const purged = await purgeJobRows(deps.db, { uid: job.metadata.uid, namespace: job.metadata.namespace, maxAttempts: spec.maxAttempts ?? 1, dbosSchema: deps.dbosSchema });
      ctx.logger.info({ jobUid: job.metadata.uid, rows: purged }, 'deleted the database rows of a job past its ttlSecondsAfterFinished');
      deps.metrics?.retentionRowsPruned.inc({ kind: 'job' }, purged.runs + purged.healing + purged.audit + purged.workflows);
    }
    await mergePatch(
      deps.clients.json,
      ref(job),
      { metadata: { finalizers: job.metadata.finalizers.filter((f) => f !== RPAJOB_FINALIZER), resourceVersion: job.metadata.resourceVersion } },
      { signal: ctx.signal },
    ).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    ctx.logger.info({ jobUid: job.metadata.uid, queueEntry: outcome }, 'released the queue entry of a deleted job');
    return done();
  }

  /** The finalizer (and the trace context of the job's first reconcile) before anything is queued. */
  async function ensureFinalizer(job: RpaJobObject, traceparent: string | undefined, signal: AbortSignal): Promise<RpaJobObject> {
    const hasFinalizer = job.metadata.finalizers?.includes(RPAJOB_FINALIZER) ?? false;
    const needsTrace = traceparent !== undefined && job.metadata.annotations?.[ANNOTATIONS.traceparent] === undefined;
    if (hasFinalizer && !needsTrace) return job;
    const metadata: Record<string, unknown> = { resourceVersion: job.metadata.resourceVersion };
    if (!hasFinalizer) metadata.finalizers = [...(job.metadata.finalizers ?? []), RPAJOB_FINALIZER];
    if (needsTrace) metadata.annotations = { [ANNOTATIONS.traceparent]: traceparent };
    return freshest.wrote(await mergePatch<RpaJobObject>(deps.clients.json, ref(job), { metadata }, { signal }));
  }

  /** The queue payload of a job: its resolved workflow snapshotted with params, bindings and limits. */
  function enqueue(job: RpaJobObject, { spec, workflow, calls }: Resolved, traceparent: string | undefined) {
    const deadlineMs = jobDeadline(timeOf(job.metadata.creationTimestamp), spec.activeDeadlineSeconds);
    const { namespace, name, uid } = job.metadata;
    return enqueueRun({
      payload: {
        version: 1,
        uid,
        namespace,
        name,
        pool: spec.pool,
        workflow,
        ...(Object.keys(calls).length > 0 && { calls }),
        ...(spec.workflowRef ? { workflowRef: { name: spec.workflowRef.name } } : {}),
        workflowDigest: workflowDigest(workflow),
        params: spec.params ?? {},
        credentials: spec.credentials ?? {},
        priority: spec.priority,
        maxAttempts: spec.maxAttempts,
        maxCrashes: spec.maxCrashes,
        retryFrom: spec.retry?.from ?? 'failedStep',
        deadline: deadlineMs === undefined ? null : new Date(deadlineMs).toISOString(),
        ...(traceparent ? { traceparent } : {}),
      },
    });
  }

  /** Applies the decision's action; an action whose outcome shapes the status returns the decision after it. */
  async function apply(w: JobWorld, d: JobDecision, traceparent: string | undefined): Promise<JobDecision> {
    const uid = w.job.metadata.uid;
    const actor = 'operator/rpajob';
    switch (d.action.kind) {
      case 'none':
      case 'delete': // after the report
        return d;
      case 'enqueue': {
        const { enqueued, run } = await enqueue(w.job, d.action.resolved, traceparent);
        // Queued by this pass: two columns of the run suffice; queued before: the job follows that run.
        const found = <T>(row: T | null): T => {
          if (row === null) throw new Error(`run ${uid} is missing right after enqueue`);
          return row;
        };
        if (enqueued) return afterEnqueue(w, d.action.resolved.spec.pool, found(run), { event: queuedEvent });
        return followTheRun(w, found(await deps.producer.getRun(uid)));
      }
      case 'cancel':
        await deps.producer.cancel(uid, { actor: 'operator/deadline' });
        return d;
      case 'requestSuspend':
        return afterSuspendRequest(d.action.first, await deps.producer.requestSuspend(uid, { actor }));
      case 'resume':
        return afterResume(w, (await deps.producer.resume(uid, { actor })) === 'resumed');
      case 'withdrawSuspendRequest':
        await deps.producer.resume(uid, { actor });
        return d;
    }
  }

  /** The finished job's TTL passed. */
  async function deleteJob(job: RpaJobObject): Promise<void> {
    await deps.clients.custom.deleteNamespacedCustomObject({ ...ref(job), propagationPolicy: 'Background' }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  return async (key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const inCache = deps.jobs.get(key.namespace, key.name);
    if (!inCache) return done();
    const cached = freshest.resolve(inCache);
    if (cached.metadata.deletionTimestamp) {
      freshest.forget(cached.metadata.uid);
      return finalize(cached, ctx);
    }
    const parent = contextFromTraceparent(cached.metadata.annotations?.[ANNOTATIONS.traceparent]);
    const attributes = { 'aether.job.namespace': key.namespace, 'aether.job.name': key.name, 'aether.run_uid': cached.metadata.uid };
    return inSpan(deps.tracer, 'reconcile RpaJob', { parent, attributes }, async (span) => {
      // Read.
      const traceparent = traceparentOf(span);
      const job = await ensureFinalizer(cached, traceparent, ctx.signal);
      let resolution: Resolution | undefined;
      const known = {
        job,
        spec: (job.spec ?? {}) as JobWorld['spec'],
        now: deps.now(),
        resolve: () => (resolution ??= resolveJobWorkflow(job.spec, (name) => deps.workflows.get(key.namespace, name))),
        recheckMs,
        jitter: Math.random() * 0.2,
        graceMs,
      };
      const world: JobWorld = { ...known, run: needsRunRow(known) ? await deps.producer.getRun(job.metadata.uid) : 'unread' };
      // Decide, apply.
      const decision = await apply(world, decideJob(world), traceparent);
      if (decision.log) ctx.logger.info({ jobUid: job.metadata.uid, ...decision.log.fields }, decision.log.message);
      // Report: one status write. resourceVersion makes it conditional: a robot's Running that landed
      // since our read is not overwritten.
      if (decision.report) {
        const updated = await reportStatus(reporting, job, ref(job), decision.report, { ifUnchangedSince: job.metadata.resourceVersion, signal: ctx.signal });
        if (updated) freshest.wrote(updated);
      }
      if (decision.action.kind === 'delete') await deleteJob(job);
      if (decision.terminal !== undefined) throw new TerminalError(decision.terminal);
      return decision.result;
    });
  };
}
