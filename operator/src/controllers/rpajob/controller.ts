// The RpaJob controller: a finalizer first, then the job follows its run row. Without a run it resolves
// and validates the workflow, snapshots it into the queue payload and enqueues it (idempotent by UID);
// with one it shows Queued, enforces the deadline, and adopts the outcome if the robot's patch was lost.
// Finished jobs are deleted after their TTL; deleting a job removes (or cancels) its queue entry.
import type { Tracer } from '@opentelemetry/api';
import type pg from 'pg';
import { workflowDigest, type Producer, type RunRow } from '../../../../api/queue/index.js';
import type { JobPhase } from '../../../../api/v1alpha1/index.js';
import { isNotFound } from '../../runtime/api-errors.js';
import { kubeTime, setCondition, type Condition, type ConditionUpdate } from '../../runtime/conditions.js';
import type { Reconcile, ReconcileContext } from '../../runtime/controller.js';
import type { EventInput, EventRecorder } from '../../runtime/events.js';
import type { InformerEvent } from '../../runtime/informer.js';
import { objectKey, type ObjectKey } from '../../runtime/key.js';
import { done, requeueAfter, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import { mergePatch, patchStatus } from '../../runtime/status.js';
import { contextFromTraceparent, inSpan, traceparentOf } from '../../tracing.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, CONDITIONS, RPAJOB_FINALIZER, REASONS } from '../names.js';
import { timeOf, type RpaJobObject, type RpaWorkflowObject } from '../objects.js';
import { Freshest } from '../freshest.js';
import { statusDelta } from '../status-delta.js';
import { followRun, isFinished, jobDeadline, suspensionStep, ttlExpiry, type SuspensionStep } from './decide.js';
import { resolveJobWorkflow, type Resolution } from './resolve.js';
import { queuedRecord } from './sql.js';

type Resolved = Extract<Resolution, { kind: 'ok' }>;

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
}

/**
 * The work-queue keys an RpaJob watch event concerns: its own, except for the echo of our own write,
 * which the pass that wrote it has already handled (it saves one reconcile, one query, per write).
 */
export function jobKeysOf(writes: Freshest<RpaJobObject>): (job: RpaJobObject, event: InformerEvent) => string[] {
  return (job, event) => (event === 'update' && writes.isEcho(job) ? [] : [objectKey(job)]);
}

type StatusFields = Record<string, unknown>;

