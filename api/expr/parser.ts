// Recursive-descent parser for expressions and templates. Grammar (lowest precedence first):
//   or      := and (("or" | "||") and)*
//   and     := not (("and" | "&&") not)*
//   not     := ("not" | "!") not | compare
//   compare := pipe (("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "matches") pipe)?
//   pipe    := primary ("|" name (":" primary ("," primary)*)?)*
//   primary := number | string | true | false | null | "[" (or ("," or)*)? "]" | "(" or ")" | path
//   path    := name ("." name | "[" or "]")*
import type { CompareOp, Expr, ParsedTemplate, TemplatePart } from './ast.js';
import { ExpressionError } from './errors.js';
import { FILTERS, filterNamed } from './filters.js';
import { MAX_NESTING } from './limits.js';
import { tokenize, type Token } from './tokenizer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'contains', 'matches', 'true', 'false', 'null']);
const COMPARE = new Set<string>(['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches']);

const TOO_DEEP = `nested more than ${MAX_NESTING} levels deep (parentheses, lists, indexes, "not", chained operators or filters)`;

class Parser {
  private i = 0;
  /** How many or()/not() calls are open: bounds the parser's own recursion. */
  private depth = 0;
  /** Height of each built node: bounds the recursion of evaluate() and visit() over the tree. */
  private readonly heights = new WeakMap<Expr, number>();
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.i]!;
  }
  private fail(msg: string, pos = this.tok.pos): never {
    throw new ExpressionError(msg, this.source, pos);
  }
  private describe(t: Token): string {
    return t.kind === 'end'
      ? 'end of expression'
      : t.kind === 'string'
        ? `string ${JSON.stringify(t.text)}`
        : JSON.stringify(t.text);
  }
  private isWord(...words: string[]): boolean {
    return (this.tok.kind === 'ident' || this.tok.kind === 'op') && words.includes(this.tok.text);
  }
  private isPunct(p: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === p;
  }
  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`expected "${p}" but found ${this.describe(this.tok)}`);
    return this.tokens[this.i++]!;
  }

  private enter<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(TOO_DEEP);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }
  /** `node`, once its height (1 + its tallest child) is known to be within MAX_NESTING. */
  private node<T extends Expr>(node: T, children: Expr[]): T {
    const height = 1 + Math.max(0, ...children.map((c) => this.heights.get(c) ?? 1));
    if (height > MAX_NESTING) this.fail(TOO_DEEP, node.pos);
    this.heights.set(node, height);
    return node;
  }

  private atEnd(): boolean {
    return this.tok.kind === 'end';
  }

  parseAll(): Expr {
    if (this.atEnd()) this.fail('empty expression');
    const e = this.or();
    if (!this.atEnd()) this.fail(`unexpected ${this.describe(this.tok)}`);
    return e;
  }

  private or(): Expr {
    return this.enter(() => {
      let left = this.and();
      while (this.isWord('or', '||')) {
        const pos = this.tokens[this.i++]!.pos;
        const right = this.and();
        left = this.node({ kind: 'logical', op: 'or', left, right, pos }, [left, right]);
      }
      return left;
    });
  }
  private and(): Expr {
    let left = this.not();
    while (this.isWord('and', '&&')) {
      const pos = this.tokens[this.i++]!.pos;
      const right = this.not();
      left = this.node({ kind: 'logical', op: 'and', left, right, pos }, [left, right]);
    }
    return left;
  }
  private not(): Expr {
    if (this.isWord('not', '!')) {
      const pos = this.tokens[this.i++]!.pos;
      const operand = this.enter(() => this.not());
      return this.node({ kind: 'not', operand, pos }, [operand]);
    }
    return this.compare();
  }
  private compare(): Expr {
    const left = this.pipe();
    if ((this.tok.kind === 'op' || this.tok.kind === 'ident') && COMPARE.has(this.tok.text)) {
      const op = this.tokens[this.i++]!;
      const right = this.pipe();
      if ((this.tok.kind === 'op' || this.tok.kind === 'ident') && COMPARE.has(this.tok.text))
        this.fail('comparisons cannot be chained; use "and"');
      return this.node({ kind: 'compare', op: op.text as CompareOp, left, right, pos: op.pos }, [left, right]);
    }
    return left;
  }
  private pipe(): Expr {
    let input = this.primary();
    while (this.isPunct('|')) {
      this.i++;
      const name = this.tok;
      if (name.kind !== 'ident') this.fail(`expected a filter name after "|" but found ${this.describe(name)}`);
      const filter = filterNamed(name.text);
      if (!filter) this.fail(`unknown filter "${name.text}" (known: ${Object.keys(FILTERS).join(', ')})`, name.pos);
      this.i++;
      const args: Expr[] = [];
      if (this.isPunct(':')) {
        this.i++;
        args.push(this.primary());
        while (this.isPunct(',')) {
          this.i++;
          args.push(this.primary());
        }
      }
      if (!filter.args.includes(args.length))
        this.fail(`filter "${name.text}" takes ${filter.args.join(' or ')} argument(s), got ${args.length}`, name.pos);
      input = this.node({ kind: 'filter', input, name: name.text, args, pos: name.pos }, [input, ...args]);
    }
    return input;
  }
  private primary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'number':
        this.i++;
        return { kind: 'literal', value: t.value!, pos: t.pos };
      case 'string':
        this.i++;
        return { kind: 'literal', value: t.text, pos: t.pos };
      case 'ident':
        if (t.text === 'true' || t.text === 'false' || t.text === 'null') {
          this.i++;
          return { kind: 'literal', value: t.text === 'null' ? null : t.text === 'true', pos: t.pos };
        }
        if (KEYWORDS.has(t.text)) this.fail(`unexpected keyword "${t.text}"`);
        return this.path();
      case 'punct':
        if (t.text === '(') {
          this.i++;
          const e = this.or();
          this.expectPunct(')');
          return e;
        }
        if (t.text === '[') {
          this.i++;
          const items: Expr[] = [];
          if (!this.isPunct(']')) {
            items.push(this.or());
            while (this.isPunct(',')) {
              this.i++;
              items.push(this.or());
            }
          }
          this.expectPunct(']');
          return this.node({ kind: 'list', items, pos: t.pos }, items);
        }
        break;
      default:
        break;
    }
    return this.fail(`expected a value but found ${this.describe(t)}`);
  }
  private path(): Expr {
    const root = this.tokens[this.i++]!;
    const segments: Expr[] = [];
    for (;;) {
      if (this.isPunct('.')) {
        this.i++;
        const name = this.tok;
        if (name.kind !== 'ident') this.fail(`expected a field name after "." but found ${this.describe(name)}`);
        this.i++;
        segments.push({ kind: 'literal', value: name.text, pos: name.pos });
      } else if (this.isPunct('[')) {
        this.i++;
        segments.push(this.or());
        this.expectPunct(']');
      } else {
        return this.node({ kind: 'path', root: root.text, segments, pos: root.pos }, segments);
      }
    }
  }
}

