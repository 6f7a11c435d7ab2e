// Deep checks of a workflow, beyond what the schema (and the API server) can say: references to
// undeclared params, to steps that come later or do not exist, to variables never set, to unknown
// credential slots/keys, duplicate step ids at any depth. Every problem names the step and field.
import type { z } from 'zod';
import {
  ExpressionError,
  parseCondition,
  parseTemplate,
  referencedNames,
  ROOTS,
  type Expr,
  type References,
} from '../expr/index.js';
import { visit } from '../expr/ast.js';
import { compilePattern, PatternError } from '../expr/regex.js';
import { inputShapeProblems } from './input-shape.js';
import { templateImageProblem } from './png-header.js';
import { blockProblems, blockRefsOf, blocksReachedFrom } from './block-graph.js';
import { childStepLists, WorkflowSpec, type Block, type Step } from './workflow.js';

export interface WorkflowProblem {
  /** Field path inside the workflow spec, e.g. `steps[2].then[0].value`. */
  path: string;
  /** Id of the step the problem is in, when it is in one. */
  stepId?: string;
  message: string;
}

/** One line for a condition message or an error: `step "login" (steps[1].value): ...`. */
export function formatProblem(p: WorkflowProblem): string {
  return p.stepId ? `step "${p.stepId}" (${p.path}): ${p.message}` : `${p.path || 'workflow'}: ${p.message}`;
}

export class WorkflowInvalidError extends Error {
  override readonly name = 'WorkflowInvalidError';
  constructor(readonly problems: WorkflowProblem[]) {
    super(`invalid workflow: ${problems.map(formatProblem).join('; ')}`);
  }
}

/** Fields that hold recorded data or names, never templates. */
const NOT_TEMPLATES = new Set([
  'id',
  'action',
  'description',
  'fingerprint',
  'image',
  'condition',
  'items',
  'as',
  'then',
  'else',
  'steps',
  'block',
  'catch',
  'finally',
  // expressions and data (checkQueueAdd)
  'queueAdd',
]);
/** Fields of an expression rather than a template. */
const EXPRESSION_FIELDS = ['condition', 'items'] as const;
/** Where a credential may be used: values that go to the page or the request, never to outputs. */
const CREDENTIAL_FIELDS: Record<string, RegExp> = {
  fill: /^value$/,
  http: /^(headers\..+|body|url)$/,
  press: /^key$/,
};

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

