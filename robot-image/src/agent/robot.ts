// The robot's job handler: what happens to one claimed run. It reads the job's credentials, runs
// (or takes over) the attempt on the engine, and reports on the RpaJob as it goes; the queue
// consumer records the outcome in the run row. Before the attempt it reads every credential the job
// binds into the job's redactor (also on a take-over, where the steps that used them ran elsewhere);
// everything that leaves goes through it: status patches, outputs and errors (run row), span
// attributes, screenshot names, and — the redactor joins the process's log filter — log lines.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Tracer } from '@opentelemetry/api';
import type pg from 'pg';
import type { Logger } from '../../../api/log.js';
import { insertScreenshot } from '../../../api/queue/sql/runs.js';
import { DEFAULT_ARTIFACT_CAPS, type ArtifactCaps } from '../../../api/v1alpha1/artifacts.js';
import { jobArtifacts } from '../artifacts/store.js';
import { runQueues } from '../queue/run-queues.js';
import { reportArtifacts } from './artifacts-status.js';
import type { ConfigMapFiles } from './configmap-files.js';
import { REASONS } from '../../../api/v1alpha1/reasons.js';
import type { AuditSink } from '../audit/sink.js';
import { BrowserUnavailableError } from '../browser/discover.js';
import type { AttemptResult, Engine } from '../engine/index.js';
import type { JobContext, JobHandler, HandlerOutcome } from '../queue/handler.js';
import { actionsById, attemptDeadline, failureScreenshotRef, isLastAttempt, screenshotRef, stepIdOfCheckpoint, stopReason } from './attempt.js';
import { MIN_SECRET_LENGTH, Redactor, type RedactorSet } from '../engine/redact.js';
import { createJobCredentials, type CredentialBinding, type CredentialRequester, type JobCredentials, type SlotDeclaration } from './credentials.js';
import { workflowKeyOf } from './healing.js';
import type { AgentMetrics, JobOutcomeLabel } from './metrics.js';
import type { JobReporter, StatusReporter } from './reporter.js';
import { attemptFailedPatch, cancelledPatch, failedPatch, progressPatch, runningPatch, succeededPatch } from './status.js';
import { startJobTrace } from './tracing.js';

/** Where a job's credential values come from: Secrets through the API (cluster), or local files. */
export type CredentialsFactory = (job: {
  namespace: string;
  slots: SlotDeclaration[];
  bindings: Record<string, CredentialBinding>;
  job: CredentialRequester;
}) => JobCredentials;

/** The cluster's source: each binding names a Secret in the job's namespace. */
export function secretCredentials(kubeConfig: KubeConfig): CredentialsFactory {
  return (job) => createJobCredentials({ kubeConfig, ...job });
}

export interface JobHandlerDeps {
  engine: Engine;
  reporter: StatusReporter;
  /** Reads Secrets when `credentials` is not given. */
  kubeConfig?: KubeConfig;
  /** Overrides where credential values come from (local mode reads files). */
  credentials?: CredentialsFactory;
  /** The job Postgres: screenshots of screenshot steps are stored there. */
  db: pg.Pool;
  /** Where credential uses, refused uses and egress refusals are recorded (aether.audit_log, Events). */
  audit?: AuditSink;
  metrics: AgentMetrics;
  tracer: Tracer;
  logger: Logger;
  pool: string;
  /** Reported as status.robot. */
  podName: string;
  /** Test hook, passed to the engine. */
  crashAfterStep?: number;
  /** The process's log filter: each job's redactor is part of it while the job runs. */
  liveSecrets?: RedactorSet;
  /**
   * The namespace's checkpoint key: browser sessions are checkpointed sealed with it (session-seal.ts).
   * Absent: sessions are not checkpointed, and a take-over starts from a fresh browser.
   */
  checkpointKey?: (namespace: string) => Promise<Buffer>;
  /** How long the end of an attempt waits for its status to go out. */
  finalReportWaitMs?: number;
  /** Resolves when the browser runs (starting it if needed); BrowserUnavailableError when it cannot. */
  browserReady: () => Promise<unknown>;
  /**
   * Told once the robot cannot run jobs at all (its browser does not start). It must stop the consumer
   * at once, which hands every held job back to the queue: none of them counts as a failed attempt.
   */
  onEnvironmentFault: (err: Error) => void;
  /** Caps on the artifacts of each job (the pool's spec.artifacts); absent: the defaults. */
  artifactCaps?: ArtifactCaps;
  /** Where upload steps read `file.configMapKeyRef` (the job's namespace); absent: such uploads fail. */
  configMapFiles?: ConfigMapFiles;
  /** Whether queueAdd steps may add to the namespace's RpaQueues (default true; local mode has no queues). */
  workQueues?: boolean;
}

