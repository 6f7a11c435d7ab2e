// Rendering templates and evaluating conditions: the entry points the engine uses.
import type { Expr, ParsedTemplate, TemplatePart } from './ast.js';
import { ExpressionError } from './errors.js';
import { evaluate, type Scope } from './evaluate.js';
import { parseCondition, parseTemplate, wholeExpression } from './parser.js';
import { stringify, truthy, ValueTooDeepError } from './values.js';

/**
 * Render a template. A template that is exactly one `{{ expr }}` gives the expression's raw
 * value (a list stays a list); otherwise the parts are joined as text.
 */
export function renderTemplate(src: string | ParsedTemplate, scope: Scope): unknown {
  const t = typeof src === 'string' ? parseTemplate(src) : src;
  const whole = wholeExpression(t);
  if (whole) return evaluate(whole, scope, t.source);
  return t.parts.map((p) => (p.kind === 'text' ? p.text : partText(p, scope, t.source))).join('');
}

function partText(p: Extract<TemplatePart, { kind: 'expr' }>, scope: Scope, source: string): string {
  const value = evaluate(p.expr, scope, source);
  try {
    return stringify(value);
  } catch (err) {
    if (err instanceof ValueTooDeepError) throw new ExpressionError(err.message, source, p.start, { cause: err });
    throw err;
  }
}

/** Render a template as text, whatever it evaluates to. */
export function renderText(src: string | ParsedTemplate, scope: Scope): string {
  const value = renderTemplate(src, scope);
  try {
    return stringify(value);
  } catch (err) {
    if (err instanceof ValueTooDeepError)
      throw new ExpressionError(err.message, typeof src === 'string' ? src : src.source, 0, { cause: err });
    throw err;
  }
}

/** Value of an expression field (`forEach.items`): a bare expression or one `{{ expr }}`. */
export function evaluateExpression(src: string | Expr, scope: Scope): unknown {
  const e = typeof src === 'string' ? parseCondition(src) : src;
  return evaluate(e, scope, typeof src === 'string' ? src : '');
}

/** Truth of a condition (`if.condition`, `assert.condition`). */
export function evaluateCondition(src: string, scope: Scope): boolean {
  return truthy(evaluate(parseCondition(src), scope, src));
}

/** Whether a string contains template syntax at all. */
export function isTemplate(src: string): boolean {
  return src.includes('{{');
}
