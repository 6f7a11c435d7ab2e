/** Expression syntax tree. `pos` is the offset of the node's first character in the source. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; pos: number }
  | { kind: 'list'; items: Expr[]; pos: number }
  /** `root.a[0]["b"]`: each segment is an expression (a literal for `.name`). */
  | { kind: 'path'; root: string; segments: Expr[]; pos: number }
  | { kind: 'filter'; input: Expr; name: string; args: Expr[]; pos: number }
  /** `name(args)`; `input | name: args` is the same call with the input as first argument. */
  | { kind: 'call'; name: string; args: Expr[]; pos: number }
  /** `x => body`: only as an argument of a function that takes one (`filter`, `map`, `sum`). */
  | { kind: 'lambda'; param: string; body: Expr; pos: number }
  | { kind: 'object'; entries: Array<{ key: string; value: Expr }>; pos: number }
  | { kind: 'arith'; op: ArithOp; left: Expr; right: Expr; pos: number }
  | { kind: 'negate'; operand: Expr; pos: number }
  | { kind: 'not'; operand: Expr; pos: number }
  | { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr; pos: number }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; pos: number };

export const COMPARE_OPS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export const ARITH_OPS = ['+', '-', '*', '/', '%'] as const;
export type ArithOp = (typeof ARITH_OPS)[number];

/** A parsed template: literal text and `{{ expr }}` parts, in order. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; expr: Expr; start: number; end: number };

export interface ParsedTemplate {
  source: string;
  parts: TemplatePart[];
}

/** The direct children of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'list':
      return e.items;
    case 'path':
      return e.segments;
    case 'filter':
      return [e.input, ...e.args];
    case 'call':
      return e.args;
    case 'lambda':
      return [e.body];
    case 'object':
      return e.entries.map((en) => en.value);
    case 'not':
    case 'negate':
      return [e.operand];
    case 'logical':
    case 'compare':
    case 'arith':
      return [e.left, e.right];
    case 'literal':
      return [];
  }
}

/** Walk every node of an expression, parents first. */
export function visit(e: Expr, fn: (node: Expr) => void): void {
  fn(e);
  for (const c of children(e)) visit(c, fn);
}
