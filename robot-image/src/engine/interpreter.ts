// The body of the durable workflow: walks the workflow's steps, one DBOS step per workflow step
// (forEach iterations and if-branches get their own checkpoint names). On a take-over DBOS returns
// the recorded checkpoints of finished steps without running them; this walk rebuilds the scope,
// the session snapshot and the fields to refill from them, so the first step that really runs
// finds the browser where the last one left it.
import { DBOS, DBOSWorkflowConflictError } from '@dbos-inc/dbos-sdk';
import type { Locator } from 'playwright-core';
import type { Logger } from '../../../api/log.js';
import type { Target } from '../../../api/v1alpha1/target.js';
import type { LeafStep, Step, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { BrowserHost } from '../browser/host.js';
import { maskedScreenshot } from '../browser/screenshot.js';
import { DurableFaultError, isSystemDatabaseFault } from '../durable/fault.js';
import { captureSession, openSession, sameSession, type JobSession, type SessionSnapshot } from '../browser/session.js';
import { guardContext } from '../egress/browser.js';
import { DialogResponder } from '../browser/dialogs.js';
import { ResponseLog } from '../browser/responses.js';
import { activateTab, currentTab, openTabs } from '../browser/tabs.js';
import { dialogAnswer, jobContextOptions } from './browser-setup.js';
import { EgressRefusedError, type EgressGuard } from '../egress/guard.js';
import { authorizeCredentialUse, CredentialScopeDeniedError, loggable, type CredentialAudit } from '../credscope/enforce.js';
import { runAction, typeCredential, type ActionContext } from './actions.js';
import { attemptClock, usesClock } from './clock.js';
import type { RecordedCheckpoint, WorkflowOutcome, StepCheckpoint, StopReason } from './checkpoint.js';
import type { AttemptFence } from './fence.js';
import { checkForEachItems, checkStepOutput, jsonBytes, LimitExceededError, limitsFor, type OutputLimits } from './limits.js';
import { attemptsOf, backoffMs, checkpointName, failureEffect, stepTimeoutMs } from './policy.js';
import { MASKED, type Redactor } from './redact.js';
import { sealSession, SessionSealError, unsealSession } from './session-seal.js';
import {
  condition,
  credentialSlotsOfTemplate,
  expression,
  newJobScope,
  render,
  snapshotScope,
  withParamDefaults,
  type CredentialVault,
  type JobScope,
} from './scope.js';
import type { StepResult } from '../../../api/expr/index.js';
import type { HealNotice, ResolveJob, TargetResolver } from './targets.js';
import type { JobFiles } from '../artifacts/store.js';
import type { RunQueues } from './queue-add.js';
import { isControlStep, runControlStep, type ControlOutcome, type FlowContext, type Halt } from './control-flow.js';
import { renderCallParams, runCall, type Callees } from './call.js';
import { awaitFrame } from './frames.js';

export type ProgressFn = (k: number, n: number, stepId: string) => void;

/** The workflow's input, recorded by DBOS: the workflow snapshot and params, never credentials. */
export interface JobInput {
  workflow: WorkflowSpec;
  params: Record<string, unknown>;
  /** The RpaWorkflows its `call` steps run, snapshotted with the job (call.ts). */
  calls?: Callees;
}

/** What a job has in this process only: injected callbacks, credentials, the live browser. */
export interface JobRuntime {
  vault: CredentialVault;
  /**
   * Knows every credential bound to the job (and each masked output once produced): every checkpoint,
   * error message and result of the workflow goes through it.
   */
  redactor: Redactor;
  /** The namespace's checkpoint key: browser sessions are recorded sealed with it (absent: not recorded). */
  sessionKey?: Buffer;
  logger: Logger;
  progress?: ProgressFn;
  shouldStop?: () => Promise<StopReason | null>;
  /**
   * Called between steps, outside any DBOS step, before the step named `path` (replayed or not). A suspend
   * cancels the workflow in DBOS here, so the step's DBOS.runStep throws and nothing more is recorded.
   */
  atStepBoundary?: (path: string) => Promise<void>;
  /** Test hook: SIGKILL this process right after the k-th checkpoint it writes itself. */
  crashAfterStep?: number;
  session?: JobSession;
  /** Who resolves targets (for healing records and heal notices). */
  resolveJob?: ResolveJob;
  /** Where the job's requests may go: goto, http, and the browser's routing. */
  egress: EgressGuard;
  /** Requests of the job's pages the guard refused; a step during which one happens fails with it. */
  refusals: EgressRefusedError[];
  /** The run's UID: with a step's path it is the step's Idempotency-Key, the same in every attempt. */
  runUid: string;
  /** Stops the attempt at once (see fence.ts). */
  fence: AttemptFence;
  /**
   * retry.from failedStep: what the previous failed attempt recorded for the steps it finished, by
   * checkpoint path. Such a step is not run again: its checkpoint (output, variables, session) is reused.
   */
  reuse?: { workflowId: string; checkpoints: ReadonlyMap<string, RecordedCheckpoint> };
  /** Told about every credential use and every refused one (the audit log and Events). */
  credentialAudit?: CredentialAudit;
  /**
   * A checkpoint could not be written (durable/fault.ts): the robot crashes. Absent: the error fails the
   * attempt as before.
   */
  onDurableFault?: (err: DurableFaultError) => void;
  /** The job's artifacts (download/upload steps). */
  files?: JobFiles;
  /** The namespace's work queues (queueAdd steps). */
  queues?: RunQueues;
}

export interface EngineServices {
  host: BrowserHost;
  resolveTarget: TargetResolver;
  defaultStepTimeoutMs: number;
  /** Caps on outputs and forEach lists (see limits.ts). */
  limits: OutputLimits;
}

/** Fields filled on the current page since it was loaded: refilled after a restore. */
interface PendingField {
  step: Extract<LeafStep, { action: 'fill' | 'select' | 'check' | 'uncheck' }>;
  scope: JobScope;
  /** The step's checkpoint name (its healing records are kept under it). */
  path: string;
  /** The callee the step is in (its healing records are kept under that workflow). */
  callee?: string;
}

interface Walk {
  input: JobInput;
  /** The workflow whose steps are running: the job's, or a callee's inside a call (blocks, timeouts, dialogs). */
  current: WorkflowSpec;
  /** How many calls deep the walk is. */
  callDepth: number;
  /** Inside a call: the callee's name (its steps' healing records are kept under it). */
  calleeName?: string;
  workflowId: string;
  n: number;
  topIndex: number;
  checkpoints: number;
  scope: JobScope;
  session?: SessionSnapshot;
  pending: PendingField[];
  /** Fields filled from a credential: painted over in every screenshot. */
  masks: Array<{ target: Target; scope: JobScope }>;
  outputs: Record<string, unknown>;
  /** JSON bytes of every leaf step's output so far (nested ones end up in their forEach's output). */
  outputsBytes: number;
  /** The engine's caps with the workflow's `limits` over them. */
  limits: OutputLimits;
  screenshots: Record<string, string>;
  /** Outputs a live run knows but did not record (`mask.output`). */
  liveOutputs: Map<string, unknown>;
  /** Each step's output as it may leave the robot: a masked one is `[masked]`, also inside forEach lists. */
  shown: Map<string, unknown>;
  /** Answers the job's dialogs as the running step says. */
  dialogs: DialogResponder;
  /** Responses of the job's tabs, for `waitFor response`. */
  responses: ResponseLog;
}


const FIELD_ACTIONS = new Set(['fill', 'select', 'check', 'uncheck']);

export async function runWorkflow(
  input: JobInput,
  workflowId: string,
  rt: JobRuntime,
  svc: EngineServices,
): Promise<WorkflowOutcome> {
  const walk: Walk = {
    input,
    current: input.workflow,
    callDepth: 0,
    workflowId,
    n: input.workflow.steps.length,
    topIndex: 0,
    checkpoints: 0,
    scope: newJobScope(withParamDefaults(input.workflow.params, input.params)),
    pending: [],
    masks: [],
    outputs: {},
    outputsBytes: 0,
    limits: limitsFor(svc.limits, input.workflow.limits),
    screenshots: {},
    liveOutputs: new Map(),
    shown: new Map(),
    dialogs: new DialogResponder(),
    responses: new ResponseLog(),
  };
  if ([input.workflow, ...Object.values(input.calls ?? {}).map((c) => c.spec)].some(usesClock)) walk.scope.now = await attemptClock(rt.fence).catch((err: unknown) => crashOnDurableFault(rt, err));
  const halt = await runSteps(input.workflow.steps, [], walk, rt, svc);
  if (halt && 'failed' in halt)
    return { status: 'failed', error: halt.failed, ...(halt.image ? { screenshot: halt.image } : {}) };
  if (halt) return { status: 'stopped', reason: halt.stopped, stepId: halt.stepId };
  return { status: 'succeeded', outputs: walk.outputs, vars: walk.scope.vars, screenshots: walk.screenshots };
}

async function runSteps(
  steps: Step[],
  parents: string[],
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
): Promise<Halt | undefined> {
  for (const [i, step] of steps.entries()) {
    if (parents.length === 0) walk.topIndex = i + 1;
    const path = checkpointName(parents, step.id);
    const halt = await runStep(step, path, walk, rt, svc);
    if (halt) return halt;
  }
  return undefined;
}

async function runStep(
  step: Step,
  path: string,
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
): Promise<Halt | undefined> {
  const cp = await checkpointed(path, walk, rt, () => executeStep(step, path, walk, rt, svc));
  if (cp.stopped) return { stopped: cp.stopped, stepId: path };
  if (cp.session) {
    // A new page: fields typed on the old one are gone.
    if (cp.session.url !== walk.session?.url) walk.pending = [];
    walk.session = cp.session;
  }
  if (cp.error) return stepFailed(step, path, cp.error, cp.image, walk);
  Object.assign(walk.scope.vars, cp.vars ?? {});

  let output = cp.outputMasked ? walk.liveOutputs.get(path) : cp.output;
  let shown: unknown = cp.outputMasked ? MASKED : output;
  if (step.action === 'if') {
    const branch = cp.branch === 'then' ? step.then : cp.branch === 'else' ? step.else : undefined;
    const halt = branch ? await runSteps(branch, [path, cp.branch!], walk, rt, svc) : undefined;
    if (halt) return halt;
    output = { branch: cp.branch };
    shown = output;
  } else if (step.action === 'forEach') {
    const items = cp.items ?? [];
    const as = step.as ?? 'item';
    const saved = { ...walk.scope.locals };
    const iterations: Array<Record<string, unknown>> = [];
    const shownIterations: Array<Record<string, unknown>> = [];
    for (const [index, item] of items.entries()) {
      walk.scope.locals = {
        ...saved,
        [as]: item,
        loop: { index, number: index + 1, first: index === 0, last: index === items.length - 1, length: items.length },
      };
      const halt = await runSteps(step.steps, [`${path}[${index}]`], walk, rt, svc);
      if (halt) return halt;
      iterations.push(Object.fromEntries(step.steps.map((s) => [s.id, walk.scope.steps[s.id]?.output])));
      shownIterations.push(Object.fromEntries(step.steps.map((s) => [s.id, walk.shown.get(s.id)])));
    }
    walk.scope.locals = saved;
    output = iterations;
    shown = shownIterations;
  } else if (step.action === 'call' || isControlStep(step)) {
    const flow = flowOf(walk, rt, svc);
    const done = step.action === 'call' ? await runCall(step, path, cp.params ?? {}, flow) : await runControlStep(step, path, flow);
    if ('halt' in done) return done.halt;
    if ('error' in done) return stepFailed(step, path, done.error, undefined, walk);
    ({ output, shown } = done);
  } else {
    if (FIELD_ACTIONS.has(step.action))
      walk.pending.push({ step: step as PendingField['step'], scope: snapshotScope(walk.scope), path, ...(walk.calleeName !== undefined && { callee: walk.calleeName }) });
    if (step.action === 'fill' && credentialSlotsOfTemplate(step.value).length > 0) {
      walk.masks.push({ target: step.target, scope: snapshotScope(walk.scope) });
    }
    if (cp.image && step.action === 'screenshot') walk.screenshots[step.name ?? step.id] = cp.image;
    walk.outputsBytes += jsonBytes(output);
  }
  walk.scope.steps[step.id] = { output, ...(cp.dialog && { dialog: cp.dialog }) };
  walk.shown.set(step.id, shown);
  // A masked output is `[masked]` in the result also after a take-over, where its value is unknown.
  if (path === step.id && shown !== undefined) walk.outputs[step.id] = shown;
  return undefined;
}

function flowOf(walk: Walk, rt: JobRuntime, svc: EngineServices): FlowContext {
  return {
    scope: walk.scope,
    shown: walk.shown,
    screenshots: walk.screenshots,
    blocks: walk.current.blocks ?? [],
    calls: walk.input.calls ?? {},
    callDepth: walk.callDepth,
    runCallee: (name, spec, params, path) => runCallee({ name, spec, params, path }, walk, rt, svc),
    runSteps: (steps, parents) => runSteps(steps, parents, walk, rt, svc),
    checkpoint: (path, body) => checkpointed(path, walk, rt, body),
    condition: (src, scope) => condition(src, scope, rt.vault),
    errorMessage: (err) => rt.redactor.string(messageOf(err)),
  };
}

/**
 * A callee's steps under `path`, in a scope of its own: its params, steps and variables; no loop variable
 * of the caller. The caller's scope, blocks and step outputs are back when it returns.
 */
async function runCallee(
  { name, spec, params, path }: { name: string; spec: WorkflowSpec; params: Record<string, unknown>; path: string },
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
): Promise<ControlOutcome> {
  const scope = walk.scope;
  const saved = { current: walk.current, calleeName: walk.calleeName, shown: walk.shown, params: scope.params, vars: scope.vars, steps: scope.steps, locals: scope.locals };
  walk.current = spec;
  walk.calleeName = name;
  walk.shown = new Map();
  walk.callDepth++;
  Object.assign(scope, { params: withParamDefaults(spec.params, params), vars: {}, steps: {}, locals: {} });
  try {
    const halt = await runSteps(spec.steps, [path], walk, rt, svc);
    if (halt) return { halt };
    const output = Object.fromEntries(spec.steps.map((s) => [s.id, scope.steps[s.id]?.output]));
    const shown = Object.fromEntries(spec.steps.map((s) => [s.id, walk.shown.get(s.id)]));
    return { output, shown };
  } finally {
    walk.callDepth--;
    walk.current = saved.current;
    walk.calleeName = saved.calleeName;
    walk.shown = saved.shown;
    Object.assign(scope, { params: saved.params, vars: saved.vars, steps: saved.steps, locals: saved.locals });
  }
}

/**
 * A step's final failure: later steps see it as `steps.<id>.error`; the attempt fails unless the step's
 * policy is `continue` (a credential scope refusal is never swallowed by that).
 */
function stepFailed(
  step: Step,
  path: string,
  error: NonNullable<StepCheckpoint['error']>,
  image: string | undefined,
  walk: Walk,
): Halt | undefined {
  const failed: StepResult & { error: { message: string; step: string } } = { error: { message: error.message, step: path } };
  walk.scope.steps[step.id] = failed;
  walk.shown.delete(step.id);
  if (error.reason === 'CredentialScopeDenied')
    return { failed: { message: error.message, stepId: path, reason: error.reason }, image };
  if (failureEffect(step.onError) === 'fail-attempt') return { failed: { message: error.message, stepId: path }, image };
  return undefined;
}

/**
 * Runs `body` as a DBOS step named `path`, or returns what it recorded before. The fence guards the step
 * on both sides of the body (see fence.ts): a stale holder neither starts it nor records it.
 */
async function checkpointed(
  path: string,
  walk: Walk,
  rt: JobRuntime,
  body: () => Promise<StepCheckpoint>,
): Promise<StepCheckpoint> {
  let live = false;
  await rt.atStepBoundary?.(path);
  const boundTo = `${walk.workflowId}/${path}`;
  const recorded = await rt.fence.step(() =>
    DBOS.runStep(
      async (): Promise<RecordedCheckpoint> => {
        live = true;
        await guard(rt, walk, path);
        const stop = await rt.shouldStop?.();
        if (stop) return { stopped: stop };
        const reused = rt.reuse?.checkpoints.get(path);
        if (reused) {
          rt.logger.debug({ step: path }, 'step succeeded in the previous attempt: its checkpoint is reused');
          // Its session was sealed for the previous attempt's step: open it there, seal it for this one.
          return recordable(restored(reused, `${rt.reuse!.workflowId}/${path}`, rt), boundTo, rt);
        }
        rt.progress?.(walk.topIndex, walk.n, path);
        const result = recordable(await body(), boundTo, rt);
        // Right before DBOS records it: a holder that lost the run records nothing.
        await guard(rt, walk, path);
        return result;
      },
      { name: path },
    ),
  ).catch((err: unknown) => crashOnDurableFault(rt, err));
  const cp = restored(recorded, boundTo, rt);
  walk.checkpoints++;
  if (live && rt.crashAfterStep === walk.checkpoints) {
    rt.logger.warn(
      { step: path, checkpoint: walk.checkpoints },
      'crashing on purpose after the checkpoint (test hook)',
    );
    process.kill(process.pid, 'SIGKILL');
  }
  return cp;
}

/**
 * Throws DBOSWorkflowConflictError when this process must not go on with the attempt (halted, or its
 * fencing token moved on). DBOS records nothing for a step body that throws it and parks the workflow.
 */
async function guard(rt: JobRuntime, walk: Walk, path: string): Promise<void> {
  if (await rt.fence.holds()) return;
  rt.logger.warn({ step: path }, 'stopped the attempt: this robot no longer holds the run; nothing recorded');
  throw new DBOSWorkflowConflictError(walk.workflowId);
}

/**
 * What DBOS may record of a step: every string redacted (the image is a PNG, masked when taken), the
 * browser session sealed with the namespace's key (or left out without one).
 */
function recordable(cp: StepCheckpoint, boundTo: string, rt: JobRuntime): RecordedCheckpoint {
  const { image, session, ...rest } = cp;
  const out: RecordedCheckpoint = rt.redactor.value(rest);
  if (image !== undefined) out.image = image;
  if (session && rt.sessionKey) out.session = sealSession(session, rt.sessionKey, boundTo);
  return out;
}

function restored(rec: RecordedCheckpoint, boundTo: string, rt: JobRuntime): StepCheckpoint {
  const { session, ...rest } = rec;
  if (!session) return rest;
  if (!rt.sessionKey) throw new SessionSealError('the checkpoint holds a sealed browser session but this robot has no checkpoint key');
  return { ...rest, session: unsealSession(session, rt.sessionKey, boundTo) };
}

/**
 * A checkpoint write DBOS gave up on is a crash of the robot, not the step's error: report it and never
 * settle, so neither a step error nor the workflow's ERROR is recorded (the process exits; the job is
 * taken over from the last checkpoint). Other errors (cancel, conflict) go on as they are.
 */
function crashOnDurableFault(rt: JobRuntime, err: unknown): Promise<never> {
  if (!rt.onDurableFault || !isSystemDatabaseFault(err)) throw err;
  rt.logger.error({ err }, 'a checkpoint could not be written: the robot stops (a crash, not a failed attempt)');
  rt.onDurableFault(new DurableFaultError(err));
  return new Promise<never>(() => undefined);
}

async function executeStep(
  step: Step,
  path: string,
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
): Promise<StepCheckpoint> {
  try {
    if (step.action === 'if') {
      const yes = await condition(step.condition, walk.scope, rt.vault);
      return { branch: yes ? 'then' : step.else ? 'else' : 'none' };
    }
    if (step.action === 'forEach') {
      const items = await expression(step.items, walk.scope, rt.vault);
      if (!Array.isArray(items)) throw new Error(`forEach items ${step.items} is not a list`);
      checkForEachItems(path, items, walk.limits);
      return { items };
    }
    if (step.action === 'call')
      return { params: await renderCallParams(step, walk.input.calls ?? {}, (src) => render(src, walk.scope, rt.vault)) };
  } catch (err) {
    return { error: { message: rt.redactor.string(messageOf(err)) } };
  }
  // Their decisions are checkpointed per iteration or block (control-flow.ts).
  if (isControlStep(step)) return {};
  return executeLeaf(step, path, walk, rt, svc);
}

async function executeLeaf(
  step: LeafStep,
  path: string,
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
): Promise<StepCheckpoint> {
  // A callee without its own timeouts.stepSeconds has the job's.
  const timeouts = walk.current.timeouts?.stepSeconds !== undefined ? walk.current : walk.input.workflow;
  const timeoutMs = stepTimeoutMs(step, timeouts, svc.defaultStepTimeoutMs);
  const heals: HealNotice[] = [];
  const ctx = actionContext(path, timeoutMs, walk, rt, svc, heals, step.mask?.output === true);
  const tries = attemptsOf(step.onError);
  let lastError: unknown;
  walk.responses.stepStarted();
  for (let n = 1; n <= tries && !rt.fence.halted; n++) {
    if (n > 1) await sleep(backoffMs(step.onError, n));
    const refusedBefore = rt.refusals.length;
    walk.dialogs.last = undefined;
    try {
      walk.dialogs.answer = await dialogAnswer(step.dialogs, walk.current.dialogs ?? walk.input.workflow.dialogs, ctx.render);
      const result = await withTimeout(
        runAction(step, ctx),
        timeoutMs + 2000,
        `step ${path} timed out after ${timeoutMs} ms`,
      ).catch((err: unknown) => {
        // The browser's error for a blocked request names the full URL; the refusal names host and rule.
        throw rt.refusals[refusedBefore] ?? err;
      });
      const refused = rt.refusals[refusedBefore];
      if (refused) throw refused;
      // Before anything is recorded: an output over a cap fails the step, and is not checkpointed.
      if (result.output !== undefined) checkStepOutput(path, result.output, walk.limits, { bytes: walk.outputsBytes });
      if (result.vars) checkStepOutput(path, result.vars, walk.limits, undefined, 'variables set by');
      const cp: StepCheckpoint = {};
      if (result.output !== undefined) {
        if (step.mask?.output) {
          walk.liveOutputs.set(path, result.output);
          // From now on a copy of it (in a later output, an error, a log line) is cut out as well.
          rt.redactor.addValue(result.output);
          cp.outputMasked = true;
        } else cp.output = result.output;
      }
      if (result.vars) cp.vars = result.vars;
      if (walk.dialogs.last) cp.dialog = walk.dialogs.last;
      if (result.image) cp.image = result.image.toString('base64');
      const healed = heals.filter((h) => h.outcome === 'healed');
      if (healed.length > 0)
        cp.healed = healed.map((h) => ({ tier: h.tier!, score: h.score, target: h.target, ...(h.suggestion && { suggestion: h.suggestion }) }));
      if (result.browser && rt.session) {
        const snap = await captureSession(rt.session);
        if (!sameSession(walk.session, snap)) cp.session = snap;
      }
      return cp;
    } catch (err) {
      lastError = err;
      if (err instanceof CredentialScopeDeniedError && !err.audited) {
        err.audited = true;
        const denial = { ...err.denial, step: path };
        rt.logger.warn({ credential: loggable(denial) }, 'credential binding refused');
        try {
          rt.credentialAudit?.denied?.(denial);
        } catch (e) {
          rt.logger.warn({ err: messageOf(e) }, 'the credential audit hook failed');
        }
      }
      rt.logger.warn(
        { step: path, try: n, of: tries, err: rt.redactor.string(messageOf(err)) },
        'step try failed',
      );
      if (err instanceof LimitExceededError) break; // the same work would produce the same output
      if (err instanceof CredentialScopeDeniedError) break; // the same use would be refused again
    }
  }
  const cp: StepCheckpoint = {
    error: {
      message: rt.redactor.string(messageOf(lastError)),
      ...(lastError instanceof CredentialScopeDeniedError && { reason: lastError.reason }),
    },
  };
  if (walk.dialogs.last) cp.dialog = walk.dialogs.last;
  const image = await failureScreenshot(walk, rt, svc);
  if (image) cp.image = image.toString('base64');
  if (rt.session && !rt.session.page.isClosed()) {
    const snap = await captureSession(rt.session).catch(() => undefined);
    if (snap && !sameSession(walk.session, snap)) cp.session = snap;
  }
  return cp;
}

function actionContext(
  path: string,
  timeoutMs: number,
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
  heals: HealNotice[],
  masked: boolean,
): ActionContext {
  const resolving = resolveJobIn(rt, walk.calleeName);
  const job: ResolveJob | undefined = resolving && {
    ...resolving,
    onHeal: (notice) => {
      heals.push(notice);
      rt.resolveJob?.onHeal?.(notice);
    },
  };
  return {
    timeoutMs,
    // The same in every attempt and take-over of the run: a receiving server can drop a repeat.
    idempotencyKey: idempotencyKey(rt.runUid, path),
    signal: rt.fence.signal,
    egress: rt.egress,
    page: async () => (await ensureSession(walk, rt, svc, timeoutMs)).page,
    locate: async (target, opts) => {
      const page = (await ensureSession(walk, rt, svc, timeoutMs)).page;
      await awaitFrame(page, target.frame, timeoutMs);
      return svc.resolveTarget(page, await renderTarget(target, walk.scope, rt.vault), {
        stepPath: path,
        timeoutMs,
        expect: opts?.expect ?? 'one',
        templated: isTemplated(target),
        masked,
        ...(job && { job }),
      });
    },
    tabs: async () => {
      const session = await ensureSession(walk, rt, svc, timeoutMs);
      return { all: () => openTabs(session), active: () => session.page, activate: (p) => activateTab(session, p) };
    },
    recentResponses: () => walk.responses.recent(),
    render: (src) => render(src, walk.scope, rt.vault),
    condition: (src, locals) => condition(src, withLocals(walk.scope, locals), rt.vault),
    evaluate: (src, locals) => expression(src, withLocals(walk.scope, locals), rt.vault),
    masks: async (extra) => maskLocators(walk, rt, svc, extra ?? []),
    credentialSlots: credentialSlotsOfTemplate,
    authorizeCredentials: (c) => authorizeCredentials(rt, { ...c, step: path }),
    ...(rt.files && { files: rt.files.forStep(path) }),
    ...(rt.queues && { queues: rt.queues.forStep(rt.runUid, path) }),
  };
}

function withLocals(scope: JobScope, locals: Record<string, unknown> | undefined): JobScope {
  return locals ? { ...scope, locals: { ...scope.locals, ...locals } } : scope;
}

function authorizeCredentials(rt: JobRuntime, c: Parameters<typeof authorizeCredentialUse>[0]): Promise<void> {
  return authorizeCredentialUse(c, {
    lookup: (slot) => rt.vault.source(slot),
    logger: rt.logger,
    ...(rt.credentialAudit && { audit: rt.credentialAudit }),
  });
}

/** Who resolves targets for a step of the job, or of the callee `callee`: a callee's steps heal (and are suggested) on its RpaWorkflow. */
function resolveJobIn(rt: JobRuntime, callee: string | undefined): ResolveJob | undefined {
  const own = rt.resolveJob?.workflow;
  if (!rt.resolveJob || !own || callee === undefined) return rt.resolveJob;
  return { ...rt.resolveJob, workflow: { namespace: own.namespace, name: callee } };
}

/** The job's browser session: the live one, or one rebuilt from the last checkpoint. */
async function ensureSession(walk: Walk, rt: JobRuntime, svc: EngineServices, timeoutMs: number): Promise<JobSession> {
  // A halted attempt's browser context was closed on purpose: no step may open another.
  if (rt.fence.halted) throw new Error('the attempt was stopped (this robot no longer holds the run)');
  // The active tab closed itself (window.close()): the newest other tab becomes active.
  if (rt.session && svc.host.connected && rt.session.page.isClosed()) {
    const next = currentTab(rt.session);
    if (!next.isClosed()) await activateTab(rt.session, next);
  }
  if (rt.session && (rt.session.page.isClosed() || !svc.host.connected)) {
    rt.logger.warn('browser session lost; rebuilding it from the last checkpoint');
    await rt.session.context.close().catch(() => undefined);
    rt.session = undefined;
  }
  if (!rt.session) {
    const restoring = walk.session !== undefined;
    const options = await jobContextOptions(walk.input.workflow, {
      vault: rt.vault,
      authorize: (c) => authorizeCredentials(rt, { ...c, step: 'browser.httpCredentials' }),
    });
    const session = await openSession(svc.host, walk.session, options, async (context) => {
      // Before any page loads, so the restored tabs are guarded and answered too.
      walk.dialogs.attach(context);
      walk.responses.attach(context);
      await guardContext(context, rt.egress, { onRefused: (err) => rt.refusals.push(err) });
    });
    rt.session = session;
    rt.fence.onHalt(() => session.context.close());
    if (restoring) {
      await refillFields(walk, rt, svc, session, timeoutMs);
      rt.logger.info(
        { url: session.page.url(), refilled: walk.pending.length },
        'restored browser session from checkpoint',
      );
    }
  }
  rt.session.page.setDefaultTimeout(timeoutMs);
  return rt.session;
}

/** Fields typed since the page loaded are not in the snapshot: type them again. */
async function refillFields(
  walk: Walk,
  rt: JobRuntime,
  svc: EngineServices,
  session: JobSession,
  timeoutMs: number,
): Promise<void> {
  for (const f of walk.pending) {
    await awaitFrame(session.page, f.step.target.frame, timeoutMs);
    const loc = await svc.resolveTarget(session.page, await renderTarget(f.step.target, f.scope, rt.vault), {
      stepPath: f.path,
      timeoutMs,
      templated: isTemplated(f.step.target),
      ...(rt.resolveJob && { job: resolveJobIn(rt, f.callee)! }),
    });
    const text = async (src: string) => String((await render(src, f.scope, rt.vault)) ?? '');
    const slots = f.step.action === 'fill' ? credentialSlotsOfTemplate(f.step.value) : [];
    if (f.step.action === 'fill' && slots.length > 0) {
      const value = await text(f.step.value);
      await typeCredential(
        loc,
        slots,
        { page: async () => session.page, timeoutMs, authorizeCredentials: (c) => authorizeCredentials(rt, { ...c, step: f.path }) },
        (h) => h.fill(value, { timeout: timeoutMs }),
      );
    } else if (f.step.action === 'fill') await loc.fill(await text(f.step.value), { timeout: timeoutMs });
    else if (f.step.action === 'select')
      await loc
        .selectOption(await text(f.step.value), { timeout: timeoutMs })
        .catch(async () =>
          loc.selectOption({ label: await text((f.step as { value: string }).value) }, { timeout: timeoutMs }),
        );
    else if (f.step.action === 'check') await loc.check({ timeout: timeoutMs });
    else await loc.uncheck({ timeout: timeoutMs });
  }
}

async function maskLocators(walk: Walk, rt: JobRuntime, svc: EngineServices, extra: Target[]): Promise<Locator[]> {
  const session = rt.session;
  if (!session) return [];
  const targets = [...walk.masks, ...extra.map((target) => ({ target, scope: walk.scope }))];
  const out: Locator[] = [];
  for (const m of targets) {
    out.push(
      await svc.resolveTarget(session.page, await renderTarget(m.target, m.scope, rt.vault), {
        stepPath: 'mask',
        timeoutMs: 1000,
        expect: 'any',
        ...(rt.resolveJob && { job: rt.resolveJob }),
      }),
    );
  }
  return out;
}

async function failureScreenshot(walk: Walk, rt: JobRuntime, svc: EngineServices): Promise<Buffer | undefined> {
  if (!rt.session || rt.session.page.isClosed()) return undefined;
  try {
    return await maskedScreenshot(rt.session.page, { mask: await maskLocators(walk, rt, svc, []), timeoutMs: 5000 });
  } catch (err) {
    rt.logger.warn({ err: messageOf(err) }, 'could not take the failure screenshot');
    return undefined;
  }
}

const TARGET_TEXT_FIELDS = ['name', 'label', 'testId', 'text', 'css', 'xpath'] as const;

function isTemplated(t: Target): boolean {
  return TARGET_TEXT_FIELDS.some((f) => t[f]?.includes('{{'));
}

/** Targets may use templates (`text: "{{ item.name }}"`) in their locator strings. */
async function renderTarget(t: Target, scope: JobScope, vault: CredentialVault): Promise<Target> {
  if (!isTemplated(t)) return t;
  const out: Target = { ...t };
  for (const f of TARGET_TEXT_FIELDS) {
    const v = t[f];
    if (v !== undefined && v.includes('{{')) out[f] = String((await render(v, scope, vault)) ?? '');
  }
  return out;
}

/** The Idempotency-Key of a step: job uid + step path (api/v1alpha1/step-position.ts), stable across attempts. */
export function idempotencyKey(runUid: string, path: string): string {
  return `${runUid}/${path}`;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0]!.slice(0, 2000);
  return String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
