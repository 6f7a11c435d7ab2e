// Evaluates a syntax tree against a scope. Lookups of missing fields give undefined (so
// `| default:` works); unknown root names and type mismatches in comparisons are errors.
import type { Expr } from './ast.js';
import { comparableInstant } from './dates.js';
import { ExpressionError } from './errors.js';
import { FunctionError, kindOf, type CallContext, type Lambda } from './fn.js';
import { functionNamed } from './functions.js';
import { MAX_EVALUATION_STEPS } from './limits.js';
import { arithmetic, negate } from './numbers.js';
import { compilePattern, PatternError, patternMatches } from './regex.js';
import { asNumber, equal, truthy, ValueTooDeepError } from './values.js';

export interface StepResult {
  output?: unknown;
}

/** Everything an expression can see. */
export interface Scope {
  params?: Record<string, unknown>;
  steps?: Record<string, StepResult>;
  vars?: Record<string, unknown>;
  credentials?: Record<string, Record<string, string>>;
  /** Loop variables (`item` or a forEach's `as`, and `loop`). */
  locals?: Record<string, unknown>;
  /** What `now()` returns (ISO 8601): the job attempt's clock, recorded so a replay sees the same time. */
  now?: string;
}

export const ROOTS = ['params', 'steps', 'vars', 'credentials'] as const;
export type Root = (typeof ROOTS)[number];

/** One evaluation: the scope, the source positions refer to, and the steps spent so far (shared by lambdas). */
interface Run {
  scope: Scope;
  source: string;
  meter: { steps: number };
}

function lookupRoot(e: Extract<Expr, { kind: 'path' }>, scope: Scope, source: string): unknown {
  if ((ROOTS as readonly string[]).includes(e.root)) return scope[e.root as Root] ?? {};
  if (scope.locals && Object.hasOwn(scope.locals, e.root)) return scope.locals[e.root];
  throw new ExpressionError(
    `unknown name "${e.root}" (use params., steps., vars., credentials. or a loop variable)`,
    source,
    e.pos,
  );
}

function index(container: unknown, key: unknown): unknown {
  if (container === null || container === undefined) return undefined;
  if (Array.isArray(container)) {
    const n = asNumber(key);
    if (n === undefined || !Number.isInteger(n)) return undefined;
    return container[n < 0 ? container.length + n : n];
  }
  if (typeof container === 'string') {
    if (key === 'length') return container.length;
    const n = asNumber(key);
    return n === undefined ? undefined : container[n];
  }
  if (typeof container === 'object' && (typeof key === 'string' || typeof key === 'number')) {
    const k = String(key);
    return Object.hasOwn(container, k) ? (container as Record<string, unknown>)[k] : undefined;
  }
  return undefined;
}

function order(a: unknown, b: unknown, e: Expr, source: string): number {
  const da = comparableInstant(a);
  const db = da === undefined ? undefined : comparableInstant(b);
  if (da !== undefined && db !== undefined) return da - db; // two ISO 8601 dates: as instants
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined && (typeof a === 'number' || typeof b === 'number' || typeof a !== typeof b))
    return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  throw new ExpressionError(`cannot order ${kindOf(a)} and ${kindOf(b)}`, source, e.pos);
}

function contains(hay: unknown, needle: unknown): boolean {
  if (typeof hay === 'string') return needle !== undefined && needle !== null && hay.includes(String(needle));
  if (Array.isArray(hay)) return hay.some((v) => equal(v, needle));
  if (hay && typeof hay === 'object') return typeof needle === 'string' && Object.hasOwn(hay, needle);
  return false;
}

function matches(value: unknown, pattern: unknown, e: Expr, source: string): boolean {
  if (typeof pattern !== 'string')
    throw new ExpressionError('the right side of "matches" must be a string', source, e.pos);
  try {
    compilePattern(pattern);
    if (value === undefined || value === null) return false;
    return patternMatches(pattern, typeof value === 'string' ? value : String(value));
  } catch (err) {
    if (err instanceof PatternError) throw new ExpressionError(err.message, source, e.pos, { cause: err });
    throw err;
  }
}

/** Value of an expression. `source` is the text the positions refer to (for error messages). */
export function evaluate(e: Expr, scope: Scope, source: string): unknown {
  return evaluateNode(e, { scope, source, meter: { steps: 0 } });
}

