// The API server runs every CEL rule of an object on every write, status writes included, and a rule's
// field access on a wide object (a workflow step has ~40 properties) is costly: the API server rebuilds the
// object's property table per access (k8s apiextensions model.Structural.Properties, still so in 1.37).
// A robot's progress patch to an RpaJob with a 20-step inline workflow cost ~50 ms of API server CPU here,
// ~40 ms of it in the step rules.
//
// Under a subtree that a transition rule makes immutable, a node that correlates with its old value is
// unchanged, so its rules held when it was written. Each rule there becomes `oldSelf.hasValue() || (rule)`
// with optionalOldSelf: on create (no old value) the rule runs as written; on update it is skipped. Only
// correlatable nodes qualify (the API server refuses oldSelf under atomic lists): below an array that is
// not `x-kubernetes-list-type: map`, or under additionalProperties, rules stay as they are.
// Needs CRDValidationRatcheting (on by default since Kubernetes 1.30).
import type { JsonSchema } from './structural.js';

interface CelRule {
  rule: string;
  optionalOldSelf?: boolean;
  [k: string]: unknown;
}

const VALIDATIONS = 'x-kubernetes-validations';

function guardRule(r: CelRule): CelRule {
  if (/\boldSelf\b/.test(r.rule)) return r; // already a transition rule
  return { ...r, rule: `oldSelf.hasValue() || (${r.rule})`, optionalOldSelf: true };
}

/** A copy of `schema` whose rules on correlatable nodes are skipped when the node is unchanged. */
export function skipRulesWhenUnchanged(schema: JsonSchema, correlatable = true): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (correlatable && Array.isArray(schema[VALIDATIONS])) out[VALIDATIONS] = (schema[VALIDATIONS] as CelRule[]).map(guardRule);
  if (schema.properties && typeof schema.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, JsonSchema>).map(([k, v]) => [k, skipRulesWhenUnchanged(v, correlatable)]),
    );
  }
  if (schema.items && typeof schema.items === 'object') {
    out.items = skipRulesWhenUnchanged(schema.items as JsonSchema, correlatable && schema['x-kubernetes-list-type'] === 'map');
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    out.additionalProperties = skipRulesWhenUnchanged(schema.additionalProperties as JsonSchema, false);
  }
  return out;
}