/** Every string under a step's own fields (not nested steps), with its key path inside the step. */
function templateStrings(
  value: unknown,
  keys: Array<string | number>,
  out: Array<{ keys: Array<string | number>; text: string }>,
): void {
  if (typeof value === 'string') out.push({ keys, text: value });
  else if (Array.isArray(value)) value.forEach((v, i) => templateStrings(v, [...keys, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (keys.length === 0 && NOT_TEMPLATES.has(k)) continue;
      if (k === 'fingerprint' || k === 'image') continue;
      templateStrings(v, [...keys, k], out);
    }
}

interface Walk {
  params: Set<string>;
  slots: Map<string, Set<string>>;
  allIds: Set<string>;
  /** Step ids that have a result where the walk is (for "comes later"). */
  seenIds: Set<string>;
  /** Where each step id was first declared (for duplicates). */
  declared: Map<string, string>;
  blocks: readonly Block[];
  allVars: Set<string>;
  setVars: Set<string>;
  problems: WorkflowProblem[];
}

function checkReferences(w: Walk, refs: References, locals: string[], step: Step, path: string, field: string): void {
  const report = (message: string) => w.problems.push({ path, stepId: step.id, message });
  for (const p of refs.params)
    if (!w.params.has(p)) report(p ? `refers to undeclared param "${p}"` : 'params must be followed by a param name');
  for (const id of refs.steps) {
    if (id === step.id) report(`refers to its own output (steps.${id})`);
    else if (!w.allIds.has(id))
      report(id ? `refers to step "${id}", which does not exist` : 'steps must be followed by a step id');
    else if (!w.seenIds.has(id)) report(`refers to step "${id}", which comes later`);
  }
  for (const v of refs.vars) {
    if (!w.allVars.has(v))
      report(v ? `refers to variable "${v}", which no setVariable step sets` : 'vars must be followed by a name');
    else if (!w.setVars.has(v)) report(`refers to variable "${v}", which is only set by a later step`);
  }
  for (const [slot, key] of refs.credentials) {
    const keys = w.slots.get(slot);
    if (!keys)
      report(slot ? `refers to undeclared credential slot "${slot}"` : 'credentials must be followed by a slot name');
    else if (!keys.has(key))
      report(
        key
          ? `refers to key "${key}", which credential slot "${slot}" does not declare`
          : `credentials.${slot} must be followed by a key`,
      );
  }
  if (refs.credentials.length > 0 && !CREDENTIAL_FIELDS[step.action]?.test(field))
    report(
      'credentials may only be used in fill.value, press.key and http url/headers/body, so they never reach outputs, variables or logs',
    );
  for (const l of refs.locals)
    if (!locals.includes(l))
      report(`unknown name "${l}" (not a loop variable here; use params., steps., vars. or credentials.)`);
}

/** `matches` with a literal pattern: the pattern must compile on RE2 within the limits (checked now, not mid-run). */
function checkPatterns(w: Walk, exprs: Expr[], step: Step, path: string): void {
  for (const e of exprs)
    visit(e, (n) => {
      if (n.kind !== 'compare' || n.op !== 'matches' || n.right.kind !== 'literal') return;
      if (typeof n.right.value !== 'string') {
        w.problems.push({
          path,
          stepId: step.id,
          message: `the right side of "matches" must be a string at position ${n.pos}`,
        });
        return;
      }
      try {
        compilePattern(n.right.value);
      } catch (err) {
        if (!(err instanceof PatternError)) throw err;
        w.problems.push({ path, stepId: step.id, message: `${err.message} at position ${n.pos}` });
      }
    });
}

/** A target's template image (inline PNG) must be a PNG within the size caps. */
function checkImages(w: Walk, step: Step, path: string): void {
  const png = (step as { target?: { image?: { png?: unknown } } }).target?.image?.png;
  if (typeof png !== 'string') return;
  const problem = templateImageProblem(png);
  if (problem) w.problems.push({ path: `${path}.target.image.png`, stepId: step.id, message: problem });
}

function syntaxProblem(err: unknown, step: Step, path: string): WorkflowProblem {
  if (err instanceof ExpressionError)
    return { path, stepId: step.id, message: `${err.reason} at position ${err.position}` };
  throw err;
}

function walkSteps(w: Walk, steps: Step[], base: string, locals: string[]): void {
  steps.forEach((step, i) => {
    const path = joinPath(base, i);
    const strings: Array<{ keys: Array<string | number>; text: string }> = [];
    templateStrings(step, [], strings);
    for (const { keys, text } of strings) {
      const fieldPath = keys.reduce<string>((acc, k) => joinPath(acc, k), path);
      try {
        const t = parseTemplate(text);
        checkReferences(w, referencedNames(t), locals, step, fieldPath, keys.join('.'));
        checkPatterns(
          w,
          t.parts.flatMap((p) => (p.kind === 'expr' ? [p.expr] : [])),
          step,
          fieldPath,
        );
      } catch (err) {
        w.problems.push(syntaxProblem(err, step, fieldPath));
      }
    }
    // until checks its condition after each iteration: it may read the steps inside the loop.
    if (step.action !== 'until') checkExpressions(w, step, path, locals);
    checkImages(w, step, path);
    const firstAt = w.declared.get(step.id);
    if (firstAt !== undefined)
      w.problems.push({ path: `${path}.id`, stepId: step.id, message: `duplicate step id (first used at ${firstAt})` });
    else w.declared.set(step.id, path);
    w.seenIds.add(step.id);
    let inner = locals;
    if (step.action === 'forEach') {
      const as = step.as ?? 'item';
      if ((ROOTS as readonly string[]).includes(as))
        w.problems.push({ path: `${path}.as`, stepId: step.id, message: `loop variable cannot be named "${as}"` });
      inner = [...locals, as, 'loop'];
    }
    if (step.action === 'while' || step.action === 'until') inner = [...locals, 'loop'];
    for (const child of childStepLists(step)) walkSteps(w, child.steps, `${path}.${child.field}`, inner);
    if (step.action === 'until') checkExpressions(w, step, path, inner);
    if (step.action === 'setVariable') w.setVars.add(step.name);
    if (blockRefsOf(step).length > 0) seeBlockResults(w, step);
  });
}

function checkExpressions(w: Walk, step: Step, path: string, locals: string[]): void {
  for (const field of EXPRESSION_FIELDS) {
    const src = (step as Record<string, unknown>)[field];
    if (typeof src !== 'string') continue;
    // A waitFor condition is evaluated again and again against the page it waits on.
    const here = step.action === 'waitFor' && field === 'condition' ? [...locals, 'page'] : locals;
    checkExpression(w, { src, locals: here, step, path: `${path}.${field}`, field });
  }
  if (step.action === 'queueAdd') {
    const { items, reference } = step.queueAdd;
    if (typeof items === 'string') checkExpression(w, { src: items, locals, step, path: `${path}.queueAdd.items`, field: 'queueAdd.items' });
    // Evaluated once per item, with the item and its position in scope.
    if (reference !== undefined)
      checkExpression(w, { src: reference, locals: [...locals, 'item', 'loop'], step, path: `${path}.queueAdd.reference`, field: 'queueAdd.reference' });
  }
}

function checkExpression(w: Walk, e: { src: string; locals: string[]; step: Step; path: string; field: string }): void {
  try {
    const parsed = parseCondition(e.src);
    checkReferences(w, referencedNames(parsed), e.locals, e.step, e.path, e.field);
    checkPatterns(w, [parsed], e.step, e.path);
  } catch (err) {
    w.problems.push(syntaxProblem(err, e.step, e.path));
  }
}

/** After a step that runs blocks, their steps' results and variables are there for later steps. */
function seeBlockResults(w: Walk, step: Step): void {
  for (const name of blocksReachedFrom([step], w.blocks)) {
    const block = w.blocks.find((b) => b.name === name);
    if (block) collectIdsAndVars(block.steps, w.seenIds, w.setVars);
  }
}

/**
 * A block may run from anywhere: its steps may read any step outside it and any variable; inside it the
 * order is checked as usual. It sees no loop variable of its caller, only `error` (in a catch block the
 * failure, else null).
 */
function walkBlocks(w: Walk): void {
  w.blocks.forEach((block, i) => {
    const own = new Set<string>();
    collectIdsAndVars(block.steps, own, new Set());
    const outer = { seenIds: w.seenIds, setVars: w.setVars };
    w.seenIds = new Set([...w.allIds].filter((id) => !own.has(id)));
    w.setVars = new Set(w.allVars);
    walkSteps(w, block.steps, `blocks[${i}].steps`, ['error']);
    Object.assign(w, outer);
  });
}

function collectIdsAndVars(steps: Step[], ids: Set<string>, vars: Set<string>): void {
  for (const s of steps) {
    ids.add(s.id);
    if (s.action === 'setVariable') vars.add(s.name);
    for (const c of childStepLists(s)) collectIdsAndVars(c.steps, ids, vars);
  }
}

/** Deep checks of a workflow that already passed the schema. */
export function checkWorkflow(spec: WorkflowSpec): WorkflowProblem[] {
  // Param defaults are any JSON: bound their nesting before anything renders or compares them.
  const shape = inputShapeProblems(spec);
  if (shape.length > 0) return shape;
  const w: Walk = {
    params: new Set((spec.params ?? []).map((p) => p.name)),
    slots: new Map((spec.credentials ?? []).map((c) => [c.name, new Set(c.keys)])),
    allIds: new Set(),
    seenIds: new Set(),
    declared: new Map(),
    blocks: spec.blocks ?? [],
    allVars: new Set(),
    setVars: new Set(),
    problems: [],
  };
  collectIdsAndVars(spec.steps, w.allIds, w.allVars);
  for (const b of w.blocks) collectIdsAndVars(b.steps, w.allIds, w.allVars);
  w.problems.push(...blockProblems(spec));
  walkSteps(w, spec.steps, 'steps', []);
  walkBlocks(w);
  (spec.params ?? []).forEach((p, i) => {
    if (p.required && p.default !== undefined)
      w.problems.push({ path: `params[${i}]`, message: `param "${p.name}" is required and also has a default` });
  });
  return w.problems;
}

/** zod issues as problems, naming the step where the path goes through one. */
export function schemaProblems(input: unknown, issues: z.core.$ZodIssue[]): WorkflowProblem[] {
  return issues.map((issue) => {
    let path = '';
    let node: unknown = input;
    let stepId: string | undefined;
    for (const key of issue.path) {
      path = joinPath(path, typeof key === 'number' ? key : String(key));
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
      const id = node && typeof node === 'object' && 'action' in node ? (node as { id?: unknown }).id : undefined;
      if (typeof id === 'string') stepId = id;
    }
    return { path, ...(stepId ? { stepId } : {}), message: issue.message };
  });
}

/** Schema and deep checks together: every problem of a workflow, none when it is valid. */
export function validateWorkflow(input: unknown): WorkflowProblem[] {
  const shape = inputShapeProblems(input);
  if (shape.length > 0) return shape;
  const parsed = WorkflowSpec.safeParse(input);
  if (!parsed.success) return schemaProblems(input, parsed.error.issues);
  return checkWorkflow(parsed.data);
}

/** The parsed workflow (defaults applied), or a WorkflowInvalidError listing every problem. */
export function parseWorkflow(input: unknown): WorkflowSpec {
  const shape = inputShapeProblems(input);
  if (shape.length > 0) throw new WorkflowInvalidError(shape);
  const parsed = WorkflowSpec.safeParse(input);
  if (!parsed.success) throw new WorkflowInvalidError(schemaProblems(input, parsed.error.issues));
  const problems = checkWorkflow(parsed.data);
  if (problems.length > 0) throw new WorkflowInvalidError(problems);
  return parsed.data;
}
