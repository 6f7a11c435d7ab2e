// The engine's entry point for the robot agent: `createEngine` registers the durable workflow
// (before DBOS launches), and `runAttempt` runs one attempt of a job, starting it or taking it
// over from a dead robot, and returns its outcome. The agent calls it from its queue handler.
import { AsyncLocalStorage } from 'node:async_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type { Logger } from '../../../api/log.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { BrowserHost } from '../browser/host.js';
import { closeSession } from '../browser/session.js';
import { workflowIdFor } from '../durable/ids.js';
import type { Durable } from '../durable/runtime.js';
import { runOrTakeOver } from '../durable/takeover.js';
import { compileEgressPolicy, type EgressPolicy } from '../egress/decide.js';
import { createEgressGuard, type EgressRefusal } from '../egress/guard.js';
import type { TakeOverAction } from '../durable/takeover-decision.js';
import type { RecordedCheckpoint, WorkflowOutcome, StopReason } from './checkpoint.js';
import { createAttemptFence, type HolderCheck } from './fence.js';
import { runWorkflow, type JobInput, type JobRuntime, type ProgressFn } from './interpreter.js';
import type { Callees } from './call.js';
import { DEFAULT_OUTPUT_LIMITS, type OutputLimits } from './limits.js';
import { DEFAULT_STEP_TIMEOUT_MS } from './policy.js';
import type { CredentialAudit } from '../credscope/enforce.js';
import { Redactor } from './redact.js';
import { CredentialVault, type CredentialProvider } from './scope.js';
import { resolveTarget as defaultResolver, type HealNotice, type TargetResolver } from './targets.js';
import { DurableFaultError } from '../durable/fault.js';
import type { JobFiles } from '../artifacts/store.js';
import type { RunQueues } from './queue-add.js';

export const WORKFLOW_NAME = 'aether.rpaJob';

export interface EngineOptions {
  durable: Durable;
  browser: BrowserHost;
  logger: Logger;
  /** Where element targets become locators; self-healing replaces the default here. */
  resolveTarget?: TargetResolver;
  /** Timeout of a step that sets none (and whose workflow sets no timeouts.stepSeconds). */
  defaultStepTimeoutMs?: number;
  /** Overrides of the output and forEach caps (limits.ts has the defaults). */
  limits?: Partial<OutputLimits>;
  /** Where jobs may send requests; absent: the default policy (no exceptions, no cluster ranges). */
  egress?: EgressPolicy;
  /**
   * The audit hook for egress refusals (each is also logged as an `egress refused` line). The audit
   * log and Kubernetes Events are wired here.
   */
  onEgressRefused?: (refusal: EgressRefusal & { workflowId: string }) => void;
  /**
   * DBOS's system database could not be written or read (durable/fault.ts): the robot must crash — stop,
   * record nothing, exit non-zero. The attempt never settles. Absent: such an error fails the attempt.
   */
  onDurableFault?: (err: DurableFaultError) => void;
}

