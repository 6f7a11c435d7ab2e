// Which names an expression or template refers to: what validateWorkflow checks against the
// declared params, earlier steps, set variables and credential slots.
import { children, type Expr, type ParsedTemplate } from './ast.js';
import { parseTemplate } from './parser.js';

export interface References {
  params: string[];
  /** Step ids (`steps.<id>...`). */
  steps: string[];
  vars: string[];
  /** [slot, key] pairs; key is '' when it is computed or missing. */
  credentials: Array<[string, string]>;
  /** Other root names: loop variables. */
  locals: string[];
}

/** The first segment after the root when it is a literal name (`params.x`, `params["x"]`). */
function staticKey(segments: Expr[], i: number): string | undefined {
  const s = segments[i];
  return s?.kind === 'literal' && (typeof s.value === 'string' || typeof s.value === 'number')
    ? String(s.value)
    : undefined;
}

function push<T>(list: T[], v: T, same: (a: T) => boolean): void {
  if (!list.some(same)) list.push(v);
}

/** Paths in `e`; a lambda's parameter is bound inside its body, so it is no reference there. */
function collect(e: Expr, refs: References, bound: readonly string[] = []): void {
  if (e.kind === 'lambda') {
    collect(e.body, refs, [...bound, e.param]);
    return;
  }
  if (e.kind === 'path') collectPath(e, refs, bound);
  for (const c of children(e)) collect(c, refs, bound);
}

function collectPath(n: Extract<Expr, { kind: 'path' }>, refs: References, bound: readonly string[]): void {
  const key = staticKey(n.segments, 0) ?? '';
  switch (n.root) {
    case 'params':
    case 'steps':
    case 'vars':
      push(refs[n.root], key, (k) => k === key);
      break;
    case 'credentials': {
      const k2 = staticKey(n.segments, 1) ?? '';
      push(refs.credentials, [key, k2], ([a, b]) => a === key && b === k2);
      break;
    }
    default:
      if (!bound.includes(n.root)) push(refs.locals, n.root, (k) => k === n.root);
  }
}

export function emptyReferences(): References {
  return { params: [], steps: [], vars: [], credentials: [], locals: [] };
}

/** Names used by a template (a string is parsed as one), or by an already parsed expression. */
export function referencedNames(src: string | ParsedTemplate | Expr): References {
  const refs = emptyReferences();
  if (typeof src === 'string') src = parseTemplate(src);
  if ('parts' in src) {
    for (const p of src.parts) if (p.kind === 'expr') collect(p.expr, refs);
  } else collect(src, refs);
  return refs;
}
