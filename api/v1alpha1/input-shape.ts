// Checks of a raw workflow before any recursive code sees it: nesting that would overflow the
// schema's or the robot's stack, and `__proto__` keys (a JSON/YAML own property that a plain
// object assignment would turn into a prototype). Iterative: safe on any input.
import type { WorkflowProblem } from './validate-workflow.js';

/** Deepest list/object nesting of a workflow spec (a valid one needs about 20; param defaults included). */
export const MAX_INPUT_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__']);

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && key !== '__proto__'
    ? base
      ? `${base}.${key}`
      : key
    : `${base}[${JSON.stringify(key)}]`;
}

/** Problems with the shape of `input` itself; at most one per kind, naming the first place found. */
export function inputShapeProblems(input: unknown, base = ''): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  let tooDeep = false;
  let badKey = false;
  const seen = new Map<object, number>();
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: base, depth: 0 }];
  while (stack.length > 0 && !(tooDeep && badKey)) {
    const { value, path, depth } = stack.pop()!;
    if (!value || typeof value !== 'object') continue;
    // Shared (YAML alias) or cyclic objects: look again only where they sit deeper than before.
    if ((seen.get(value) ?? -1) >= depth) continue;
    seen.set(value, depth);
    if (depth >= MAX_INPUT_DEPTH) {
      if (!tooDeep) problems.push({ path, message: `nested more than ${MAX_INPUT_DEPTH} levels deep` });
      tooDeep = true;
      continue;
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
    for (const [key, child] of entries) {
      if (typeof key === 'string' && FORBIDDEN_KEYS.has(key) && !badKey) {
        problems.push({ path: joinPath(path, key), message: `the key "${key}" is not allowed` });
        badKey = true;
      }
      if (child && typeof child === 'object') stack.push({ value: child, path: joinPath(path, key), depth: depth + 1 });
    }
  }
  return problems;
}

/** Largest JSON of an RpaJob's params (they travel in the queue payload and every checkpoint's scope). */
export const MAX_PARAMS_BYTES = 256 * 1024;

/** Problems with a job's raw params: nesting, `__proto__` keys and total size, named under `spec.params`. */
export function paramsProblems(params: unknown): WorkflowProblem[] {
  if (params === undefined) return [];
  const shape = inputShapeProblems(params, 'spec.params');
  if (shape.length > 0) return shape;
  const bytes = Buffer.byteLength(JSON.stringify(params) ?? '', 'utf8');
  return bytes > MAX_PARAMS_BYTES
    ? [{ path: 'spec.params', message: `${Math.ceil(bytes / 1024)} KiB of JSON, over the ${MAX_PARAMS_BYTES / 1024} KiB limit` }]
    : [];
}