export interface AttemptRequest {
  /** The run's UID (the RpaJob's UID): with the attempt number it names the durable workflow. */
  runUid: string;
  /** 1-based; a crash keeps it, a real failure moves to the next. */
  attempt: number;
  /** The workflow snapshot from the queue payload. */
  workflow: WorkflowSpec;
  /** The RpaWorkflows its `call` steps run, by name, from the queue payload. */
  calls?: Callees;
  params?: Record<string, unknown>;
  /** Reads a credential slot when a step needs it (values, Secret, scope); values are never recorded. */
  credentials?: CredentialProvider;
  /** Told about every credential use and every refused one (the agent writes the audit log and Events). */
  credentialAudit?: CredentialAudit;
  /** This attempt's egress refusals (besides EngineOptions.onEgressRefused). */
  onEgressRefused?: (refusal: EgressRefusal & { workflowId: string }) => void;
  /**
   * The job's redactor, ideally already holding every credential bound to the job (the agent reads them
   * all before the attempt, so a take-over redacts values it never uses itself). The engine teaches it
   * the values it reads and each masked output; every checkpoint, error and the result go through it.
   */
  redactor?: Redactor;
  /** The namespace's checkpoint key (32 bytes): sessions are checkpointed sealed with it, or not at all. */
  sessionKey?: Buffer;
  /** Called as each step starts running here: (k of n top-level steps, checkpoint name). */
  progress?: ProgressFn;
  /** Asked before each step; a reason ends the attempt there (recorded: the attempt is over). */
  shouldStop?: () => Promise<StopReason | null>;
  /**
   * Asked at each step boundary, before shouldStop: true parks the attempt there so that it can be
   * resumed — the workflow is cancelled in DBOS without recording anything, and the result is
   * { status: 'suspended' }. A later runAttempt of the same attempt resumes it at that step.
   */
  suspendRequested?: () => boolean;
  /**
   * Whether the run is being cancelled, asked when the attempt is picked up: a workflow found CANCELLED
   * in DBOS is then over, otherwise it is a suspension to resume.
   */
  cancelRequested?: () => boolean;
  /** Test hook: SIGKILL this process right after the k-th checkpoint it writes. */
  crashAfterStep?: number;
  /**
   * Fires when the attempt must stop AT ONCE (shutdown past its grace period, robot fenced): the browser
   * context is closed, requests in flight are aborted, nothing more is recorded, and the result is
   * { status: 'halted' } once the running step has stopped (see fence.ts).
   */
  halt?: AbortSignal;
  /** This claim's fencing token, confirmed around every step (see fence.ts). Absent: not checked. */
  holder?: HolderCheck;
  /**
   * Where a retried attempt (attempt > 1) begins. 'failedStep' (default): steps the previous attempt
   * finished are not run again — their checkpoints (outputs, variables, browser session) are reused, so
   * the attempt goes on at the step that failed, with the session of the last good checkpoint. 'start':
   * every step runs again.
   */
  retryFrom?: 'failedStep' | 'start';
  logger?: Logger;
  /**
   * The RpaWorkflow the job runs (or an inline workflow's key): where self-healing keeps element
   * records and heal events. Absent: nothing is recorded.
   */
  workflowKey?: { namespace: string; name: string };
  /** Told about every heal (or abstention) of a step target as it happens. */
  onHeal?: (notice: HealNotice) => void;
  /** The job's artifact store (artifacts/store.ts); absent: download and upload steps fail. */
  files?: JobFiles;
  /** The namespace's work queues (queue/run-queues.ts); absent: queueAdd steps fail. */
  queues?: RunQueues;
}

export type AttemptResult =
  | {
      status: 'succeeded';
      outputs: Record<string, unknown>;
      vars: Record<string, unknown>;
      screenshots: Record<string, Buffer>;
      workflowId: string;
      takeOver: TakeOverAction;
    }
  | {
      status: 'failed';
      /** reason CredentialScopeDenied: a use outside a Secret's scope was refused (not worth retrying). */
      error: { message: string; stepId?: string; reason?: 'CredentialScopeDenied' };
      screenshot?: Buffer;
      workflowId: string;
      takeOver: TakeOverAction;
    }
  | { status: 'stopped'; reason: StopReason; stepId: string; workflowId: string; takeOver: TakeOverAction }
  /** Parked before step `stepId` (suspendRequested); the same attempt resumes there. */
  | { status: 'suspended'; stepId: string; workflowId: string; takeOver: TakeOverAction }
  /** Another robot took this attempt over while we were running it: report nothing. */
  | { status: 'superseded'; workflowId: string; takeOver: TakeOverAction }
  /** Stopped at once (req.halt, or a stale fencing token): the running step stopped, nothing more recorded. */
  | { status: 'halted'; reason: string; workflowId: string };

export interface Engine {
  runAttempt(req: AttemptRequest): Promise<AttemptResult>;
  /** Jobs running in this process now. */
  readonly active: number;
}

let registered = false;

