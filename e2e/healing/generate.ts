// Generates the healing corpus: before/after page pairs with the intended element marked
// (data-heal-mark, stripped by the bench before anything is captured) and corpus/index.json.
// Deterministic: same code, same files.   Run: node --import tsx e2e/healing/generate.ts
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS, type Mutation } from './mutations.js';
import { PAGE_STYLE, TEMPLATES, type Template } from './templates.js';
import { clone, findMark, render, rng, walk, type Node } from './tree.js';
import type { CorpusCase } from './corpus.js';

const COMBOS_TIER1: Mutation[][] = [
  ['id-rename', 'class-regen'],
  ['id-remove', 'wrap'],
  ['text-reword', 'class-regen'],
  ['move', 'insert-siblings'],
  ['drop-attrs', 'id-rename', 'wrap'],
  ['decoy', 'class-regen'],
  ['layout', 'id-rename', 'text-reword'],
  ['remove'],
  ['insert-siblings', 'id-remove', 'class-regen'],
  ['remove', 'class-regen', 'layout'],
];

// Changes seen between real releases (framework upgrades, translations, design-system swaps,
// new data): one case per tier-1 target, appended after the original cases so their ids stay.
const COMBOS_RELEASE: { base?: Mutation[]; mutations: Mutation[] }[] = [
  { mutations: ['retag', 'class-regen'] },
  { mutations: ['wrap-root', 'id-rename'] },
  { mutations: ['relocate'] },
  { mutations: ['i18n'] },
  { base: ['css-modules'], mutations: ['rehash', 'wrap'] },
  { mutations: ['insert-row', 'class-regen'] },
  { mutations: ['wrap-root', 'retag', 'text-reword'] },
  { base: ['css-modules'], mutations: ['rehash', 'wrap-root', 'relocate'] },
  { mutations: ['i18n', 'wrap-root', 'remove'] },
];

