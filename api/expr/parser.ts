// Recursive-descent parser for expressions and templates. Grammar (lowest precedence first):
//   or      := and (("or" | "||") and)*
//   and     := not (("and" | "&&") not)*
//   not     := ("not" | "!") not | compare
//   compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "matches") sum)?
//   sum     := product (("+" | "-") product)*          (a negative number after a value is "-" number)
//   product := unary (("*" | "/" | "%") unary)*
//   unary   := "-" unary | pipe
//   pipe    := primary ("|" name (":" pipeArg ("," pipeArg)*)?)*
//   pipeArg := "(" lambda ")" | primary
//   primary := number | string | true | false | null | "[" (or ("," or)*)? "]" | "(" or ")"
//            | "{" (key ":" or ("," key ":" or)*)? "}" | name "(" (arg ("," arg)*)? ")" | path
//   arg     := lambda | "(" lambda ")" | or
//   lambda  := name "=>" or
//   path    := name ("." name | "[" or "]")*
import type { ArithOp, CompareOp, Expr, ParsedTemplate, TemplatePart } from './ast.js';
import { ExpressionError } from './errors.js';
import { arityText, FUNCTIONS, functionNamed } from './functions.js';
import { MAX_NESTING, MAX_OBJECT_KEYS } from './limits.js';
import { tokenize, type Token } from './tokenizer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'contains', 'matches', 'true', 'false', 'null']);
const ROOT_NAMES = new Set(['params', 'steps', 'vars', 'credentials']);
const COMPARE = new Set<string>(['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches']);

const TOO_DEEP = `nested more than ${MAX_NESTING} levels deep (parentheses, lists, indexes, "not", chained operators or filters)`;

class Parser {
  private i = 0;
  /** How many or()/not() calls are open: bounds the parser's own recursion. */
  private depth = 0;
  /**
   * Whether a "," here may end the current element (call arguments, list items, object values): a filter
   * then takes no more arguments than it can use, so `f(x | default: 1, y)` passes y to f.
   */
  private inCommaList = false;
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

