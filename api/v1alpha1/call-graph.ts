// Which RpaWorkflows a workflow's `call` steps run, directly or through their callees, and the checks
// the CRD cannot make (pure: the lookup of a workflow by name is passed in). A callee that does not exist
// (yet), an invalid callee, a cycle, calls nested deeper than MAX_CALL_DEPTH, more than MAX_CALLEES
// distinct callees, a snapshot over MAX_CALL_SNAPSHOT_BYTES, more than MAX_EXPANDED_STEPS steps with
// every call expanded, params the callee does not declare (or required ones left out), and credential
// slots a callee needs that the job does not bind. Every problem names the call step and field.
import { childStepLists, matchesParamType, WorkflowSpec, type CallStep, type Step } from './workflow.js';
import { formatProblem, validateWorkflow } from './validate-workflow.js';

/** A call chain (job -> a -> b -> ...) may hold at most this many calls. */
export const MAX_CALL_DEPTH = 4;
/** Distinct workflows one job may call, over its whole call graph. */
export const MAX_CALLEES = 16;
/** JSON bytes of all callee snapshots together (they travel in the queue payload). */
export const MAX_CALL_SNAPSHOT_BYTES = 1024 * 1024;
/** Steps of the job with every call site expanded into its callee's steps (a static count, loops once). */
export const MAX_EXPANDED_STEPS = 5000;

/** A callee as the job runs it: the generation it was resolved at and its parsed spec. */
export interface CalledWorkflow {
  generation: number;
  spec: WorkflowSpec;
}

/** What the lookup finds for a name: the RpaWorkflow's generation and its (unchecked) spec. */
export interface FoundWorkflow {
  generation: number;
  spec: unknown;
}
export type WorkflowLookup = (name: string) => FoundWorkflow | undefined;

export interface CallProblem {
  /** notFound: may heal by itself once the workflow is created; invalid: the caller or callee must change. */
  kind: 'notFound' | 'invalid';
  /** The workflows the call site is in, from the job's own (empty) down to the one holding it. */
  via: string[];
  /** Field path in the workflow holding the call, e.g. `steps[2].call.workflow`. */
  path: string;
  stepId?: string;
  message: string;
}

export interface CallGraph {
  /** Every workflow the job calls, by name. */
  calls: Record<string, CalledWorkflow>;
  problems: CallProblem[];
  /** Names of called workflows that do not exist. */
  missing: string[];
}

/**
 * One line for a condition message: `step "sub" (spec.workflow.steps[1].call.workflow): ...` for a job's
 * inline workflow, `RpaWorkflow main: step "sub" (steps[1].call.workflow): ...` for the RpaWorkflow `root`
 * it references, and the callee holding the call site (with the chain to it) inside a callee.
 */
export function formatCallProblem(p: CallProblem, root?: string): string {
  const called = p.via.length > 0;
  const where = called ? `RpaWorkflow ${p.via[p.via.length - 1]} (called via ${p.via.join(' -> ')}): ` : root ? `RpaWorkflow ${root}: ` : '';
  const path = called || root ? p.path : `spec.workflow.${p.path}`;
  return where + formatProblem({ path, ...(p.stepId !== undefined && { stepId: p.stepId }), message: p.message });
}

/** Every call step of a workflow (steps and blocks, nested lists included) with its field path. */
export function callSitesOf(spec: Pick<WorkflowSpec, 'steps' | 'blocks'>): Array<{ path: string; step: CallStep }> {
  const out: Array<{ path: string; step: CallStep }> = [];
  const walk = (steps: Step[], base: string) =>
    steps.forEach((s, i) => {
      if (s.action === 'call') out.push({ path: `${base}[${i}]`, step: s });
      for (const c of childStepLists(s)) walk(c.steps, `${base}[${i}].${c.field}`);
    });
  walk(spec.steps, 'steps');
  (spec.blocks ?? []).forEach((b, i) => walk(b.steps, `blocks[${i}].steps`));
  return out;
}

/** Steps of a workflow at every depth, blocks included (call steps count as one). */
export function stepCount(spec: Pick<WorkflowSpec, 'steps' | 'blocks'>): number {
  const count = (steps: Step[]): number => steps.reduce((n, s) => n + 1 + childStepLists(s).reduce((m, c) => m + count(c.steps), 0), 0);
  return count(spec.steps) + (spec.blocks ?? []).reduce((n, b) => n + count(b.steps), 0);
}

/** The params a call passes checked against the callee's declarations (values are templates: only literal types are checked at run time). */
function paramProblems(step: CallStep, callee: WorkflowSpec, name: string): string[] {
  const declared = new Map((callee.params ?? []).map((p) => [p.name, p]));
  const given = step.call.params ?? {};
  const out: string[] = [];
  for (const key of Object.keys(given))
    if (!declared.has(key)) out.push(`param "${key}" is not a param of RpaWorkflow ${name}`);
  for (const p of declared.values())
    if (p.required && given[p.name] === undefined) out.push(`RpaWorkflow ${name} requires param "${p.name}"`);
  return out;
}

interface Node {
  name: string;
  found?: FoundWorkflow;
  spec?: WorkflowSpec;
  /** Problems of the workflow itself (validation). */
  invalid?: string;
}

