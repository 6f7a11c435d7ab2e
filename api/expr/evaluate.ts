// Evaluates a syntax tree against a scope. Lookups of missing fields give undefined (so
// `| default:` works); unknown root names and type mismatches in comparisons are errors.
import type { Expr } from './ast.js';
import { ExpressionError } from './errors.js';
import { filterNamed } from './filters.js';
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
}

export const ROOTS = ['params', 'steps', 'vars', 'credentials'] as const;
export type Root = (typeof ROOTS)[number];

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
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined && (typeof a === 'number' || typeof b === 'number' || typeof a !== typeof b))
    return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  throw new ExpressionError(`cannot order ${kindOf(a)} and ${kindOf(b)}`, source, e.pos);
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
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
  return evaluateNode(e, scope, source);
}

/** A value too deep to compare or render is reported at the innermost node that met it. */
function evaluateNode(e: Expr, scope: Scope, source: string): unknown {
  try {
    return nodeValue(e, scope, source);
  } catch (err) {
    if (err instanceof ValueTooDeepError) throw new ExpressionError(err.message, source, e.pos, { cause: err });
    throw err;
  }
}

function nodeValue(e: Expr, scope: Scope, source: string): unknown {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list':
      return e.items.map((i) => evaluateNode(i, scope, source));
    case 'path': {
      let v = lookupRoot(e, scope, source);
      for (const s of e.segments) v = index(v, evaluateNode(s, scope, source));
      return v;
    }
    case 'filter': {
      const filter = filterNamed(e.name);
      if (!filter) throw new ExpressionError(`unknown filter "${e.name}"`, source, e.pos);
      return filter.apply(
        evaluateNode(e.input, scope, source),
        e.args.map((a) => evaluateNode(a, scope, source)),
      );
    }
    case 'not':
      return !truthy(evaluateNode(e.operand, scope, source));
    case 'logical': {
      const left = truthy(evaluateNode(e.left, scope, source));
      if (e.op === 'and') return left && truthy(evaluateNode(e.right, scope, source));
      return left || truthy(evaluateNode(e.right, scope, source));
    }
    case 'compare': {
      const a = evaluateNode(e.left, scope, source);
      const b = evaluateNode(e.right, scope, source);
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