  private commaList<T>(inList: boolean, parse: () => T): T {
    const saved = this.inCommaList;
    this.inCommaList = inList;
    try {
      return parse();
    } finally {
      this.inCommaList = saved;
    }
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
    const left = this.sum();
    if ((this.tok.kind === 'op' || this.tok.kind === 'ident') && COMPARE.has(this.tok.text)) {
      const op = this.tokens[this.i++]!;
      const right = this.sum();
      if ((this.tok.kind === 'op' || this.tok.kind === 'ident') && COMPARE.has(this.tok.text))
        this.fail('comparisons cannot be chained; use "and"');
      return this.node({ kind: 'compare', op: op.text as CompareOp, left, right, pos: op.pos }, [left, right]);
    }
    return left;
  }
  private isOp(...ops: string[]): boolean {
    return this.tok.kind === 'op' && ops.includes(this.tok.text);
  }
  private sum(): Expr {
    let left = this.product();
    for (;;) {
      let op: ArithOp;
      let right: Expr;
      const t = this.tok;
      if (this.isOp('+', '-')) {
        this.i++;
        op = t.text as ArithOp;
        right = this.product();
      } else if (t.kind === 'number' && t.text.startsWith('-')) {
        // `a -1`: the tokenizer read "-1" as a number; after a value it is a subtraction.
        this.tokens[this.i] = { kind: 'number', text: t.text.slice(1), value: -t.value!, pos: t.pos + 1 };
        op = '-';
        right = this.product();
      } else return left;
      left = this.node({ kind: 'arith', op, left, right, pos: t.pos }, [left, right]);
    }
  }
  private product(): Expr {
    let left = this.unary();
    while (this.isOp('*', '/', '%')) {
      const t = this.tokens[this.i++]!;
      const right = this.unary();
      left = this.node({ kind: 'arith', op: t.text as ArithOp, left, right, pos: t.pos }, [left, right]);
    }
    return left;
  }
  private unary(): Expr {
    if (this.isOp('-')) {
      const pos = this.tokens[this.i++]!.pos;
      const operand = this.enter(() => this.unary());
      return this.node({ kind: 'negate', operand, pos }, [operand]);
    }
    return this.pipe();
  }
  private pipe(): Expr {
    let input = this.primary();
    while (this.isPunct('|')) {
      this.i++;
      const name = this.tok;
      if (name.kind !== 'ident') this.fail(`expected a filter name after "|" but found ${this.describe(name)}`);
      if (!functionNamed(name.text))
        this.fail(`unknown filter "${name.text}" (known: ${Object.keys(FUNCTIONS).join(', ')})`, name.pos);
      this.i++;
      const args: Expr[] = [input];
      if (this.isPunct(':')) {
        this.i++;
        args.push(this.pipeArg());
        const most = Math.max(...functionNamed(name.text)!.arity);
        while (this.isPunct(',') && !(this.inCommaList && args.length >= most)) {
          this.i++;
          args.push(this.pipeArg());
        }
      }
      this.checkCall(name, args, true);
      input = this.node({ kind: 'filter', input, name: name.text, args: args.slice(1), pos: name.pos }, args);
    }
    return input;
  }
  /** Whether the tokens at `at` start a lambda `name =>`. */
  private lambdaAt(at: number): boolean {
    const a = this.tokens[at];
    const b = this.tokens[at + 1];
    return a?.kind === 'ident' && b?.kind === 'op' && b.text === '=>';
  }
  private lambda(): Expr {
    const param = this.tokens[this.i]!;
    if (KEYWORDS.has(param.text) || ROOT_NAMES.has(param.text))
      this.fail(`"${param.text}" cannot name a lambda's parameter`, param.pos);
    this.i += 2;
    const body = this.or();
    return this.node({ kind: 'lambda', param: param.text, body, pos: param.pos }, [body]);
  }
  private parenthesizedLambda(): Expr {
    this.i++;
    const l = this.enter(() => this.lambda());
    this.expectPunct(')');
    return l;
  }
  private pipeArg(): Expr {
    if (this.isPunct('(') && this.lambdaAt(this.i + 1)) return this.parenthesizedLambda();
    return this.primary();
  }
  private callArg(): Expr {
    if (this.lambdaAt(this.i)) return this.lambda();
    if (this.isPunct('(') && this.lambdaAt(this.i + 1)) return this.parenthesizedLambda();
    return this.or();
  }
  /** Arity, lambda positions and literal arguments of a call, checked now so admission reports them. */
  private checkCall(name: Token, args: Expr[], piped: boolean): void {
    const fn = functionNamed(name.text)!;
    const kind = piped ? 'filter' : 'function';
    if (!fn.arity.includes(args.length))
      this.fail(
        `${kind} "${name.text}" takes ${arityText(fn, piped)}, got ${args.length - (piped ? 1 : 0)}`,
        name.pos,
      );
    args.forEach((a, i) => {
      const wantsLambda = fn.lambdas?.includes(i) ?? false;
      if (a.kind === 'lambda' && !wantsLambda)
        this.fail(`${kind} "${name.text}" takes a value here, not a lambda`, a.pos);
      if (a.kind !== 'lambda' && wantsLambda)
        this.fail(
          `${kind} "${name.text}" takes a lambda here, like ${piped ? '(x => x.amount)' : 'x => x.amount'}`,
          a.pos,
        );
      if (a.kind === 'literal') {
        const problem = fn.checkLiteral?.(i, a.value);
        if (problem) this.fail(problem, a.pos);
      }
    });
  }
  private call(): Expr {
    const name = this.tokens[this.i]!;
    if (!functionNamed(name.text))
      this.fail(`unknown function "${name.text}" (known: ${Object.keys(FUNCTIONS).join(', ')})`, name.pos);
    this.i += 2;
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      args.push(this.commaList(true, () => this.callArg()));
      while (this.isPunct(',')) {
        this.i++;
        args.push(this.commaList(true, () => this.callArg()));
      }
    }
    this.expectPunct(')');
    this.checkCall(name, args, false);
    return this.node({ kind: 'call', name: name.text, args, pos: name.pos }, args);
  }
  private object(open: Token): Expr {
    const entries: Array<{ key: string; value: Expr }> = [];
    const seen = new Set<string>();
    if (!this.isPunct('}')) {
      for (;;) {
        const key = this.tok;
        if (key.kind !== 'ident' && key.kind !== 'string')
          this.fail(`expected a key (a name or a quoted text) but found ${this.describe(key)}`);
        if (key.text === '__proto__') this.fail('"__proto__" cannot be a key', key.pos);
        if (seen.has(key.text)) this.fail(`duplicate key ${JSON.stringify(key.text)}`, key.pos);
        if (seen.size >= MAX_OBJECT_KEYS) this.fail(`an object may have at most ${MAX_OBJECT_KEYS} keys`, key.pos);
        seen.add(key.text);
        this.i++;
        this.expectPunct(':');
        entries.push({ key: key.text, value: this.commaList(true, () => this.or()) });
        if (!this.isPunct(',')) break;
        this.i++;
      }
    }
    this.expectPunct('}');
    return this.node(
      { kind: 'object', entries, pos: open.pos },
      entries.map((e) => e.value),
    );
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
        if (this.tokens[this.i + 1]?.kind === 'punct' && this.tokens[this.i + 1]!.text === '(') return this.call();
        if (this.lambdaAt(this.i)) this.fail('a lambda (x => ...) can only be an argument of filter, map or sum');
        return this.path();
      case 'punct':
        if (t.text === '{') {
          this.i++;
          return this.object(t);
        }
        if (t.text === '(') {
          if (this.lambdaAt(this.i + 1))
            this.fail('a lambda (x => ...) can only be an argument of filter, map or sum', this.tokens[this.i + 1]!.pos);
          this.i++;
          const e = this.commaList(false, () => this.or());
          this.expectPunct(')');
          return e;
        }
        if (t.text === '[') {
          this.i++;
          const items: Expr[] = [];
          if (!this.isPunct(']')) {
            items.push(this.commaList(true, () => this.or()));
            while (this.isPunct(',')) {
              this.i++;
              items.push(this.commaList(true, () => this.or()));
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
        segments.push(this.commaList(false, () => this.or()));
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

/**
 * Offset of the `}}` closing the `{{` whose contents start at `from`; quoted strings may hold braces,
 * and braces of object literals nest (`{{ {a: {b: 1}} }}`).
 */
function findClose(source: string, from: number, open: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
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