export interface CallGraphOptions {
  /** Credential slots the job binds: every callee's slots must be among them. */
  boundSlots: ReadonlySet<string>;
  /** The job's own workflow's name, when it is an RpaWorkflow (a call back to it is a cycle). */
  rootName?: string;
}

/** Resolves the call graph of `root`: the callees to snapshot, or the problems that keep the job from running. */
export function resolveCallGraph(root: WorkflowSpec, lookup: WorkflowLookup, opts: CallGraphOptions): CallGraph {
  const nodes = new Map<string, Node>();
  const problems: CallProblem[] = [];
  const missing = new Set<string>();
  const node = (name: string): Node => {
    let n = nodes.get(name);
    if (n) return n;
    n = { name };
    nodes.set(name, n);
    const found = lookup(name);
    if (!found) return n;
    n.found = found;
    const invalid = validateWorkflow(found.spec);
    if (invalid.length > 0) n.invalid = invalid.slice(0, 3).map((p) => formatProblem(p)).join('; ');
    else n.spec = WorkflowSpec.parse(found.spec);
    return n;
  };

  // The longest chain of calls below each workflow (it left out) and its expanded step count; `active` finds cycles.
  const longest = new Map<string, string[]>();
  const expanded = new Map<string, number>();
  const active: string[] = [];
  const rootKey = opts.rootName ?? '';

  const explore = (key: string, spec: WorkflowSpec, via: string[]): { chain: string[]; steps: number } => {
    active.push(key);
    let chain: string[] = [];
    let steps = stepCount(spec);
    for (const { path, step } of callSitesOf(spec)) {
      const name = step.call.workflow;
      const at = { via, path: `${path}.call.workflow`, stepId: step.id };
      const cycleAt = active.indexOf(name);
      if (cycleAt >= 0) {
        const cycle = [...active.slice(cycleAt), name].map((n) => n || '(job)');
        problems.push({ ...at, kind: 'invalid', message: `calls RpaWorkflow ${name}, a cycle (${cycle.join(' -> ')}); workflows may not call themselves` });
        continue;
      }
      const n = node(name);
      if (!n.found) {
        missing.add(name);
        problems.push({ ...at, kind: 'notFound', message: `RpaWorkflow ${name} does not exist` });
        continue;
      }
      if (!n.spec) {
        problems.push({ ...at, kind: 'invalid', message: `RpaWorkflow ${name} is invalid: ${n.invalid}` });
        continue;
      }
      for (const m of paramProblems(step, n.spec, name)) problems.push({ ...at, path: `${path}.call.params`, kind: 'invalid', message: m });
      for (const slot of n.spec.credentials ?? [])
        if (!opts.boundSlots.has(slot.name))
          problems.push({ ...at, kind: 'invalid', message: `RpaWorkflow ${name} needs credential slot "${slot.name}", which the job does not bind (declare it in the calling workflow and bind it in the RpaJob)` });
      if (!longest.has(name)) {
        const below = explore(name, n.spec, [...via, name]);
        longest.set(name, below.chain);
        expanded.set(name, below.steps);
      }
      const candidate = [name, ...longest.get(name)!];
      if (candidate.length > chain.length) chain = candidate;
      steps += expanded.get(name)!;
    }
    active.pop();
    return { chain, steps };
  };

  const top = explore(rootKey, root, []);
  const calls: Record<string, CalledWorkflow> = {};
  for (const [name, n] of nodes) if (n.spec && n.found) calls[name] = { generation: n.found.generation, spec: n.spec };

  const rootProblem = (message: string) => problems.push({ kind: 'invalid', via: [], path: 'steps', message });
  if (top.chain.length > MAX_CALL_DEPTH)
    rootProblem(`calls nest ${top.chain.length} deep (${['(job)', ...top.chain].join(' -> ')}), at most ${MAX_CALL_DEPTH}`);
  const distinct = nodes.size;
  if (distinct > MAX_CALLEES) rootProblem(`calls ${distinct} distinct workflows, at most ${MAX_CALLEES}`);
  const bytes = Object.values(calls).reduce((n, c) => n + Buffer.byteLength(JSON.stringify(c.spec), 'utf8'), 0);
  if (bytes > MAX_CALL_SNAPSHOT_BYTES)
    rootProblem(`the called workflows take ${Math.ceil(bytes / 1024)} KiB of JSON, over the ${MAX_CALL_SNAPSHOT_BYTES / 1024} KiB limit`);
  if (top.steps > MAX_EXPANDED_STEPS)
    rootProblem(`${top.steps} steps with every call expanded, at most ${MAX_EXPANDED_STEPS}`);
  return { calls, problems, missing: [...missing].sort() };
}

/** Whether a rendered param value fits the callee's declared type (the robot checks it when the call runs). */
export function callParamTypeProblem(callee: WorkflowSpec, name: string, value: unknown): string | undefined {
  const p = (callee.params ?? []).find((d) => d.name === name);
  if (!p || value === undefined || matchesParamType(p.type, value)) return undefined;
  return `param "${name}" must be of type ${p.type}`;
}