function page(title: string, body: Node): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${PAGE_STYLE}</style></head><body>${render(body)}</body></html>\n`;
}

function build(t: Template, target: string): Node {
  let found = false;
  const body = t.build((key, n) => {
    if (key === target) {
      n.mark = true;
      found = true;
    }
    return n;
  });
  if (!found) throw new Error(`template ${t.name} has no target ${target}`);
  return body;
}

// Data in the rows changes so that only the row's test id or code tells rows apart (tier 2).
function genericRowNames(root: Node): void {
  for (const { node } of walk(root))
    if (node.attrs.class?.includes('stock-name') || node.attrs['data-n'] === 'name') node.children = ['Widget'];
}

interface Spec {
  template: string;
  target: string;
  mutations: Mutation[];
  /** Applied to both versions first (e.g. the app already used CSS modules when recorded). */
  base?: Mutation[];
  extra?: (root: Node) => void;
  anchor?: CorpusCase['anchor'];
  image?: boolean;
  tier: 1 | 2 | 3;
}

function specs(): Spec[] {
  const out: Spec[] = [];
  let k = 0;
  for (const t of TEMPLATES.filter((t) => t.name !== 'inventory' && t.name !== 'toolbar')) {
    for (const target of t.targets) {
      for (let j = 0; j < 3; j++)
        out.push({ template: t.name, target, mutations: COMBOS_TIER1[(k + j * 3) % COMBOS_TIER1.length]!, tier: 1 });
      k++;
    }
  }
  // Tier 2: anchors.
  const inv: [string, CorpusCase['anchor']][] = [
    ['qtyRed', { target: { testId: 'row-SKU-7782' }, relation: 'inside' }],
    ['removeGreen', { target: { testId: 'row-SKU-7783' }, relation: 'inside' }],
    ['qtyYellow', { target: { testId: 'row-SKU-7784' }, relation: 'inside' }],
    ['removeBlue', { target: { testId: 'row-SKU-7781' }, relation: 'inside' }],
  ];
  for (const [target, anchor] of inv) {
    out.push({
      template: 'inventory',
      target,
      mutations: ['class-regen', 'shuffle-rows'],
      extra: genericRowNames,
      anchor,
      tier: 2,
    });
    out.push({
      template: 'inventory',
      target,
      mutations: ['layout', 'insert-siblings'],
      extra: genericRowNames,
      anchor,
      tier: 2,
    });
  }
  out.push({
    template: 'inventory',
    target: 'removeGreen',
    mutations: ['remove', 'class-regen'],
    extra: genericRowNames,
    anchor: inv[1]![1],
    tier: 2,
  });
  out.push({
    template: 'inventory',
    target: 'qtyRed',
    mutations: ['remove', 'shuffle-rows'],
    extra: genericRowNames,
    anchor: inv[0]![1],
    tier: 2,
  });
  out.push({
    template: 'login',
    target: 'email',
    mutations: ['strip-names', 'class-regen', 'id-remove'],
    anchor: { target: { text: 'Sign in to Acme' }, relation: 'below' },
    tier: 2,
  });
  out.push({
    template: 'checkout',
    target: 'placeOrder',
    mutations: ['strip-names', 'text-reword', 'class-regen'],
    anchor: { target: { text: 'Cancel' }, relation: 'rightOf', withinPx: 200 },
    tier: 2,
  });
  // Tier 3: images.
  for (const target of TEMPLATES.find((t) => t.name === 'toolbar')!.targets) {
    out.push({
      template: 'toolbar',
      target,
      mutations: ['strip-names', 'class-regen', 'shuffle-rows'],
      image: true,
      tier: 3,
    });
    out.push({ template: 'toolbar', target, mutations: ['strip-names', 'layout'], image: true, tier: 3 });
  }
  out.push({ template: 'toolbar', target: 'link', mutations: ['strip-names', 'remove'], image: true, tier: 3 });
  out.push({
    template: 'toolbar',
    target: 'record',
    mutations: ['strip-names', 'remove', 'class-regen'],
    image: true,
    tier: 3,
  });
  // Release changes.
  let j = 0;
  for (const t of TEMPLATES.filter((t) => t.name !== 'inventory' && t.name !== 'toolbar'))
    for (const target of t.targets) {
      const combo = COMBOS_RELEASE[j++ % COMBOS_RELEASE.length]!;
      out.push({
        template: t.name,
        target,
        mutations: combo.mutations,
        ...(combo.base ? { base: combo.base } : {}),
        tier: 1,
      });
    }
  return out;
}

export function generate(dir: string): CorpusCase[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cases: CorpusCase[] = [];
  specs().forEach((s, i) => {
    const t = TEMPLATES.find((x) => x.name === s.template)!;
    const before = build(t, s.target);
    const b = rng(5000 + i);
    for (const m of s.base ?? []) MUTATIONS[m](before, b);
    const after = clone(before);
    const r = rng(1000 + i);
    for (const m of s.mutations) MUTATIONS[m](after, r);
    s.extra?.(after);
    const expectHeal = !s.mutations.includes('remove');
    if (expectHeal !== (findMark(after) !== null))
      throw new Error(`case ${i}: mark presence does not match expectation`);
    const id = `${String(i + 1).padStart(3, '0')}-${s.template}-${s.target}`;
    const caseDir = join(dir, id);
    mkdirSync(caseDir);
    writeFileSync(join(caseDir, 'before.html'), page(`${t.name} v1`, before));
    writeFileSync(join(caseDir, 'after.html'), page(`${t.name} v2`, after));
    cases.push({
      id,
      template: s.template,
      target: s.target,
      mutations: [...(s.base ?? []).map((m) => `base:${m}`), ...s.mutations],
      expect: expectHeal ? 'heal' : 'abstain',
      tier: s.tier,
      ...(s.anchor ? { anchor: s.anchor } : {}),
      ...(s.image ? { image: true } : {}),
    });
  });
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ generator: 'e2e/healing/generate.ts', cases }, null, 1) + '\n',
  );
  return cases;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'corpus');
  const cases = generate(dir);
  const abstain = cases.filter((c) => c.expect === 'abstain').length;
  console.log(`wrote ${cases.length} cases (${abstain} expect abstain) to ${dir}`);
}
