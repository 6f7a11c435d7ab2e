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
import type { WorkflowOutcome, StopReason } from './checkpoint.js';
import { runWorkflow, type JobInput, type JobRuntime, type ProgressFn } from './interpreter.js';
import { DEFAULT_OUTPUT_LIMITS, type OutputLimits } from './limits.js';
import { DEFAULT_STEP_TIMEOUT_MS } from './policy.js';
import { CredentialVault, type CredentialProvider } from './scope.js';
import { resolveTarget as defaultResolver, type HealNotice, type TargetResolver } from './targets.js';
import { DurableFaultError } from '../durable/fault.js';

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
  params?: Record<string, unknown>;
  /** Reads a credential slot when a step needs it; values are never recorded. */
  credentials?: CredentialProvider;
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
  logger?: Logger;
  /**
   * The RpaWorkflow the job runs (or an inline workflow's key): where self-healing keeps element
   * records and heal events. Absent: nothing is recorded.
   */
  workflowKey?: { namespace: string; name: string };
  /** Told about every heal (or abstention) of a step target as it happens. */
  onHeal?: (notice: HealNotice) => void;
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
      error: { message: string; stepId?: string };
      screenshot?: Buffer;
      workflowId: string;
      takeOver: TakeOverAction;
    }
  | { status: 'stopped'; reason: StopReason; stepId: string; workflowId: string; takeOver: TakeOverAction }
  /** Parked before step `stepId` (suspendRequested); the same attempt resumes there. */
  | { status: 'suspended'; stepId: string; workflowId: string; takeOver: TakeOverAction }
  /** Another robot took this attempt over while we were running it: report nothing. */
  | { status: 'superseded'; workflowId: string; takeOver: TakeOverAction };

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
      return runWorkflow(input, workflowId, rt, services);
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
      const vault = new CredentialVault(req.credentials);
      // The cancel that parks a suspended attempt must run outside the workflow's DBOS context: from inside
      // it, DBOS would record the cancel as an operation of the workflow, and a resumed run would not
      // replay the same operations.
      const outsideWorkflow = AsyncLocalStorage.snapshot();
      let suspendedBefore: string | null = null;
      const suspendRequested = req.suspendRequested;
      const onEgressRefused = opts.onEgressRefused;
      const rt: JobRuntime = {
        vault,
        egress: createEgressGuard({
          policy: egressPolicy,
          logger,
          ...(onEgressRefused && { onRefused: (r: EgressRefusal) => onEgressRefused({ ...r, workflowId }) }),
        }),
        refusals: [],
        ...(opts.onDurableFault && { onDurableFault: opts.onDurableFault }),
        resolveJob: {
          runUid: req.runUid,
          ...(req.workflowKey && { workflow: req.workflowKey }),
          secrets: () => vault.secrets(),
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
        const input: JobInput = { workflow: req.workflow, params: req.params ?? {} };
        const outcome = await runOrTakeOver<WorkflowOutcome>({
          workflowId,
          queueName: opts.durable.queueName,
          executorId: opts.durable.executorId,
          ...(req.cancelRequested && { cancelRequested: req.cancelRequested }),
          start: () => DBOS.startWorkflow(jobWorkflow, { workflowID: workflowId })(input),
          onAction: (action) => logger.debug({ action }, 'attempt picked up'),
        });
        const base = { workflowId, takeOver: outcome.action ?? 'start' };
        switch (outcome.kind) {
          case 'superseded':
            logger.warn('another robot owns this attempt now; stopped');
            return { status: 'superseded', ...base };
          case 'cancelled':
            if (suspendedBefore !== null) return { status: 'suspended', stepId: suspendedBefore, ...base };
            return { status: 'stopped', reason: 'cancel', stepId: '', ...base };
          case 'failed':
            return { status: 'failed', error: { message: outcome.message }, ...base };
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
        runtimes.delete(workflowId);
        await closeSession(rt.session);
      }
    },
  };
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
