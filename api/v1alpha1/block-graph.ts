// Which named blocks (spec.blocks) a workflow's steps run, and the checks the CRD cannot make: a name
// that no block has, and a block that runs itself directly or through others (it would never end).
import { childStepLists, type Block, type Step, type WorkflowSpec } from './workflow.js';

export interface BlockProblem {
  path: string;
  stepId?: string;
  message: string;
}

/** The block names one step refers to itself (not in its nested lists), with the field naming each. */
export function blockRefsOf(s: Step): Array<{ field: 'block' | 'catch' | 'finally'; name: string }> {
  if (s.action === 'run') return [{ field: 'block', name: s.block }];
  if (s.action !== 'try') return [];
  return [
    ...(s.catch !== undefined ? [{ field: 'catch' as const, name: s.catch }] : []),
    ...(s.finally !== undefined ? [{ field: 'finally' as const, name: s.finally }] : []),
  ];
}

/** Every block reference in a step list, nested lists included, with the field path of each. */
function refsIn(steps: Step[], base: string): Array<{ path: string; stepId: string; name: string }> {
  return steps.flatMap((s, i) => [
    ...blockRefsOf(s).map((r) => ({ path: `${base}[${i}].${r.field}`, stepId: s.id, name: r.name })),
    ...childStepLists(s).flatMap((c) => refsIn(c.steps, `${base}[${i}].${c.field}`)),
  ]);
}

/** Blocks a step list runs directly (not through other blocks). */
export function blocksRunBy(steps: Step[]): Set<string> {
  return new Set(refsIn(steps, '').map((r) => r.name));
}

/** Blocks a step list runs, directly or through the blocks it runs. Unknown names are left out. */
export function blocksReachedFrom(steps: Step[], blocks: readonly Block[]): Set<string> {
  const byName = new Map(blocks.map((b) => [b.name, b]));
  const reached = new Set<string>();
  const todo = [...blocksRunBy(steps)];
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    const b = byName.get(name);
    if (!b || reached.has(name)) continue;
    reached.add(name);
    todo.push(...blocksRunBy(b.steps));
  }
  return reached;
}

/** A cycle through `start` (`[start, ..., start]`), or undefined. */
function cycleFrom(start: string, edges: Map<string, Set<string>>): string[] | undefined {
  const seen = new Set<string>();
  const search = (name: string, trail: string[]): string[] | undefined => {
    for (const next of edges.get(name) ?? []) {
      if (next === start) return [...trail, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = search(next, [...trail, next]);
      if (found) return found;
    }
    return undefined;
  };
  return search(start, [start]);
}

/** Unknown block names and recursive blocks, each naming the field that refers to the block. */
export function blockProblems(spec: Pick<WorkflowSpec, 'steps' | 'blocks'>): BlockProblem[] {
  const blocks = spec.blocks ?? [];
  const names = new Set(blocks.map((b) => b.name));
  const problems: BlockProblem[] = [];
  const lists = [
    { base: 'steps', steps: spec.steps },
    ...blocks.map((b, i) => ({ base: `blocks[${i}].steps`, steps: b.steps })),
  ];
  for (const { base, steps } of lists)
    for (const r of refsIn(steps, base))
      if (!names.has(r.name)) problems.push({ path: r.path, stepId: r.stepId, message: `no block is named "${r.name}"` });
  const edges = new Map(blocks.map((b) => [b.name, blocksRunBy(b.steps)]));
  blocks.forEach((b, i) => {
    const cycle = cycleFrom(b.name, edges);
    if (cycle)
      problems.push({
        path: `blocks[${i}]`,
        message: `block "${b.name}" runs itself (${cycle.join(' -> ')}); blocks may not recurse`,
      });
  });
  return problems;
}
