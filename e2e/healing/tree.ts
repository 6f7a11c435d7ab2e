// A tiny HTML tree used by the corpus generator: pages are built as trees so that mutations
// (rename ids, regenerate classes, wrap, move, ...) work on every page template alike.

export interface Node {
  tag: string;
  attrs: Record<string, string>;
  children: (Node | string)[];
  /** The intended element of the case (serialised as data-heal-mark, stripped before capture). */
  mark?: boolean;
}

type Child = Node | string | null | undefined | false | (Node | string | null | undefined | false)[];

export function h(tag: string, attrs: Record<string, string | undefined> | null, ...children: Child[]): Node {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined) clean[k] = v;
  const kids: (Node | string)[] = [];
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) kids.push(c);
  return { tag, attrs: clean, children: kids };
}

export function marked(n: Node): Node {
  n.mark = true;
  return n;
}

export function clone(n: Node): Node {
  return structuredClone(n);
}

const VOID = new Set(['input', 'img', 'br', 'hr', 'meta', 'link']);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => esc(s).replace(/"/g, '&quot;');

export function render(n: Node | string): string {
  if (typeof n === 'string') return esc(n);
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => ` ${k}="${escAttr(v)}"`)
    .join('');
  const mark = n.mark ? ' data-heal-mark=""' : '';
  if (VOID.has(n.tag)) return `<${n.tag}${attrs}${mark}>`;
  return `<${n.tag}${attrs}${mark}>${n.children.map(render).join('')}</${n.tag}>`;
}

/** Every element node with its parent, depth first. */
export function* walk(n: Node, parent: Node | null = null): Generator<{ node: Node; parent: Node | null }> {
  yield { node: n, parent };
  for (const c of n.children) if (typeof c !== 'string') yield* walk(c, n);
}

export function findMark(root: Node): { node: Node; parent: Node } | null {
  for (const { node, parent } of walk(root)) if (node.mark && parent) return { node, parent };
  return null;
}

export function parentOf(root: Node, target: Node): Node | null {
  for (const { node, parent } of walk(root)) if (node === target) return parent;
  return null;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}
