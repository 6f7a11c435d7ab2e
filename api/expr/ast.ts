/** Expression syntax tree. `pos` is the offset of the node's first character in the source. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; pos: number }
  | { kind: 'list'; items: Expr[]; pos: number }
  /** `root.a[0]["b"]`: each segment is an expression (a literal for `.name`). */
  | { kind: 'path'; root: string; segments: Expr[]; pos: number }
  | { kind: 'filter'; input: Expr; name: string; args: Expr[]; pos: number }
  | { kind: 'not'; operand: Expr; pos: number }
  | { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr; pos: number }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; pos: number };

export const COMPARE_OPS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** A parsed template: literal text and `{{ expr }}` parts, in order. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; expr: Expr; start: number; end: number };

export interface ParsedTemplate {
  source: string;
  parts: TemplatePart[];
}

/** Walk every node of an expression, parents first. */
export function visit(e: Expr, fn: (node: Expr) => void): void {
  fn(e);
  switch (e.kind) {
    case 'list':
      e.items.forEach((i) => visit(i, fn));
      break;
    case 'path':
      e.segments.forEach((s) => visit(s, fn));
      break;
    case 'filter':
      visit(e.input, fn);
      e.args.forEach((a) => visit(a, fn));
      break;
    case 'not':
      visit(e.operand, fn);
      break;
    case 'logical':
    case 'compare':
      visit(e.left, fn);
      visit(e.right, fn);
      break;
    case 'literal':
      break;
  }
}