export function rpaJobReconciler(deps: RpaJobControllerDeps): Reconcile {
  const recheckMs = deps.recheckMs ?? 120_000;
  const graceMs = deps.robotPatchGraceMs ?? 5_000;
  const freshest = deps.writes ?? new Freshest<RpaJobObject>();

  /** Patches the status fields that changed, with the condition updates applied; emits events on condition transitions. */
  async function report(job: RpaJobObject, fields: StatusFields, updates: ConditionUpdate[], events: EventInput[] = []): Promise<void> {
    const now = new Date(deps.now());
    let conditions = (job.status?.conditions ?? []) as Condition[];
    for (const u of updates) conditions = setCondition(conditions, u, { generation: job.metadata.generation, now });
    const delta = statusDelta(job.status as StatusFields | undefined, { ...fields, conditions, observedGeneration: job.metadata.generation });
    if (!delta) return;
    // resourceVersion makes the write conditional: a robot's Running that landed since our read is not overwritten.
    const updated = await patchStatus<RpaJobObject>(deps.clients.json, crRef('RpaJob', job.metadata.namespace, job.metadata.name), delta, {
      resourceVersion: job.metadata.resourceVersion,
    });
    freshest.wrote(updated);
    for (const e of events) void deps.events.record(job, e);
  }

  /** Deleting: remove the queue entry (or ask the robot to stop), then let go. Idempotent. */
  async function finalize(job: RpaJobObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!job.metadata.finalizers?.includes(RPAJOB_FINALIZER)) return done();
    const outcome = await deps.producer.cancel(job.metadata.uid, { actor: 'operator/rpajob-finalizer' });
    await mergePatch(deps.clients.json, crRef('RpaJob', job.metadata.namespace, job.metadata.name), {
      metadata: { finalizers: job.metadata.finalizers.filter((f) => f !== RPAJOB_FINALIZER), resourceVersion: job.metadata.resourceVersion },
    }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    ctx.logger.info({ jobId: job.metadata.uid, queueEntry: outcome }, 'released the queue entry of a deleted job');
    return done();
  }

  /** The finalizer (and the trace context of the job's first reconcile) before anything is queued. */
  async function ensureFinalizer(job: RpaJobObject, traceparent: string | undefined): Promise<RpaJobObject> {
    const hasFinalizer = job.metadata.finalizers?.includes(RPAJOB_FINALIZER) ?? false;
    const needsTrace = traceparent !== undefined && job.metadata.annotations?.[ANNOTATIONS.traceparent] === undefined;
    if (hasFinalizer && !needsTrace) return job;
    const metadata: Record<string, unknown> = { resourceVersion: job.metadata.resourceVersion };
    if (!hasFinalizer) metadata.finalizers = [...(job.metadata.finalizers ?? []), RPAJOB_FINALIZER];
    if (needsTrace) metadata.annotations = { [ANNOTATIONS.traceparent]: traceparent };
    return freshest.wrote(await mergePatch<RpaJobObject>(deps.clients.json, crRef('RpaJob', job.metadata.namespace, job.metadata.name), { metadata }));
  }

  const finishedUpdate = (reason: string, message: string): ConditionUpdate => ({
    type: CONDITIONS.finished,
    status: 'True',
    reason,
    message,
  });

  /** A finished job: the Finished condition (and its Event) once, then deletion after the TTL. */
  async function afterFinish(job: RpaJobObject, spec: { ttlSecondsAfterFinished?: number }): Promise<ReconcileResult> {
    const phase = job.status!.phase!;
    const existing = job.status?.conditions?.find((c) => c.type === CONDITIONS.finished);
    if (!existing) {
      const reason = phase === 'Failed' && job.status?.error?.reason === 'DeadlineExceeded' ? 'DeadlineExceeded' : phase;
      const message = job.status?.error?.message ? `${phase}: ${job.status.error.message}` : `the job ${phase.toLowerCase()}`;
      await report(job, {}, [finishedUpdate(reason, message)], [{ type: phase === 'Succeeded' ? 'Normal' : 'Warning', reason, message }]);
    }
    const finishedAt = timeOf(job.status?.completionTime) ?? timeOf(existing?.lastTransitionTime) ?? deps.now();
    const expiry = ttlExpiry(finishedAt, spec.ttlSecondsAfterFinished);
    if (expiry === undefined) return done();
    if (expiry > deps.now()) return requeueAfter(expiry - deps.now() + 50);
    await deps.clients.custom
      .deleteNamespacedCustomObject({ ...crRef('RpaJob', job.metadata.namespace, job.metadata.name), propagationPolicy: 'Background' })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    return done();
  }

  /** Past activeDeadlineSeconds: cancel the run (if any) and fail the job. */
  async function failPastDeadline(job: RpaJobObject, base: StatusFields, ctx: ReconcileContext): Promise<ReconcileResult> {
    await deps.producer.cancel(job.metadata.uid, { actor: 'operator/deadline' });
    const message = `the job did not finish within activeDeadlineSeconds (${String(job.spec?.activeDeadlineSeconds)} s)`;
    ctx.logger.info({ jobId: job.metadata.uid }, 'failed a job past its deadline');
    await report(
      job,
      { ...base, phase: 'Failed', completionTime: kubeTime(new Date(deps.now())), error: { reason: 'DeadlineExceeded', message } },
      [finishedUpdate('DeadlineExceeded', message)],
      [{ type: 'Warning', reason: 'DeadlineExceeded', message }],
    );
    return requeueAfter(1);
  }

  /** A run exists: keep the job's phase and conditions true to it. */
  async function syncWithRun(job: RpaJobObject, run: RunRow, deadlineMs: number | undefined, ctx: ReconcileContext): Promise<ReconcileResult> {
    const now = deps.now();
    // Jitter spreads the re-checks of many jobs queued at once.
    const step = followRun({ phase: job.status?.phase, run, deadlineMs, now, recheckMs: recheckMs * (1 + Math.random() * 0.2), graceMs });
    const queued: ConditionUpdate = { type: CONDITIONS.queued, status: 'True', reason: 'Queued', message: `queued on pool ${run.pool}` };
    const valid: ConditionUpdate = { type: CONDITIONS.valid, status: 'True', reason: 'Valid', message: 'the workflow is valid' };
    const base = { queuedAt: kubeTime(new Date(run.createdAt)), workflowDigest: run.workflowDigest };
    switch (step.kind) {
      case 'live':
        await report(job, { ...base, phase: step.phase }, [valid, queued]);
        return requeueAfter(step.recheckMs);
      case 'waitForRobot':
        return requeueAfter(step.afterMs);
      case 'inSync':
        return done();
      case 'deadlineExceeded':
        return failPastDeadline(job, base, ctx);
      case 'adoptOutcome': {
        const fields: StatusFields = { ...base, phase: step.phase, completionTime: kubeTime(run.finishedAt ?? new Date(now)) };
        if (step.phase === 'Failed' && run.error && !job.status?.error)
          fields.error = { reason: run.error.code ?? 'StepFailed', message: run.error.message.slice(0, 2000), stepId: run.error.stepId ?? null };
        if (step.phase === 'Succeeded' && run.outputs && job.status?.outputs === undefined && job.status?.outputsRef === undefined)
          fields.outputsRef = `postgres:aether.runs/${run.uid}#outputs`;
        ctx.logger.info({ jobId: job.metadata.uid, phase: step.phase }, "adopted the run's outcome (the robot's status patch was lost)");
        await report(job, fields, []);
        return requeueAfter(1);
      }
    }
  }

  /** No run yet: report why a job cannot be queued, or queue it. */
  async function enqueue(job: RpaJobObject, resolution: Resolution, traceparent: string | undefined, deadlineMs: number | undefined, ctx: ReconcileContext): Promise<ReconcileResult> {
    const pending = job.status?.phase === undefined ? { phase: 'Pending' } : {};
    switch (resolution.kind) {
      case 'invalid':
        await report(job, pending, [{ type: CONDITIONS.valid, status: 'False', reason: resolution.reason, message: resolution.message }], [
          { type: 'Warning', reason: 'Invalid', message: resolution.message },
        ]);
        throw new TerminalError(resolution.message);
      case 'notFound':
      case 'waitForGeneration':
        // The RpaWorkflow informer brings the job back when the workflow appears or changes.
        await report(job, pending, [{ type: CONDITIONS.queued, status: 'False', reason: 'WorkflowNotFound', message: resolution.message }], [
          { type: 'Warning', reason: 'WorkflowNotFound', message: resolution.message },
        ]);
        return done();
      case 'generationMismatch':
        await report(
          job,
          { phase: 'Failed', completionTime: kubeTime(new Date(deps.now())), error: { reason: 'WorkflowGenerationMismatch', message: resolution.message } },
          [
            { type: CONDITIONS.valid, status: 'False', reason: 'WorkflowGenerationMismatch', message: resolution.message },
            finishedUpdate('WorkflowGenerationMismatch', resolution.message),
          ],
          [{ type: 'Warning', reason: 'WorkflowGenerationMismatch', message: resolution.message }],
        );
        return done();
      case 'ok':
        return queueRun(job, resolution, traceparent, deadlineMs, ctx);
    }
  }

  /**
   * Snapshots the resolved workflow into the queue payload and enqueues it (idempotent by UID). When the
   * run already existed (another pass or replica queued it), the job follows that run instead.
   */
  async function queueRun(job: RpaJobObject, resolution: Resolved, traceparent: string | undefined, deadlineMs: number | undefined, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { spec, workflow } = resolution;
    const { namespace, name, uid } = job.metadata;
    const result = await deps.producer.enqueue({
      payload: {
        version: 1,
        uid,
        namespace,
        name,
        pool: spec.pool,
        workflow,
        ...(spec.workflowRef ? { workflowRef: { name: spec.workflowRef.name } } : {}),
        workflowDigest: workflowDigest(workflow),
        params: spec.params ?? {},
        credentials: spec.credentials ?? {},
        priority: spec.priority,
        maxAttempts: spec.maxAttempts,
        deadline: deadlineMs === undefined ? null : new Date(deadlineMs).toISOString(),
        ...(traceparent ? { traceparent } : {}),
      },
    });
    if (!result.enqueued) {
      const run = await deps.producer.getRun(uid);
      if (!run) throw new Error(`run ${uid} is missing right after enqueue`);
      return syncWithRun(job, run, deadlineMs, ctx);
    }
    const run = await queuedRecord(deps.db, { uid });
    if (!run) throw new Error(`run ${uid} is missing right after enqueue`);
    // The event belongs to the enqueue (exactly one replica's enqueue succeeds), not to the status write.
    void deps.events.record(job, { type: 'Normal', reason: 'Queued', message: `queued on pool ${spec.pool}` });
    const phase: JobPhase = job.status?.phase === 'Running' ? 'Running' : 'Queued';
    await report(
      job,
      { phase, queuedAt: kubeTime(new Date(run.createdAt)), workflowDigest: run.workflowDigest },
      [
        { type: CONDITIONS.valid, status: 'True', reason: 'Valid', message: 'the workflow is valid' },
        { type: CONDITIONS.queued, status: 'True', reason: 'Queued', message: `queued on pool ${spec.pool}` },
      ],
    );
    return requeueAfter(Math.min(recheckMs, deadlineMs !== undefined ? Math.max(1, deadlineMs - deps.now()) : recheckMs));
  }

  /**
   * spec.suspend, level-based (decide.ts suspensionStep): a waiting run is withdrawn or parked, a running
   * one parked by its robot at the next step boundary (Running, Queued=False Suspending meanwhile), then
   * the job is Pending with Queued=False Suspended. Back to false: a parked run is queued again (Resumed).
   */
  async function suspend(job: RpaJobObject, step: SuspensionStep, run: RunRow | null): Promise<ReconcileResult> {
    const uid = job.metadata.uid;
    const actor = 'operator/rpajob';
    switch (step.kind) {
      case 'request':
      case 'waitForPark': {
        // Asked again while waiting: the robot is told again, and a job put back in the queue meanwhile
        // (its robot shut down or died) is parked here at once.
        const result = await deps.producer.requestSuspend(uid, { actor });
        if (result === 'finished') return requeueAfter(1); // it ended meanwhile: the next pass follows it
        if (result === 'requested') return showSuspending(job, step.kind === 'request');
        return showSuspended(job, result === 'suspended');
      }
      case 'suspended':
        return showSuspended(job, step.parked);
      case 'resume': {
        const resumed = (await deps.producer.resume(uid, { actor })) === 'resumed';
        const message = `resumed: queued on pool ${run?.pool ?? ''}; a robot goes on where the job stopped`;
        await report(job, { phase: 'Queued' }, [{ type: CONDITIONS.queued, status: 'True', reason: REASONS.Queued, message }], resumed ? [{ type: 'Normal', reason: REASONS.Resumed, message }] : []);
        return requeueAfter(1);
      }
      case 'withdrawRequest':
        await deps.producer.resume(uid, { actor });
        // A robot that already stopped parks the run anyway; the next pass resumes it then.
        return requeueAfter(1000);
    }
  }

  async function showSuspending(job: RpaJobObject, requested: boolean): Promise<ReconcileResult> {
    const message = 'suspending: the robot stops the job at its next step boundary';
    await report(job, {}, [{ type: CONDITIONS.queued, status: 'False', reason: REASONS.Suspending, message }], requested ? [{ type: 'Normal', reason: REASONS.Suspending, message }] : []);
    // The robot parks the run within one step; its status patch (or this poll) brings the job back.
    return requeueAfter(1000);
  }

  async function showSuspended(job: RpaJobObject, parked: boolean): Promise<ReconcileResult> {
    const message = parked
      ? 'the job is suspended: it goes on where it stopped when spec.suspend is false'
      : 'the job is suspended: it is not queued until spec.suspend is false';
    // A withdrawn run is enqueued afresh on resume (queuedAt cleared); a parked one keeps its queue record.
    const fields = parked ? { phase: 'Pending' } : { phase: 'Pending', queuedAt: null };
    await report(job, fields, [{ type: CONDITIONS.queued, status: 'False', reason: REASONS.Suspended, message }], [
      { type: 'Normal', reason: REASONS.Suspended, message },
    ]);
    return done();
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
      const traceparent = traceparentOf(span);
      const job = await ensureFinalizer(cached, traceparent);
      const spec = (job.spec ?? {}) as { suspend?: boolean; activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number };
      if (isFinished(job.status?.phase)) return afterFinish(job, spec);
      const deadlineMs = jobDeadline(timeOf(job.metadata.creationTimestamp), spec.activeDeadlineSeconds);
      const pastDeadline = deadlineMs !== undefined && deps.now() >= deadlineMs;
      let resolution: Resolution | undefined;
      const resolve = () => (resolution ??= resolveJobWorkflow(job.spec, (name) => deps.workflows.get(key.namespace, name)));
      // A job never queued is most likely new: enqueueing first tells whether its run exists (one read fewer).
      if (!job.status?.queuedAt && !spec.suspend && !pastDeadline) {
        const resolved = resolve();
        if (resolved.kind === 'ok') return queueRun(job, resolved, traceparent, deadlineMs, ctx);
      }
      const run = await deps.producer.getRun(job.metadata.uid);
      const suspension = suspensionStep({ suspend: spec.suspend === true, run });
      if (suspension) return suspend(job, suspension, run);
      if (run) return syncWithRun(job, run, deadlineMs, ctx);
      if (pastDeadline) return failPastDeadline(job, {}, ctx);
      return enqueue(job, resolve(), traceparent, deadlineMs, ctx);
    });
  };
}