const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;
/** A superseded attempt waits this long for the consumer to notice it lost the job. */
const SUPERSEDED_WAIT_MS = 30_000;

export function createJobHandler(deps: JobHandlerDeps): JobHandler {
  return async (ctx: JobContext): Promise<HandlerOutcome> => {
    const redactor = new Redactor();
    const leave = deps.liveSecrets?.join(redactor);
    try {
      return redactor.value(await handle(ctx, deps, redactor));
    } finally {
      leave?.();
    }
  };
}

async function handle(ctx: JobContext, deps: JobHandlerDeps, redactor: Redactor): Promise<HandlerOutcome> {
  const p = ctx.payload;
  const log = deps.logger.child({ kind: 'RpaJob', namespace: p.namespace, name: p.name, jobUid: p.uid, attempt: ctx.attempt });
  // Each patch is fenced: it goes out only while this claim still holds the run.
  const jobReport = deps.reporter.forJob({ namespace: p.namespace, name: p.name, uid: p.uid }, { mayWrite: () => ctx.holder.confirm() });
  // Once the job was handed back (shutdown) or taken away (fenced), another robot reports on it.
  const report: JobReporter = {
    update: (patch) => {
      if (ctx.signal.reason !== 'shutdown' && ctx.signal.reason !== 'fenced') jobReport.update(redactor.value(patch));
    },
    flush: () => jobReport.flush(),
    get gone() {
      return jobReport.gone;
    },
  };
  // A browser that cannot start is the machine's fault, not the job's: the job goes back to the queue
  // untouched (nothing reported, no attempt used) and this robot stops taking jobs.
  try {
    await deps.browserReady();
  } catch (err) {
    if (!(err instanceof BrowserUnavailableError)) throw err;
    return handBackForEnvironment(err, { ctx, deps, log, report });
  }
  const credentialsFor = deps.credentials ?? (deps.kubeConfig ? secretCredentials(deps.kubeConfig) : null);
  if (!credentialsFor) throw new Error('the job handler has neither credentials nor a kubeConfig');
  const credentials = credentialsFor({
    namespace: p.namespace,
    slots: p.workflow.credentials ?? [],
    bindings: p.credentials,
    job: { workflow: p.workflow, ...(p.workflowRef && { workflowRef: p.workflowRef.name }) },
  });
  await learnBoundCredentials({ credentials, slots: p.workflow.credentials ?? [], bindings: p.credentials, redactor, log });
  const trace = startJobTrace(
    deps.tracer,
    {
      ...(p.traceparent && { traceparent: p.traceparent }),
      runUid: p.uid,
      namespace: p.namespace,
      name: p.name,
      pool: p.pool,
      attempt: ctx.attempt,
      robot: deps.podName,
    },
    (s) => redactor.string(s),
  );
  const actions = actionsById(p.workflow, Object.values(p.calls ?? {}).map((c) => c.spec));
  const started = new Date();
  const attemptDeadlineMs = attemptDeadline(started, p.workflow.timeouts?.jobSeconds);
  let current: { path: string; action: string; at: Date; healed?: boolean } | null = null;
  const endStep = (at: Date, error?: string) => {
    if (!current) return;
    deps.metrics.stepDuration.observe({ pool: deps.pool, action: current.action }, (at.getTime() - current.at.getTime()) / 1000);
    trace.recordStep({
      stepId: current.path,
      action: current.action,
      attempt: ctx.attempt,
      startTime: current.at,
      endTime: at,
      healed: current.healed ?? false,
      ...(error !== undefined && { error }),
    });
    current = null;
  };

  const audit = deps.audit?.forJob({ namespace: p.namespace, name: p.name, uid: p.uid }, ctx.attempt);
  deps.metrics.activeJobs.inc({ pool: deps.pool });
  report.update(runningPatch({ robot: deps.podName, attempts: ctx.attempt, startedAt: started, totalSteps: p.workflow.steps.length }));
  log.info({ claims: ctx.claims, previousRobot: ctx.previousRobot }, 'started the attempt');

  let metricOutcome: JobOutcomeLabel = 'failed';
  let outcome: HandlerOutcome;
  // Shutdown past the grace period, or fenced: the attempt stops at once (the job goes to another robot
  // only after this handler returned).
  const halt = new AbortController();
  const onAbort = () => {
    if (ctx.signal.reason === 'shutdown' || ctx.signal.reason === 'fenced') halt.abort(ctx.signal.reason);
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const sessionKey = deps.checkpointKey ? await deps.checkpointKey(p.namespace) : undefined;
    const result = await deps.engine.runAttempt({
      runUid: p.uid,
      attempt: ctx.attempt,
      workflow: p.workflow,
      ...(p.calls && { calls: p.calls }),
      params: p.params,
      credentials: (slot) => credentials.get(slot),
      redactor,
      ...(sessionKey && { sessionKey }),
      ...(audit && { credentialAudit: audit.credentials, onEgressRefused: (r) => audit.egressRefused(r) }),
      progress: (k, n, path) => {
        const now = new Date();
        endStep(now);
        current = { path, action: actions.get(stepIdOfCheckpoint(path)) ?? 'unknown', at: now };
        report.update(progressPatch({ done: k, total: n, stepId: path }));
        // Which process ran which step: crash tests read it, operators debugging a take-over too.
        log.debug({ step: path, progress: `${k}/${n}` }, 'step started');
      },
      shouldStop: async () => stopReason({ abortReason: ctx.signal.reason, deadline: p.deadline, attemptDeadlineMs, now: new Date() }),
      suspendRequested: () => ctx.signal.reason === 'suspended',
      cancelRequested: () => ctx.signal.reason === 'cancelled',
      ...(deps.crashAfterStep !== undefined && { crashAfterStep: deps.crashAfterStep }),
      halt: halt.signal,
      holder: ctx.holder,
      retryFrom: p.retryFrom,
      logger: log,
      workflowKey: workflowKeyOf(p),
      onHeal: (notice) => {
        if (notice.outcome === 'healed' && current?.path === notice.stepPath) current.healed = true;
      },
      files: jobArtifacts({
        db: deps.db,
        runUid: p.uid,
        namespace: p.namespace,
        caps: deps.artifactCaps ?? DEFAULT_ARTIFACT_CAPS,
        ...(deps.configMapFiles && { configMapFile: (ref) => deps.configMapFiles!({ namespace: p.namespace, ...ref }) }),
      }),
      ...(deps.workQueues !== false && { queues: runQueues({ db: deps.db, namespace: p.namespace }) }),
    });
    const ended = new Date();
    await reportArtifacts({ db: deps.db, uid: p.uid, report, log });
    endStep(ended, result.status === 'failed' ? redactor.string(result.error.message) : undefined);
    ({ outcome, metricOutcome } = await settle(result, { ctx, deps, redactor, ended, report, log }));
  } catch (err) {
    // The engine itself broke (not a step): a real failure of this attempt, retried like one.
    const message = redactor.string(err instanceof Error ? err.message : String(err));
    endStep(new Date(), message);
    log.error({ err: message }, 'the attempt broke');
    const last = isLastAttempt({ attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, retryable: true });
    report.update(
      last
        ? failedPatch({ reason: 'RobotError', message, at: new Date() })
        : attemptFailedPatch({ reason: 'RobotError', message }),
    );
    outcome = { status: 'failed', error: { message, code: 'RobotError' } };
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    credentials.clear();
    deps.metrics.activeJobs.dec({ pool: deps.pool });
    await audit?.flush();
  }
  deps.metrics.jobsTotal.inc({ pool: deps.pool, outcome: metricOutcome });
  deps.metrics.jobDuration.observe({ pool: deps.pool, outcome: metricOutcome }, (Date.now() - started.getTime()) / 1000);
  trace.end({ status: metricOutcome, ...(outcome.status === 'failed' && { error: outcome.error.message }) });
  // The run row is written after we return; the status goes out first, so a retry on another
  // robot can never be overtaken by this attempt's last report.
  await Promise.race([report.flush(), new Promise((r) => setTimeout(r, deps.finalReportWaitMs ?? 3_000).unref())]);
  return outcome;
}

