// No import cycles in the robot's sources (type-only imports included): a module imports from the module
// that defines a thing, never from a barrel that leads back to itself.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The files under `root` a module imports ('./x.js' is './x.ts'). */
function localImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const specifiers = new Set(importedFiles.map((i) => i.fileName));
  return [...specifiers]
    .filter((f) => f.startsWith('.'))
    .map((f) => resolve(dirname(file), f.replace(/\.js$/, '.ts')))
    .filter((f) => f.startsWith(root) && existsSync(f));
}

/** Every cycle found by a depth-first walk, as the chain of files that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe('robot-image/src imports', () => {
  it('finds a cycle when there is one (the checker itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('form no cycle', () => {
    const files = sources(root);
    expect(files.length).toBeGreaterThan(50);
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    expect(graph.get(join(root, 'healing/index.ts'))).toContain(join(root, 'healing/types.ts'));
    expect(cycles(graph).map((c) => c.map((f) => relative(root, f)).join(' → '))).toEqual([]);
  });
});
