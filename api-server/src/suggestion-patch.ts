// Adopting a healing suggestion (RpaWorkflow status.healingSuggestions) into the workflow's spec: the JSON
// Patch that replaces the suggested step's target, guarded by the resourceVersion it was computed from so
// a concurrent edit makes the patch fail (409) rather than land on a different spec. Pure.

export type JsonPatchOp = { op: 'test' | 'replace'; path: string; value: unknown };

interface StepLike {
  id?: unknown;
  then?: unknown;
  else?: unknown;
  steps?: unknown;
  [k: string]: unknown;
}

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The JSON pointer of the step `stepId` in spec.steps or spec.blocks[*].steps, at any depth, or undefined. */
export function stepPointer(spec: Record<string, unknown>, stepId: string): string | undefined {
  const walk = (list: unknown, at: string): string | undefined => {
    if (!Array.isArray(list)) return undefined;
    for (const [i, raw] of list.entries()) {
      const s = raw as StepLike;
      if (s.id === stepId) return `${at}/${i}`;
      for (const field of ['then', 'else', 'steps'] as const) {
        const hit = walk(s[field], `${at}/${i}/${field}`);
        if (hit !== undefined) return hit;
      }
    }
    return undefined;
  };
  const top = walk(spec.steps, '/spec/steps');
  if (top !== undefined) return top;
  const blocks = Array.isArray(spec.blocks) ? (spec.blocks as Array<{ steps?: unknown }>) : [];
  for (const [b, block] of blocks.entries()) {
    const hit = walk(block.steps, `/spec/blocks/${b}/steps`);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** `mask.elements[0]` → `/mask/elements/0`. */
export function fieldPointer(field: string): string {
  return field
    .split('.')
    .flatMap((part) => {
      const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
      if (!m) throw new SuggestionError(`field ${JSON.stringify(field)} is not a path like target or mask.elements[0]`);
      return [m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => x[1]!)];
    })
    .map((p) => `/${escape(p)}`)
    .join('');
}

export class SuggestionError extends Error {
  override readonly name = 'SuggestionError';
}

/** Reads the value at a JSON pointer under `root`, or undefined. */
function at(root: unknown, pointer: string): unknown {
  let v = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export interface SuggestionChange {
  stepId: string;
  field: string;
  pointer: string;
  before: unknown;
  after: unknown;
}

/** What adopting `suggestion` changes in `workflow`; throws SuggestionError when the step or field is gone. */
export function suggestionChange(
  workflow: { spec: Record<string, unknown> },
  suggestion: { stepId: string; field?: string; suggested: unknown },
): SuggestionChange {
  const step = stepPointer(workflow.spec, suggestion.stepId);
  if (step === undefined) throw new SuggestionError(`the workflow has no step ${suggestion.stepId} any more`);
  const field = suggestion.field ?? 'target';
  const pointer = `${step}${fieldPointer(field)}`;
  const before = at(workflow, pointer);
  if (before === undefined) throw new SuggestionError(`step ${suggestion.stepId} has no ${field}`);
  return { stepId: suggestion.stepId, field, pointer, before, after: suggestion.suggested };
}

/** The JSON Patch adopting `change` into the RpaWorkflow at `resourceVersion`. */
export function suggestionPatch(change: SuggestionChange, resourceVersion: string): JsonPatchOp[] {
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'replace', path: change.pointer, value: change.after },
  ];
}