/**
 * Reads every credential slot the job binds into the redactor before the attempt runs, so this process
 * redacts all of them — also after a take-over, where the steps that used them ran in another robot. A
 * slot that cannot be read now is only warned about: the step that uses it fails with the reason.
 */
export async function learnBoundCredentials(c: {
  credentials: JobCredentials;
  slots: SlotDeclaration[];
  bindings: Record<string, CredentialBinding>;
  redactor: Redactor;
  log: Logger;
}): Promise<void> {
  for (const slot of c.slots) {
    if (!c.bindings[slot.name]) continue;
    let values: Record<string, string>;
    try {
      values = (await c.credentials.get(slot.name)).values;
    } catch (err) {
      c.log.warn({ slot: slot.name, err: c.redactor.string(err instanceof Error ? err.message : String(err)) }, 'could not read a bound credential before the attempt');
      continue;
    }
    for (const [key, value] of Object.entries(values))
      if (c.redactor.add([value]).length > 0)
        c.log.warn({ slot: slot.name, key, minLength: MIN_SECRET_LENGTH }, 'a credential value is too short to be redacted: use a longer one');
  }
}

async function settle(
  result: AttemptResult,
  c: {
    ctx: JobContext;
    deps: JobHandlerDeps;
    redactor: Redactor;
    ended: Date;
    report: JobReporter;
    log: Logger;
  },
): Promise<{ outcome: HandlerOutcome; metricOutcome: JobOutcomeLabel }> {
  const { ctx, deps, redactor, ended, report, log } = c;
  const uid = ctx.runUid;
  switch (result.status) {
    case 'succeeded': {
      const outputs = redactor.value(result.outputs);
      const shots = await storeScreenshots(deps.db, uid, result.screenshots, log, redactor);
      if (Object.keys(shots).length > 0 && !('screenshots' in outputs)) outputs.screenshots = shots;
      report.update(succeededPatch({ outputs, runUid: uid, at: ended }));
      log.info({ takeOver: result.takeOver }, 'succeeded');
      return { outcome: { status: 'succeeded', outputs }, metricOutcome: 'succeeded' };
    }
    case 'failed': {
      const message = redactor.string(result.error.message);
      const stepId = result.error.stepId ?? null;
      const screenshot = result.screenshot && result.screenshot.length <= MAX_SCREENSHOT_BYTES ? failureScreenshotRef(uid) : null;
      // A use outside a Secret's scope would be refused again: the job fails now, not after more attempts.
      const denied = result.error.reason === 'CredentialScopeDenied';
      const error = { reason: denied ? REASONS.CredentialScopeDenied : REASONS.StepFailed, message, stepId, screenshot };
      report.update(
        isLastAttempt({ attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, retryable: !denied })
          ? failedPatch({ ...error, at: ended })
          : attemptFailedPatch(error),
      );
      log.warn({ stepId, err: message }, 'the attempt failed');
      return {
        outcome: {
          status: 'failed',
          error: { message, code: error.reason, ...(stepId && { stepId }) },
          ...(denied && { retryable: false }),
          ...(result.screenshot && { screenshot: result.screenshot }),
        },
        metricOutcome: 'failed',
      };
    }
    case 'stopped': {
      if (result.reason === 'cancel') {
        report.update(cancelledPatch({ message: 'the RpaJob was cancelled', stepId: result.stepId || null, at: ended }));
        log.info({ stepId: result.stepId }, 'stopped: cancelled');
        return { outcome: { status: 'cancelled' }, metricOutcome: 'cancelled' };
      }
      if (result.reason === 'jobTimeout') {
        // A failed attempt like any other: retried while attempts remain (each attempt has its own budget).
        const message = `the attempt ran past timeouts.jobSeconds (${String(ctx.payload.workflow.timeouts?.jobSeconds)} s)`;
        const error = { reason: REASONS.JobTimeout, message, stepId: result.stepId || null };
        report.update(
          isLastAttempt({ attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, retryable: true })
            ? failedPatch({ ...error, at: ended })
            : attemptFailedPatch(error),
        );
        log.info({ stepId: result.stepId }, 'stopped: past timeouts.jobSeconds');
        return {
          outcome: { status: 'failed', error: { message, code: REASONS.JobTimeout, ...(result.stepId && { stepId: result.stepId }) } },
          metricOutcome: 'failed',
        };
      }
      const message = 'the job ran past its deadline (activeDeadlineSeconds)';
      report.update(failedPatch({ reason: 'DeadlineExceeded', message, stepId: result.stepId || null, at: ended }));
      log.info({ stepId: result.stepId }, 'stopped: past the deadline');
      return { outcome: { status: 'failed', error: { message, code: 'DeadlineExceeded' }, retryable: false }, metricOutcome: 'failed' };
    }
    case 'suspended': {
      // The operator reports the suspension (phase Pending) once the consumer has parked the run; the
      // progress fields stay as they are, the resumed attempt goes on from them.
      report.update({ currentStep: null, currentStepPath: null });
      log.info({ stepId: result.stepId }, 'stopped: suspended (resumable)');
      return { outcome: { status: 'suspended', stepId: result.stepId }, metricOutcome: 'suspended' };
    }
    case 'halted': {
      // Stopped at once: the consumer hands the job back (shutdown) or has lost it (fenced); nothing is reported.
      log.warn({ reason: result.reason }, 'the attempt was halted: its browser context closed, nothing more recorded');
      return { outcome: { status: 'failed', error: { message: `attempt halted (${result.reason})`, code: 'Halted' } }, metricOutcome: 'fenced' };
    }
    case 'superseded': {
      // Another robot owns the attempt (this one was declared dead): report nothing and wait for
      // the consumer to notice the fencing, which settles the job without using this outcome.
      log.warn('another robot took the attempt over; stopped without reporting');
      await waitForAbort(ctx.signal, SUPERSEDED_WAIT_MS);
      return { outcome: { status: 'failed', error: { message: 'attempt taken over by another robot', code: 'Superseded' } }, metricOutcome: 'fenced' };
    }
  }
}

