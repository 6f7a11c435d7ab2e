// Tier 1 offline: the scorer's inputs captured once per corpus case (recorded descriptor from
// before.html, candidates from after.html, the marked element's index), then scored through the
// exported contract only — the way the scorer is evaluated on held-out data. Variants drop
// descriptor fields (box, neighbour texts, xpaths) on both sides to check that absence is not
// punished.
import type { Page } from 'playwright-core';
import type { CorpusCase } from '../../e2e/healing/corpus.js';
import { casePage } from '../../e2e/healing/corpus.js';
import {
  collectCandidates,
  describeElement,
  hintFor,
  rankCandidates,
  type ElementDescriptor,
} from '../../robot-image/src/healing/index.js';

export interface Tier1Case {
  id: string;
  mutations: string[];
  recorded: ElementDescriptor;
  candidates: ElementDescriptor[];
  /** Index of the marked element among the candidates; null when the target was removed. */
  want: number | null;
}

export async function captureTier1Case(page: Page, c: CorpusCase): Promise<Tier1Case> {
  await page.setContent(casePage(c, 'before'));
  const before = await page.$('[data-heal-mark]');
  if (!before) throw new Error(`${c.id}: no marked element in before.html`);
  await before.evaluate((el) => el.removeAttribute('data-heal-mark'));
  const recorded = await describeElement(before);
  await page.setContent(casePage(c, 'after'));
  const after = await page.$('[data-heal-mark]');
  await after?.evaluate((el) => el.removeAttribute('data-heal-mark'));
  const candidates = await collectCandidates(page, hintFor(recorded));
  let want: number | null = null;
  if (after) {
    const xpath = (await describeElement(after)).xpath;
    const i = candidates.findIndex((d) => d.xpath === xpath);
    want = i >= 0 ? i : null;
    if (i < 0) throw new Error(`${c.id}: the marked element is not among the candidates`);
  }
  return { id: c.id, mutations: c.mutations, recorded, candidates, want };
}

export interface Tier1Score {
  cases: number;
  correct: number;
  wrong: number;
  abstained: number;
  /** Removed targets where the scorer (rightly) abstained. */
  wrongIds: string[];
}

/** Score every case; `correct` = chose the marked element, or abstained when it was removed. */
export function evaluateTier1(
  cases: readonly Tier1Case[],
  drop: (d: ElementDescriptor) => ElementDescriptor = (d) => d,
): Tier1Score {
  const s: Tier1Score = { cases: cases.length, correct: 0, wrong: 0, abstained: 0, wrongIds: [] };
  for (const c of cases) {
    const { choice } = rankCandidates(drop(c.recorded), c.candidates.map(drop));
    if (choice === c.want) s.correct++;
    else if (choice === null) s.abstained++;
    else {
      s.wrong++;
      s.wrongIds.push(c.id);
    }
  }
  return s;
}

const omit =
  (...keys: (keyof ElementDescriptor)[]) =>
  (d: ElementDescriptor): ElementDescriptor => {
    const c = { ...d };
    for (const k of keys) delete c[k];
    return c;
  };

const keep =
  (...keys: (keyof ElementDescriptor)[]) =>
  (d: ElementDescriptor): ElementDescriptor => {
    const c: Partial<ElementDescriptor> = {};
    for (const k of keys) if (d[k] !== undefined) (c as Record<string, unknown>)[k] = d[k];
    return c as ElementDescriptor;
  };

/** The fields the team's held-out benchmark records (and nothing else). */
export const HELD_OUT_FIELDS = keep('tag', 'classes', 'name', 'id', 'href', 'text', 'xpath');

/** Descriptor variants a held-out data set may have: fields its recorder did not fill. */
export const FIELD_DROPS: { name: string; drop: (d: ElementDescriptor) => ElementDescriptor }[] = [
  { name: 'all fields', drop: (d) => d },
  { name: 'no box', drop: omit('box') },
  { name: 'no neighborText', drop: omit('neighborText') },
  { name: 'no xpath/idXpath', drop: omit('xpath', 'idXpath') },
  { name: 'no box/neighbors/xpaths', drop: omit('box', 'neighborText', 'xpath', 'idXpath') },
  { name: 'no classes/attributes', drop: omit('classes', 'attributes') },
  { name: 'held-out fields only', drop: HELD_OUT_FIELDS },
];