function charge(run: Run, n: number, e: Expr): void {
  run.meter.steps += n;
  if (run.meter.steps > MAX_EVALUATION_STEPS)
    throw new ExpressionError(
      `evaluation needs more than ${MAX_EVALUATION_STEPS} steps (long lists or texts, or filter/map inside filter/map)`,
      run.source,
      e.pos,
    );
}

/** Errors of values and functions are reported at the innermost node that met them. */
function evaluateNode(e: Expr, run: Run): unknown {
  charge(run, 1, e);
  try {
    return nodeValue(e, run);
  } catch (err) {
    if (err instanceof ValueTooDeepError || err instanceof FunctionError)
      throw new ExpressionError(err.message, run.source, e.pos, { cause: err });
    throw err;
  }
}

/** A lambda argument as a function of one element: its body with the parameter bound as a local. */
function lambdaOf(e: Extract<Expr, { kind: 'lambda' }>, run: Run): Lambda {
  // Without a prototype, any parameter name is an own key and never reaches Object.prototype.
  const locals = Object.assign(Object.create(null) as Record<string, unknown>, run.scope.locals);
  const inner: Run = { ...run, scope: { ...run.scope, locals } };
  return (value) => {
    locals[e.param] = value;
    return evaluateNode(e.body, inner);
  };
}

function call(e: Expr, name: string, argNodes: Expr[], run: Run): unknown {
  const fn = functionNamed(name);
  if (!fn) throw new ExpressionError(`unknown function "${name}"`, run.source, e.pos);
  const args = argNodes.map((a, i) => {
    const wantsLambda = fn.lambdas?.includes(i) ?? false;
    if (wantsLambda !== (a.kind === 'lambda'))
      throw new ExpressionError(`"${name}" takes ${wantsLambda ? 'a lambda' : 'a value'} here`, run.source, a.pos);
    return a.kind === 'lambda' ? lambdaOf(a, run) : evaluateNode(a, run);
  });
  const cx: CallContext = { charge: (n) => charge(run, n, e), now: run.scope.now };
  const result = fn.apply(args, cx);
  // A text a function built cost work in proportion to its length (upper, json, join...).
  if (typeof result === 'string') charge(run, Math.floor(result.length / 10), e);
  return result;
}

function nodeValue(e: Expr, run: Run): unknown {
  const { scope, source } = run;
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list':
      return e.items.map((i) => evaluateNode(i, run));
    case 'object': {
      const out: Record<string, unknown> = {};
      // The parser refuses "__proto__" as a key, so each key becomes an own property.
      for (const { key, value } of e.entries) out[key] = evaluateNode(value, run);
      return out;
    }
    case 'path': {
      let v = lookupRoot(e, scope, source);
      for (const s of e.segments) v = index(v, evaluateNode(s, run));
      return v;
    }
    case 'filter':
      return call(e, e.name, [e.input, ...e.args], run);
    case 'call':
      return call(e, e.name, e.args, run);
    case 'lambda':
      throw new ExpressionError('a lambda (x => ...) can only be an argument of filter, map or sum', source, e.pos);
    case 'arith':
      return arithmetic(e.op, evaluateNode(e.left, run), evaluateNode(e.right, run));
    case 'negate':
      return negate(evaluateNode(e.operand, run));
    case 'not':
      return !truthy(evaluateNode(e.operand, run));
    case 'logical': {
      const left = truthy(evaluateNode(e.left, run));
      if (e.op === 'and') return left && truthy(evaluateNode(e.right, run));
      return left || truthy(evaluateNode(e.right, run));
    }
    case 'compare': {
      const a = evaluateNode(e.left, run);
      const b = evaluateNode(e.right, run);
      switch (e.op) {
        case '==':
          return equal(a, b);
        case '!=':
          return !equal(a, b);
        case '<':
          return order(a, b, e, source) < 0;
        case '<=':
          return order(a, b, e, source) <= 0;
        case '>':
          return order(a, b, e, source) > 0;
        case '>=':
          return order(a, b, e, source) >= 0;
        case 'contains':
          return contains(a, b);
        case 'matches':
          return matches(a, b, e, source);
      }
    }
  }
}
