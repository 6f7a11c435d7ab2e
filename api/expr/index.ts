// The Aether expression language: `{{ params.x | default: "y" }}` in templates and bare
// conditions like `steps.login.output.ok and vars.count > 3`, with arithmetic, objects and
// functions (`sum(map(items, x => x.amount))`). Hand-written; never eval; bounded in depth and steps.
export type { Expr, ParsedTemplate, TemplatePart, CompareOp } from './ast.js';
export { ExpressionError } from './errors.js';
export { evaluate, ROOTS, type Scope, type StepResult, type Root } from './evaluate.js';
export { FUNCTIONS } from './functions.js';
export { parseCondition, parseExpression, parseTemplate, wholeExpression } from './parser.js';
export { referencedNames, emptyReferences, type References } from './references.js';
export { evaluateCondition, evaluateExpression, isTemplate, renderTemplate, renderText } from './template.js';
export { truthy, stringify, equal } from './values.js';