/** Parse `source.slice(start, end)` as one expression. */
export function parseExpression(source: string, start = 0, end = source.length): Expr {
  return new Parser(source, tokenize(source, start, end)).parseAll();
}

/** Offset of the `}}` closing the `{{` whose contents start at `from`; quoted strings may hold braces. */
function findClose(source: string, from: number, open: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  throw new ExpressionError('unclosed "{{"', source, open);
}

/** Parse a template: text with `{{ expr }}` parts. */
export function parseTemplate(source: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: source.slice(i, open) });
    const close = findClose(source, open + 2, open);
    parts.push({ kind: 'expr', expr: parseExpression(source, open + 2, close), start: open, end: close + 2 });
    i = close + 2;
  }
  const stray = parts.find((p) => p.kind === 'text' && p.text.includes('}}'));
  if (stray && stray.kind === 'text') {
    let offset = 0;
    for (const p of parts) {
      if (p === stray) break;
      offset += p.kind === 'text' ? p.text.length : p.end - p.start;
    }
    throw new ExpressionError('"}}" without "{{"', source, offset + stray.text.indexOf('}}'));
  }
  return { source, parts };
}

/** The one expression of a template that is exactly `{{ expr }}` (surrounding whitespace allowed). */
export function wholeExpression(t: ParsedTemplate): Expr | undefined {
  const meaningful = t.parts.filter((p) => p.kind === 'expr' || p.text.trim() !== '');
  const only = meaningful[0];
  return meaningful.length === 1 && only?.kind === 'expr' ? only.expr : undefined;
}

/** Parse a condition or list expression; a source wrapped in one `{{ }}` is accepted too. */
export function parseCondition(source: string): Expr {
  if (source.includes('{{')) {
    const e = wholeExpression(parseTemplate(source));
    if (!e) throw new ExpressionError('expected a bare expression or exactly one {{ expression }}', source, 0);
    return e;
  }
  return parseExpression(source);
}