export function createEngine(opts: EngineOptions): Engine {
  if (registered) throw new Error('createEngine may be called once per process (it registers the DBOS workflow)');
  registered = true;
  const runtimes = new Map<string, JobRuntime>();
  const egressPolicy = opts.egress ?? compileEgressPolicy();
  const services = {
    host: opts.browser,
    resolveTarget: opts.resolveTarget ?? defaultResolver,
    defaultStepTimeoutMs: opts.defaultStepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    limits: { ...DEFAULT_OUTPUT_LIMITS, ...opts.limits },
  };

  const jobWorkflow = DBOS.registerWorkflow(
    async (input: JobInput): Promise<WorkflowOutcome> => {
      const workflowId = DBOS.workflowID!;
      const rt = runtimes.get(workflowId);
      // Only runAttempt puts a workflow on this process's queue, after registering its runtime.
      if (!rt) throw new Error(`workflow ${workflowId} reached a process that holds no job for it`);
      try {
        // DBOS records the result: redacted like every checkpoint.
        return redactOutcome(await runWorkflow(input, workflowId, rt, services), rt.redactor);
      } catch (err) {
        // ...and the error, message and stack (same class: DBOS's own cancellation errors must stay theirs).
        if (err instanceof Error) {
          err.message = rt.redactor.string(err.message);
          if (err.stack) err.stack = rt.redactor.string(err.stack);
        }
        throw err;
      }
    },
    { name: WORKFLOW_NAME },
  );

  return {
    get active() {
      return runtimes.size;
    },
    async runAttempt(req) {
      if (!opts.durable.launched) throw new Error('DBOS is not launched: call durable.launch() after createEngine()');
      const workflowId = workflowIdFor(req.runUid, req.attempt);
      if (runtimes.has(workflowId)) throw new Error(`attempt ${workflowId} is already running in this process`);
      const logger = (req.logger ?? opts.logger).child({ workflowId });
      const redactor = req.redactor ?? new Redactor();
      const vault = new CredentialVault(req.credentials, redactor);
      // The cancel that parks a suspended attempt must run outside the workflow's DBOS context: from inside
      // it, DBOS would record the cancel as an operation of the workflow, and a resumed run would not
      // replay the same operations.
      const outsideWorkflow = AsyncLocalStorage.snapshot();
      let suspendedBefore: string | null = null;
      const suspendRequested = req.suspendRequested;
      const fence = createAttemptFence({
        ...(req.holder && { holder: req.holder }),
        onHalted: (reason) => logger.warn({ reason }, 'halting the attempt: browser context closed, requests aborted'),
      });
      const onHalt = () => fence.halt(String(req.halt?.reason ?? 'halted'));
      if (req.halt?.aborted) onHalt();
      else req.halt?.addEventListener('abort', onHalt, { once: true });
      const reuse = await previousCheckpoints(req, logger);
      const egressHooks = [opts.onEgressRefused, req.onEgressRefused].filter((h) => h !== undefined);
      const rt: JobRuntime = {
        runUid: req.runUid,
        fence,
        ...(reuse && { reuse }),
        vault,
        redactor,
        ...(req.sessionKey && { sessionKey: req.sessionKey }),
        egress: createEgressGuard({
          policy: egressPolicy,
          logger,
          ...(egressHooks.length > 0 && { onRefused: (r: EgressRefusal) => egressHooks.forEach((h) => h({ ...r, workflowId })) }),
        }),
        refusals: [],
        ...(req.credentialAudit && { credentialAudit: req.credentialAudit }),
        ...(opts.onDurableFault && { onDurableFault: opts.onDurableFault }),
        ...(req.files && { files: req.files }),
        ...(req.queues && { queues: req.queues }),
        resolveJob: {
          runUid: req.runUid,
          ...(req.workflowKey && { workflow: req.workflowKey }),
          redactor,
          ...(req.onHeal && { onHeal: req.onHeal }),
          healed: new Map(),
        },
        logger,
        progress: req.progress,
        shouldStop: req.shouldStop,
        crashAfterStep: req.crashAfterStep,
        ...(suspendRequested && {
          atStepBoundary: async (path: string) => {
            if (suspendedBefore !== null || !suspendRequested()) return;
            suspendedBefore = path;
            logger.info({ step: path }, 'suspending the attempt at a step boundary');
            await outsideWorkflow(() => DBOS.cancelWorkflow(workflowId));
          },
        }),
      };
      runtimes.set(workflowId, rt);
      try {
        const input: JobInput = { workflow: req.workflow, params: req.params ?? {}, ...(req.calls && Object.keys(req.calls).length > 0 && { calls: req.calls }) };
        const halted = fence.stopped().then(() => 'halted' as const);
        const outcome = await Promise.race([
          runOrTakeOver<WorkflowOutcome>({
            workflowId,
            queueName: opts.durable.queueName,
            executorId: opts.durable.executorId,
            ...(req.cancelRequested && { cancelRequested: req.cancelRequested }),
            start: () => DBOS.startWorkflow(jobWorkflow, { workflowID: workflowId })(input),
            onAction: (action) => logger.debug({ action }, 'attempt picked up'),
          }),
          halted,
        ]);
        // Halted: the workflow is parked in DBOS (nothing more recorded here); another holder resumes it.
        if (outcome === 'halted' || fence.halted) {
          await fence.stopped();
          return { status: 'halted', reason: String(fence.signal.reason), workflowId };
        }
        const base = { workflowId, takeOver: outcome.action ?? 'start' };
        switch (outcome.kind) {
          case 'superseded':
            logger.warn('another robot owns this attempt now; stopped');
            return { status: 'superseded', ...base };
          case 'cancelled':
            if (suspendedBefore !== null) return { status: 'suspended', stepId: suspendedBefore, ...base };
            return { status: 'stopped', reason: 'cancel', stepId: '', ...base };
          case 'failed':
            return { status: 'failed', error: { message: redactor.string(outcome.message) }, ...base };
          case 'fault': {
            if (!opts.onDurableFault) throw new DurableFaultError(outcome.error);
            logger.error({ err: outcome.error }, 'the durable state could not be read or written: the robot stops (a crash, not a failed attempt)');
            opts.onDurableFault(new DurableFaultError(outcome.error));
            return new Promise<AttemptResult>(() => undefined);
          }
          case 'result':
            return fromOutcome(outcome.value, base);
        }
      } finally {
        req.halt?.removeEventListener('abort', onHalt);
        runtimes.delete(workflowId);
        await closeSession(rt.session);
      }
    },
  };
}

