// The Aether expression language: `{{ params.x | default: "y" }}` in templates and bare
// conditions like `steps.login.output.ok and vars.count > 3`. Hand-written; never eval.
export type { Expr, ParsedTemplate, TemplatePart, CompareOp } from './ast.js';
export { ExpressionError } from './errors.js';
export { evaluate, ROOTS, type Scope, type StepResult, type Root } from './evaluate.js';
export { FILTERS } from './filters.js';
export { parseCondition, parseExpression, parseTemplate, wholeExpression } from './parser.js';
export { referencedNames, emptyReferences, type References } from './references.js';
export { evaluateCondition, evaluateExpression, isTemplate, renderTemplate, renderText } from './template.js';
export { truthy, stringify, equal } from './values.js';
