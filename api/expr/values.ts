// Value semantics shared by the evaluator and the filters: truthiness, equality, text form.
// Values come from params and step outputs, so they may be hostile: nesting is bounded and only
// own properties count.
import { MAX_VALUE_DEPTH } from './limits.js';

/** A value nested deeper than MAX_VALUE_DEPTH; the evaluator turns it into an ExpressionError. */
export class ValueTooDeepError extends Error {
  override readonly name = 'ValueTooDeepError';
  constructor() {
    super(`value nested more than ${MAX_VALUE_DEPTH} levels deep`);
  }
}

/** Throws ValueTooDeepError when `v` has lists/objects nested deeper than `max` (iterative: no recursion). */
export function assertDepth(v: unknown, max = MAX_VALUE_DEPTH): void {
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (!x || typeof x !== 'object') continue;
    if (d >= max) throw new ValueTooDeepError();
    for (const child of Array.isArray(x) ? x : Object.values(x))
      if (child && typeof child === 'object') stack.push([child, d + 1]);
  }
}

/** JSON text of a value whose depth is bounded. */
export function toJson(v: unknown): string {
  assertDepth(v);
  return JSON.stringify(v);
}

/** false, null, undefined, 0, NaN, '', [] and {} are falsy; everything else is truthy. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** The text a value renders to inside a larger template. */
export function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return toJson(v);
  return String(v);
}

const NUMERIC = /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/;

/** A number, or a string that spells one (params often arrive as strings), as a number. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

/** Deep JSON equality; a number equals the string that spells it. */
export function equal(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = asNumber(a);
    const y = asNumber(b);
    return x !== undefined && y !== undefined && x === y;
  }
  if (depth >= MAX_VALUE_DEPTH && typeof a === 'object' && typeof b === 'object') throw new ValueTooDeepError();
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => equal(v, b[i], depth + 1));
  if (a && typeof a === 'object' && b && typeof b === 'object' && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    const bo = b as Record<string, unknown>;
    return (
      ka.length === kb.length &&
      ka.every((k) => Object.hasOwn(bo, k) && equal((a as Record<string, unknown>)[k], bo[k], depth + 1))
    );
  }
  return false;
}