/**
 * retry.from failedStep: the checkpoints of the steps the previous attempt finished (no error, not
 * stopped, output recorded), by checkpoint path. The previous attempt reused its own predecessor's the
 * same way, so one attempt back holds all of them. Undefined for a first attempt or retry.from start.
 */
async function previousCheckpoints(
  req: AttemptRequest,
  logger: Logger,
): Promise<{ workflowId: string; checkpoints: Map<string, RecordedCheckpoint> } | undefined> {
  if (req.attempt <= 1 || req.retryFrom === 'start') return undefined;
  const workflowId = workflowIdFor(req.runUid, req.attempt - 1);
  const steps = (await DBOS.listWorkflowSteps(workflowId)) ?? [];
  const reuse = new Map<string, RecordedCheckpoint>();
  for (const s of steps) {
    const cp = s.output as RecordedCheckpoint | null;
    if (s.error || !cp || typeof cp !== 'object' || cp.error || cp.stopped || cp.outputMasked) continue;
    reuse.set(s.name, cp);
  }
  logger.info({ reused: reuse.size, fromAttempt: req.attempt - 1 }, 'retry from the failed step: reusing the checkpoints of the steps that succeeded');
  return { workflowId, checkpoints: reuse };
}

/** The result as DBOS records it: every string redacted except the screenshots (PNGs, masked when taken). */
function redactOutcome(o: WorkflowOutcome, r: Redactor): WorkflowOutcome {
  switch (o.status) {
    case 'succeeded':
      return { ...o, outputs: r.value(o.outputs), vars: r.value(o.vars) };
    case 'failed':
      return { ...o, error: r.value(o.error) };
    case 'stopped':
      return o;
  }
}

function fromOutcome(o: WorkflowOutcome, base: { workflowId: string; takeOver: TakeOverAction }): AttemptResult {
  switch (o.status) {
    case 'succeeded':
      return {
        status: 'succeeded',
        outputs: o.outputs,
        vars: o.vars,
        screenshots: Object.fromEntries(Object.entries(o.screenshots).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        ...base,
      };
    case 'failed':
      return {
        status: 'failed',
        error: o.error,
        ...(o.screenshot ? { screenshot: Buffer.from(o.screenshot, 'base64') } : {}),
        ...base,
      };
    case 'stopped':
      return { status: 'stopped', reason: o.reason, stepId: o.stepId, ...base };
  }
}