/**
 * The environment failed before the attempt started: ask for the robot to stop, and wait until the
 * consumer takes the job back (abort 'shutdown': whatever is returned then is ignored, the run goes back
 * to the queue unchanged). A cancel or suspend that comes first is honoured: nothing has run.
 */
async function handBackForEnvironment(
  err: BrowserUnavailableError,
  c: { ctx: JobContext; deps: JobHandlerDeps; log: Logger; report: JobReporter },
): Promise<HandlerOutcome> {
  c.log.error({ err: err.message }, 'the browser cannot start: handing the job back (not a failed attempt)');
  c.deps.onEnvironmentFault(err);
  await waitForAbort(c.ctx.signal, Number.POSITIVE_INFINITY);
  if (c.ctx.signal.reason === 'cancelled') {
    c.report.update(cancelledPatch({ message: 'the RpaJob was cancelled', stepId: null, at: new Date() }));
    await Promise.race([c.report.flush(), new Promise((r) => setTimeout(r, c.deps.finalReportWaitMs ?? 3_000).unref())]);
    return { status: 'cancelled' };
  }
  return { status: 'suspended' };
}

async function storeScreenshots(db: pg.Pool, uid: string, shots: Record<string, Buffer>, log: Logger, redactor: Redactor): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  for (const [raw, image] of Object.entries(shots)) {
    const name = redactor.string(raw);
    if (image.length > MAX_SCREENSHOT_BYTES) {
      log.warn({ screenshot: name, bytes: image.length }, 'skipped storing a screenshot over 2 MiB');
      continue;
    }
    refs[name] = screenshotRef(await insertScreenshot(db, { uid, stepId: name, image }));
  }
  return refs;
}

function waitForAbort(signal: AbortSignal, timeoutMs: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = Number.isFinite(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
