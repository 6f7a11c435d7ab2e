// while/until loops, try/catch/finally and `run` of a named block. Like forEach, every decision is a
// checkpoint of its own (a loop's condition once per iteration, under `<loop>[i]`) and the steps inside
// checkpoint under the step's path: `<loop>[i].<id>`, `<try>.try.<id>`, `<try>.catch.<id>`,
// `<try>.finally.<id>`, `<run>.<id>` (and, run by call.ts with this context, a callee's steps `<call>.<id>`). A take-over replays the recorded decisions and failures, so it walks
// the same iterations and branches and goes on at the first step without a checkpoint.
import type { CalledWorkflow } from '../../../api/v1alpha1/call-graph.js';
import type { Block, LoopStep, RunStep, Step, TryStep, WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import type { StepCheckpoint, StopReason } from './checkpoint.js';
import type { JobScope } from './scope.js';

/** Where a walk stopped early: a step's failure, or a cancel/deadline (interpreter.ts). */
export type Halt =
  | { failed: { message: string; stepId: string; reason?: 'CredentialScopeDenied' }; image?: string }
  | { stopped: StopReason; stepId: string };

/** What control flow needs of the interpreter's walk of one job. */
export interface FlowContext {
  /** The job's scope (its `locals` are swapped for loops and blocks). */
  scope: JobScope;
  /** Step outputs as they may leave the robot (masked ones `[masked]`). */
  shown: Map<string, unknown>;
  /** The job's screenshots by name. */
  screenshots: Record<string, string>;
  /** The blocks of the workflow whose steps are running (the callee's inside a call). */
  blocks: readonly Block[];
  /** The job's callees by name (call.ts), and how many calls deep the walk is. */
  calls: Readonly<Record<string, CalledWorkflow>>;
  callDepth: number;
  /** Runs a callee's steps under `path` in a scope of its own; its top-level outputs are the output. */
  runCallee(name: string, spec: WorkflowSpec, params: Record<string, unknown>, path: string): Promise<ControlOutcome>;
  runSteps(steps: Step[], parents: string[]): Promise<Halt | undefined>;
  /** Runs `body` as the checkpoint named `path`, or returns what it recorded before. */
  checkpoint(path: string, body: () => Promise<StepCheckpoint>): Promise<StepCheckpoint>;
  condition(src: string, scope: JobScope): Promise<boolean>;
  /** An error's message as it may be recorded (redacted). */
  errorMessage(err: unknown): string;
}

export type ControlStep = LoopStep | TryStep | RunStep;

/** What a control step came to: its output, a failure of the step itself, or a halt from inside it. */
export type ControlOutcome =
  | { output: unknown; shown: unknown }
  | { error: { message: string } }
  | { halt: Halt };

/** What a catch block sees as `error` (and a `run` inside it passes on). */
export interface CaughtError {
  message: string;
  /** Checkpoint path of the step that failed. */
  step: string;
  /** Name of the failure screenshot in the job's screenshots, when one was taken. */
  screenshot?: string;
}

/** Blocks run inside blocks at most this deep: admission refuses recursion, this bounds a payload that slipped by. */
export const MAX_BLOCK_NESTING = 32;

const blockDepth = new WeakMap<JobScope, number>();

export function isControlStep(s: Step): s is ControlStep {
  return s.action === 'while' || s.action === 'until' || s.action === 'try' || s.action === 'run';
}

export async function runControlStep(
  step: ControlStep,
  path: string,
  flow: FlowContext,
): Promise<ControlOutcome> {
  if (step.action === 'run') {
    const error = flow.scope.locals.error ?? null;
    return runBlock(step.block, [path], { error }, flow);
  }
  if (step.action === 'try') return runTry(step, path, flow);
  return runLoop(step, path, flow);
}

async function runLoop(
  step: LoopStep,
  path: string,
  flow: FlowContext,
): Promise<ControlOutcome> {
  const saved = flow.scope.locals;
  const iterations: Array<Record<string, unknown>> = [];
  const shownIterations: Array<Record<string, unknown>> = [];
  try {
    for (let index = 0; ; index++) {
      const locals = { ...saved, loop: { index, number: index + 1, first: index === 0 } };
      if (step.action === 'while') {
        const go = await decide(step, `${path}[${index}]`, index, saved, flow);
        if (!('proceed' in go)) return go;
        if (!go.proceed) break;
      }
      flow.scope.locals = locals;
      const halt = await flow.runSteps(step.steps, [`${path}[${index}]`]);
      if (halt) return { halt };
      iterations.push(Object.fromEntries(step.steps.map((s) => [s.id, flow.scope.steps[s.id]?.output])));
      shownIterations.push(Object.fromEntries(step.steps.map((s) => [s.id, flow.shown.get(s.id)])));
      if (step.action === 'until') {
        const go = await decide(step, `${path}[${index}]`, index + 1, locals, flow);
        if (!('proceed' in go)) return go;
        if (!go.proceed) break;
      }
    }
  } finally {
    flow.scope.locals = saved;
  }
  return { output: iterations, shown: shownIterations };
}

/**
 * Whether the loop runs another iteration, as a checkpoint: `done` iterations ran so far. One more than
 * maxIterations allows is the step's failure, not a silent stop.
 */
async function decide(
  step: LoopStep,
  path: string,
  done: number,
  locals: Record<string, unknown>,
  flow: FlowContext,
): Promise<{ proceed: boolean } | { error: { message: string } } | { halt: Halt }> {
  const cp = await flow.checkpoint(path, async () => {
    try {
      const value = await flow.condition(step.condition, { ...flow.scope, locals });
      const proceed = step.action === 'while' ? value : !value;
      if (proceed && done >= step.maxIterations)
        return {
          error: {
            message: `${step.action} loop ${step.id} did not end within maxIterations (${step.maxIterations}): its condition was still ${step.action === 'while'}`,
          },
        };
      return { proceed };
    } catch (err) {
      return { error: { message: flow.errorMessage(err) } };
    }
  });
  if (cp.stopped) return { halt: { stopped: cp.stopped, stepId: path } };
  if (cp.error) return { error: cp.error };
  return { proceed: cp.proceed === true };
}

async function runTry(
  step: TryStep,
  path: string,
  flow: FlowContext,
): Promise<ControlOutcome> {
  const body = await flow.runSteps(step.steps, [path, 'try']);
  // A stop (cancel, deadline) ends the attempt at once; a credential scope refusal is never caught.
  if (body && (!('failed' in body) || body.failed.reason === 'CredentialScopeDenied')) return { halt: body };
  let caught: CaughtError | null = null;
  let halt: Halt | undefined = body;
  if (body && step.catch !== undefined) {
    caught = caughtError(step, body, flow);
    const handled = await runBlock(step.catch, [path, 'catch'], { error: caught }, flow);
    if ('halt' in handled && 'stopped' in handled.halt) return handled;
    halt = 'halt' in handled ? handled.halt : 'error' in handled ? blockFailure(handled, path, 'catch') : undefined;
  }
  if (step.finally !== undefined) {
    // finally sees the failure going on after it (null when there is none).
    const failing = halt && 'failed' in halt ? halt : undefined;
    const error = failing === body && caught ? caught : failing ? { message: failing.failed.message, step: failing.failed.stepId } : null;
    const closing = await runBlock(step.finally, [path, 'finally'], { error }, flow);
    // A failure in finally replaces the one it ran after.
    if ('halt' in closing) return closing;
    if ('error' in closing) return { halt: blockFailure(closing, path, 'finally') };
  }
  if (halt) return { halt };
  const output = { failed: body !== undefined, ...(caught && { error: caught }) };
  return { output, shown: output };
}

/** The failure a catch block sees; its screenshot is kept with the job's screenshots as `<try>.error`. */
function caughtError(step: TryStep, body: Halt, flow: FlowContext): CaughtError {
  if (!('failed' in body)) throw new Error('only a failure is caught');
  const error: CaughtError = { message: body.failed.message, step: body.failed.stepId };
  if (body.image) {
    const name = `${step.id}.error`;
    flow.screenshots[name] = body.image;
    error.screenshot = name;
  }
  return error;
}

function blockFailure(outcome: { error: { message: string } }, path: string, part: string): Halt {
  return { failed: { message: outcome.error.message, stepId: `${path}.${part}` } };
}

/** Runs a named block's steps under `parents`. It sees no loop variable of its caller, only `error`. */
async function runBlock(
  name: string,
  parents: string[],
  locals: { error: unknown },
  flow: FlowContext,
): Promise<ControlOutcome> {
  const block: Block | undefined = flow.blocks.find((b) => b.name === name);
  if (!block) return { error: { message: `no block is named "${name}"` } };
  const depth = blockDepth.get(flow.scope) ?? 0;
  if (depth >= MAX_BLOCK_NESTING) return { error: { message: `blocks run inside blocks more than ${MAX_BLOCK_NESTING} deep` } };
  const saved = flow.scope.locals;
  flow.scope.locals = locals;
  blockDepth.set(flow.scope, depth + 1);
  try {
    const halt = await flow.runSteps(block.steps, parents);
    if (halt) return { halt };
  } finally {
    flow.scope.locals = saved;
    blockDepth.set(flow.scope, depth);
  }
  const output = Object.fromEntries(block.steps.map((s) => [s.id, flow.scope.steps[s.id]?.output]));
  const shown = Object.fromEntries(block.steps.map((s) => [s.id, flow.shown.get(s.id)]));
  return { output, shown };
}
