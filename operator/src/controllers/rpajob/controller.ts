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
import type { ObjectKey } from '../../runtime/key.js';
import { done, requeueAfter, TerminalError, type ReconcileResult } from '../../runtime/result.js';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { mergePatch } from '../../runtime/status.js';
import { contextFromTraceparent, inSpan, traceparentOf } from '../../tracing.js';
import type { KindCache } from '../cache.js';
import { crRef, type KubeClients } from '../kube.js';
import { ANNOTATIONS, CONDITIONS, QUEUE_FINALIZER } from '../names.js';
import { timeOf, type RpaJobObject, type RpaWorkflowObject } from '../objects.js';
import { Freshest } from '../freshest.js';
import { statusDelta } from '../status-delta.js';
import { followRun, isFinished, jobDeadline, ttlExpiry } from './decide.js';
import { resolveJobWorkflow, type Resolution } from './resolve.js';
import { withdrawQueuedRun } from './withdraw.js';

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
}

type StatusFields = Record<string, unknown>;
const mergePatchHeader = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function rpaJobReconciler(deps: RpaJobControllerDeps): Reconcile {
  const recheckMs = deps.recheckMs ?? 120_000;
  const graceMs = deps.robotPatchGraceMs ?? 5_000;
  const freshest = new Freshest<RpaJobObject>();

  /** Patches the status fields that changed, with the condition updates applied; emits events on condition transitions. */
  async function report(job: RpaJobObject, fields: StatusFields, updates: ConditionUpdate[], events: EventInput[] = []): Promise<void> {
    const now = new Date(deps.now());
    let conditions = (job.status?.conditions ?? []) as Condition[];
    for (const u of updates) conditions = setCondition(conditions, u, { generation: job.metadata.generation, now });
    const delta = statusDelta(job.status as StatusFields | undefined, { ...fields, conditions, observedGeneration: job.metadata.generation });
    if (!delta) return;
    // resourceVersion makes the write conditional: a robot's Running that landed since our read is not overwritten.
    const updated = (await deps.clients.custom.patchNamespacedCustomObjectStatus(
      { ...crRef('RpaJob', job.metadata.namespace, job.metadata.name), body: { metadata: { resourceVersion: job.metadata.resourceVersion }, status: delta } },
      mergePatchHeader,
    )) as RpaJobObject;
    freshest.wrote(updated);
    for (const e of events) void deps.events.record(job, e);
  }

  /** Deleting: remove the queue entry (or ask the robot to stop), then let go. Idempotent. */
  async function finalize(job: RpaJobObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!job.metadata.finalizers?.includes(QUEUE_FINALIZER)) return done();
    const outcome = await deps.producer.cancel(job.metadata.uid, { actor: 'operator/rpajob-finalizer' });
    await mergePatch(deps.clients.custom, crRef('RpaJob', job.metadata.namespace, job.metadata.name), {
      metadata: { finalizers: job.metadata.finalizers.filter((f) => f !== QUEUE_FINALIZER), resourceVersion: job.metadata.resourceVersion },
    }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    ctx.logger.info({ jobId: job.metadata.uid, queueEntry: outcome }, 'released the queue entry of a deleted job');
    return done();
  }

  /** The finalizer (and the trace context of the job's first reconcile) before anything is queued. */
  async function ensureFinalizer(job: RpaJobObject, traceparent: string | undefined): Promise<RpaJobObject> {
    const hasFinalizer = job.metadata.finalizers?.includes(QUEUE_FINALIZER) ?? false;
    const needsTrace = traceparent !== undefined && job.metadata.annotations?.[ANNOTATIONS.traceparent] === undefined;
    if (hasFinalizer && !needsTrace) return job;
    const metadata: Record<string, unknown> = { resourceVersion: job.metadata.resourceVersion };
    if (!hasFinalizer) metadata.finalizers = [...(job.metadata.finalizers ?? []), QUEUE_FINALIZER];
    if (needsTrace) metadata.annotations = { [ANNOTATIONS.traceparent]: traceparent };
    return freshest.wrote(await mergePatch<RpaJobObject>(deps.clients.custom, crRef('RpaJob', job.metadata.namespace, job.metadata.name), { metadata }));
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

  /** No run yet: resolve, validate, snapshot and enqueue. */
  async function enqueue(job: RpaJobObject, resolution: Resolution, traceparent: string | undefined): Promise<ReconcileResult> {
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
        break;
    }
    const { spec, workflow } = resolution;
    const { namespace, name, uid } = job.metadata;
    const deadline = jobDeadline(timeOf(job.metadata.creationTimestamp), spec.activeDeadlineSeconds);
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
        deadline: deadline === undefined ? null : new Date(deadline).toISOString(),
        ...(traceparent ? { traceparent } : {}),
      },
    });
    // The event belongs to the enqueue (exactly one replica's enqueue succeeds), not to the status write.
    if (result.enqueued) void deps.events.record(job, { type: 'Normal', reason: 'Queued', message: `queued on pool ${spec.pool}` });
    const run = await deps.producer.getRun(uid);
    if (!run) throw new Error(`run ${uid} is missing right after enqueue`);
    const phase: JobPhase = job.status?.phase === 'Running' ? 'Running' : 'Queued';
    await report(
      job,
      { phase, queuedAt: kubeTime(new Date(run.createdAt)), workflowDigest: run.workflowDigest },
      [
        { type: CONDITIONS.valid, status: 'True', reason: 'Valid', message: 'the workflow is valid' },
        { type: CONDITIONS.queued, status: 'True', reason: 'Queued', message: `queued on pool ${spec.pool}` },
      ],
    );
    return requeueAfter(Math.min(recheckMs, deadline !== undefined ? Math.max(1, deadline - deps.now()) : recheckMs));
  }

  async function suspend(job: RpaJobObject, run: RunRow | null): Promise<ReconcileResult> {
    if (run && run.state === 'queued' && !(await withdrawQueuedRun(deps.db, { uid: job.metadata.uid }))) return requeueAfter(1000);
    if (run && run.state !== 'queued') return done(); // a robot holds it: suspend applies to waiting jobs only
    const message = 'the job is suspended: it is not queued until spec.suspend is false';
    await report(job, { phase: 'Pending', queuedAt: null }, [{ type: CONDITIONS.queued, status: 'False', reason: 'Suspended', message }], [
      { type: 'Normal', reason: 'Suspended', message },
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
      const run = await deps.producer.getRun(job.metadata.uid);
      if (spec.suspend && (!run || run.state === 'queued')) return suspend(job, run);
      const deadlineMs = jobDeadline(timeOf(job.metadata.creationTimestamp), spec.activeDeadlineSeconds);
      if (run) return syncWithRun(job, run, deadlineMs, ctx);
      if (deadlineMs !== undefined && deps.now() >= deadlineMs) return failPastDeadline(job, {}, ctx);
      return enqueue(job, resolveJobWorkflow(job.spec, (name) => deps.workflows.get(key.namespace, name)), traceparent);
    });
  };
}
