// Tier-1 evaluation data for the fitter and the benchmark: the real corpus (old vs new releases of
// real web apps, e2e/healing/real/corpus/<app>.json, with its own train/test split) and the
// generated corpus (e2e/healing/corpus, split here by target so the variants of one target stay
// on one side). Plus the descriptor variant the held-out benchmark's poorest data looks like.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElementDescriptor, RankResult } from '../../robot-image/src/healing/index.js';
import type { Tier1Case } from './tier1.js';

export type Split = 'train' | 'test';

export interface Tier1Item {
  /** The real app's name, or "generated". */
  source: string;
  id: string;
  split: Split;
  recorded: ElementDescriptor;
  candidates: ElementDescriptor[];
  /** Index of the target among the candidates; null when it was removed (abstaining is right). */
  want: number | null;
}

interface RealCorpusFile {
  app: string;
  pages: { id: string; candidates: ElementDescriptor[] }[];
  cases: { id: string; page: string; recorded: ElementDescriptor; expected: number | null; split: Split }[];
}

/** Where the real corpus lives: AETHER_REAL_CORPUS, else e2e/healing/real/corpus in this repository. */
export function realCorpusDir(): string {
  return (
    process.env.AETHER_REAL_CORPUS ??
    join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'e2e', 'healing', 'real', 'corpus')
  );
}

/** Every case of every app file in the real corpus folder (none when the folder is absent). */
export function loadRealCorpus(dir = realCorpusDir()): Tier1Item[] {
  if (!existsSync(dir)) return [];
  const out: Tier1Item[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RealCorpusFile;
    const pages = new Map(doc.pages.map((p) => [p.id, p.candidates]));
    for (const c of doc.cases) {
      const candidates = pages.get(c.page);
      if (!candidates) throw new Error(`${f}: case ${c.id} names unknown page ${c.page}`);
      out.push({ source: doc.app, id: c.id, split: c.split, recorded: c.recorded, candidates, want: c.expected });
    }
  }
  return out;
}

/** Generated cases split by target (template + target name), half and half by a stable hash. */
export function generatedItems(cases: readonly Tier1Case[]): Tier1Item[] {
  return cases.map((c) => {
    const target = c.id.replace(/^\d+-/, '');
    const h = createHash('sha256').update(target).digest()[0]!;
    return {
      source: 'generated',
      id: c.id,
      split: h % 2 === 0 ? 'train' : 'test',
      recorded: c.recorded,
      candidates: c.candidates,
      want: c.want,
    };
  });
}

/** The held-out benchmark's poorest descriptors: only tag, classes, name, id, href, text and xpath. */
export function reduceDescriptor(d: ElementDescriptor): ElementDescriptor {
  const out: ElementDescriptor = { tag: d.tag };
  for (const k of ['classes', 'name', 'id', 'href', 'text', 'xpath'] as const)
    if (d[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = d[k];
  return out;
}

/** Candidate lists are shared by the cases of one page: reduce each list once. */
export function reduceItems(items: readonly Tier1Item[]): Tier1Item[] {
  const memo = new Map<ElementDescriptor[], ElementDescriptor[]>();
  return items.map((it) => {
    let cs = memo.get(it.candidates);
    if (!cs) memo.set(it.candidates, (cs = it.candidates.map(reduceDescriptor)));
    return { ...it, recorded: reduceDescriptor(it.recorded), candidates: cs };
  });
}

export interface Tally {
  cases: number;
  correct: number;
  wrong: number;
  abstained: number;
  /** Never abstaining: the top-ranked candidate is the target (removed targets count as wrong). */
  top1: number;
}

export function tally(
  items: readonly Tier1Item[],
  rank: (r: ElementDescriptor, cs: ElementDescriptor[]) => RankResult,
): Tally {
  const t: Tally = { cases: items.length, correct: 0, wrong: 0, abstained: 0, top1: 0 };
  for (const it of items) {
    const { choice, ranked } = rank(it.recorded, it.candidates);
    if (choice === it.want) t.correct++;
    else if (choice === null) t.abstained++;
    else t.wrong++;
    if (it.want !== null && ranked[0]?.index === it.want) t.top1++;
  }
  return t;
}

const pct = (n: number, d: number) => (d === 0 ? '-' : ((100 * n) / d).toFixed(1));

export function formatTally(label: string, t: Tally): string {
  return `${label.padEnd(34)} n=${String(t.cases).padStart(4)}  correct ${pct(t.correct, t.cases).padStart(5)}%  wrong ${pct(t.wrong, t.cases).padStart(5)}%  abstain ${pct(t.abstained, t.cases).padStart(5)}%  top-1 ${pct(t.top1, t.cases).padStart(5)}%`;
}
