// Tier 1: a pure scorer that compares the recorded descriptor with every candidate on the page.
//
// Design (after Similo / VON Similo, Nass et al. 2023, and Healenium's tree matching):
// - Many weak signals, each a similarity in 0..1, combined as a weighted mean over the signals the
//   RECORDED element has (a signal it never had cannot count for or against anyone).
// - Weights follow how stable an attribute is across real releases. Similo weighs tag, id, name,
//   visible text and neighbour texts 1.5 and the rest 0.5; we keep that split and add test ids
//   (most stable: written for automation), accessible name, label, placeholder and alt (stable
//   because users and screen readers see them), and down-weight ids/classes that look generated.
// - Identity vs context: context signals (position, XPath, classes, neighbours) also match the
//   element that REPLACED a removed target, so the weighted mean is multiplied by an identity
//   factor: with no agreement on what the element says or is called, even a perfect positional
//   match scores low. That is what lets the healer abstain instead of clicking the wrong thing.
// - Tag compatibility gates: a <button> may become <a role=button>, rarely a <td>.
// - Abstention: the best must clear MIN_SCORE and beat the runner-up by MIN_MARGIN.
import {
  identifierSimilarity,
  isGeneratedName,
  jaccard,
  normalizeText,
  pathSimilarity,
  textSimilarity,
  urlFile,
  urlPath,
} from './text.js';
import type { ElementDescriptor, RankResult } from './types.js';

type Group = 'identity' | 'context';

interface Signal {
  name: string;
  group: Group;
  /** Weight of the signal, given the recorded element (0 = not applicable). */
  weight(r: ElementDescriptor): number;
  /** Similarity 0..1 of candidate c to recorded r. */
  similarity(r: ElementDescriptor, c: ElementDescriptor): number;
}

/** Attributes written for test automation: the most stable handle a page has. */
export const TEST_ID_ATTRIBUTES = [
  'data-testid',
  'data-test-id',
  'data-test',
  'data-qa',
  'data-cy',
  'data-automation-id',
];

export function testIdOf(d: ElementDescriptor): string | undefined {
  for (const a of TEST_ID_ATTRIBUTES) {
    const v = d.attributes?.[a];
    if (v) return v;
  }
  return undefined;
}

const has = (s: string | undefined): s is string => typeof s === 'string' && s.trim().length > 0;

/** The other data-* / aria-* attributes worth comparing (not test ids, not generated values). */
function otherAttributes(d: ElementDescriptor): [string, string][] {
  return Object.entries(d.attributes ?? {}).filter(
    ([k, v]) => !TEST_ID_ATTRIBUTES.includes(k) && v.length > 0 && v.length < 200 && !isGeneratedName(v),
  );
}

function stableClasses(d: ElementDescriptor): string[] {
  return (d.classes ?? []).filter((c) => !isGeneratedName(c));
}

/** Same kind of control: what a user could do with it. */
export function elementKind(d: ElementDescriptor): string {
  const tag = d.tag.toLowerCase();
  const role = (d.role ?? '').toLowerCase();
  const type = (d.type ?? '').toLowerCase();
  if (['checkbox', 'radio', 'switch'].includes(role) || (tag === 'input' && ['checkbox', 'radio'].includes(type)))
    return 'toggle';
  if (tag === 'select' || ['combobox', 'listbox'].includes(role)) return 'select';
  if (
    (tag === 'input' && ['submit', 'button', 'reset', 'image'].includes(type)) ||
    ['button', 'a', 'summary'].includes(tag) ||
    ['button', 'link', 'menuitem', 'tab', 'option'].includes(role)
  )
    return 'action';
  if (tag === 'input' || tag === 'textarea' || ['textbox', 'searchbox', 'spinbutton'].includes(role)) return 'textbox';
  if (['img', 'svg', 'picture', 'canvas'].includes(tag) || role === 'img') return 'image';
  if (['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag) || role === 'heading') return 'heading';
  if (['td', 'th'].includes(tag) || ['cell', 'gridcell', 'columnheader', 'rowheader'].includes(role)) return 'cell';
  return 'other:' + tag;
}

/** 1 same tag, 0.85 same kind of control, 0.35 otherwise. */
export function tagCompatibility(r: ElementDescriptor, c: ElementDescriptor): number {
  if (r.tag.toLowerCase() === c.tag.toLowerCase()) return 1;
  return elementKind(r) === elementKind(c) ? 0.85 : 0.35;
}

function locationSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  if (!r.box || !c.box) return 0;
  const dx = r.box.x + r.box.width / 2 - (c.box.x + c.box.width / 2);
  const dy = r.box.y + r.box.height / 2 - (c.box.y + c.box.height / 2);
  // Half the similarity is gone at ~140 px: layouts shift, but rarely across the page.
  return Math.exp(-Math.hypot(dx, dy) / 200);
}

function sizeSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  if (!r.box || !c.box) return 0;
  const ratio = (a: number, b: number) => (a <= 0 || b <= 0 ? (a === b ? 1 : 0) : Math.min(a, b) / Math.max(a, b));
  return Math.sqrt(ratio(r.box.width, c.box.width) * ratio(r.box.height, c.box.height));
}

function neighbourSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  const dirs = ['above', 'below', 'left', 'right'] as const;
  let sum = 0;
  let n = 0;
  for (const d of dirs) {
    const rv = r.neighborText?.[d];
    if (!has(rv)) continue;
    n++;
    // Best match in the same direction, or a lesser one in any direction (the element moved).
    let best = textSimilarity(rv, c.neighborText?.[d]);
    for (const o of dirs) if (o !== d) best = Math.max(best, 0.6 * textSimilarity(rv, c.neighborText?.[o]));
    sum += best;
  }
  return n === 0 ? 0 : sum / n;
}

function attributeSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  const ra = otherAttributes(r);
  if (ra.length === 0) return 0;
  let sum = 0;
  for (const [k, v] of ra) {
    const cv = c.attributes?.[k];
    if (cv === undefined) continue;
    sum += cv === v ? 1 : 0.2 + 0.5 * identifierSimilarity(v, cv);
  }
  return sum / ra.length;
}

/** Text shown on the element, unless it only repeats the accessible name (do not count it twice). */
function ownText(d: ElementDescriptor): string | undefined {
  if (!has(d.text)) return undefined;
  return normalizeText(d.text) === normalizeText(d.accessibleName) ? undefined : d.text;
}

/**
 * Text shown beside or above a control: what a user reads as its label even when the markup
 * association (for=, aria-labelledby) broke in the new version.
 */
function visualLabelSimilarity(label: string | undefined, c: ElementDescriptor): number {
  return Math.max(textSimilarity(label, c.neighborText?.left), textSimilarity(label, c.neighborText?.above));
}

/** The signals and their weights. Weight 0 = the recorded element lacks the attribute. */
export const SIGNALS: readonly Signal[] = [
  {
    name: 'testId',
    group: 'identity',
    weight: (r) => (testIdOf(r) ? 2.0 : 0),
    similarity: (r, c) => identifierSimilarity(testIdOf(r), testIdOf(c)),
  },
  {
    name: 'id',
    group: 'identity',
    weight: (r) => (has(r.id) ? (isGeneratedName(r.id) ? 0.3 : 1.5) : 0),
    similarity: (r, c) => identifierSimilarity(r.id, c.id),
  },
  {
    name: 'name',
    group: 'identity',
    weight: (r) => (has(r.name) ? (isGeneratedName(r.name) ? 0.3 : 1.5) : 0),
    similarity: (r, c) => identifierSimilarity(r.name, c.name),
  },
  {
    name: 'accessibleName',
    group: 'identity',
    weight: (r) => (has(r.accessibleName) ? 1.5 : 0),
    similarity: (r, c) =>
      Math.max(
        textSimilarity(r.accessibleName, c.accessibleName),
        c.accessibleName ? 0 : 0.8 * visualLabelSimilarity(r.accessibleName, c),
      ),
  },
  {
    name: 'text',
    group: 'identity',
    weight: (r) => (ownText(r) ? 1.5 : 0),
    similarity: (r, c) => Math.max(textSimilarity(r.text, c.text), 0.8 * textSimilarity(r.text, c.accessibleName)),
  },
  {
    name: 'label',
    group: 'identity',
    weight: (r) => (has(r.label) ? 1.5 : 0),
    similarity: (r, c) =>
      Math.max(textSimilarity(r.label, c.label), c.label ? 0 : 0.8 * visualLabelSimilarity(r.label, c)),
  },
  {
    name: 'placeholder',
    group: 'identity',
    weight: (r) => (has(r.placeholder) ? 1.0 : 0),
    similarity: (r, c) => textSimilarity(r.placeholder, c.placeholder),
  },
  {
    name: 'href',
    group: 'identity',
    weight: (r) => (has(r.href) && !r.href.startsWith('javascript:') ? 1.0 : 0),
    similarity: (r, c) =>
      urlPath(r.href) === urlPath(c.href) ? 1 : 0.8 * identifierSimilarity(urlPath(r.href), urlPath(c.href)),
  },
  {
    name: 'src',
    group: 'identity',
    weight: (r) => (has(r.src) ? 1.0 : 0),
    similarity: (r, c) =>
      urlFile(r.src) === urlFile(c.src) ? 1 : 0.8 * identifierSimilarity(urlFile(r.src), urlFile(c.src)),
  },
  {
    name: 'alt',
    group: 'identity',
    weight: (r) => (has(r.alt) ? 1.0 : 0),
    similarity: (r, c) => textSimilarity(r.alt, c.alt),
  },
  {
    name: 'title',
    group: 'identity',
    weight: (r) => (has(r.title) ? 0.75 : 0),
    similarity: (r, c) => textSimilarity(r.title, c.title),
  },
  {
    name: 'attributes',
    group: 'identity',
    weight: (r) => (otherAttributes(r).length > 0 ? 0.75 : 0),
    similarity: attributeSimilarity,
  },
  {
    name: 'tag',
    group: 'context',
    weight: () => 1.0,
    similarity: (r, c) => (r.tag.toLowerCase() === c.tag.toLowerCase() ? 1 : tagCompatibility(r, c) > 0.5 ? 0.6 : 0),
  },
  {
    name: 'role',
    group: 'context',
    weight: (r) => (has(r.role) ? 0.5 : 0),
    similarity: (r, c) => (r.role === c.role ? 1 : 0),
  },
  {
    name: 'type',
    group: 'context',
    weight: (r) => (has(r.type) ? 0.5 : 0),
    similarity: (r, c) => (r.type === c.type ? 1 : 0),
  },
  {
    name: 'classes',
    group: 'context',
    weight: (r) => (stableClasses(r).length > 0 ? 0.5 : 0),
    similarity: (r, c) => jaccard(stableClasses(r), stableClasses(c)),
  },
  {
    name: 'xpath',
    group: 'context',
    weight: (r) => (has(r.xpath) ? 0.5 : 0),
    similarity: (r, c) => pathSimilarity(r.xpath, c.xpath),
  },
  {
    name: 'idXpath',
    group: 'context',
    weight: (r) => (has(r.idXpath) && r.idXpath !== r.xpath ? 0.5 : 0),
    similarity: (r, c) => pathSimilarity(r.idXpath, c.idXpath),
  },
  { name: 'location', group: 'context', weight: (r) => (r.box ? 0.5 : 0), similarity: locationSimilarity },
  { name: 'size', group: 'context', weight: (r) => (r.box ? 0.5 : 0), similarity: sizeSimilarity },
  {
    name: 'neighbors',
    group: 'context',
    weight: (r) => (r.neighborText && Object.values(r.neighborText).some(has) ? 1.5 : 0),
    similarity: neighbourSimilarity,
  },
];

/** Choose when the best candidate scores at least MIN_SCORE and leads the runner-up by MIN_MARGIN... */
export const MIN_SCORE = 0.5;
export const MIN_MARGIN = 0.08;
/** ...or, when the page changed a lot, scores at least LOW_SCORE but stands far (LOW_MARGIN) above every other. */
export const LOW_SCORE = 0.35;
export const LOW_MARGIN = 0.2;
/** Identity agreement at or above this counts fully; below it the score shrinks (see scoreCandidate). */
const IDENTITY_FULL = 0.75;
/** The least the identity factor can be, when nothing the element says or is called matches. */
const IDENTITY_FLOOR = 0.3;

export interface ScoreBreakdown {
  score: number;
  identity: number | null;
  signals: Record<string, number>;
}

/** Score one candidate against the recorded descriptor, with the per-signal similarities. */
export function scoreCandidate(recorded: ElementDescriptor, candidate: ElementDescriptor): ScoreBreakdown {
  let sum = 0;
  let weights = 0;
  let idSum = 0;
  let idWeights = 0;
  const signals: Record<string, number> = {};
  for (const s of SIGNALS) {
    const w = s.weight(recorded);
    if (w <= 0) continue;
    const sim = s.similarity(recorded, candidate);
    signals[s.name] = sim;
    sum += w * sim;
    weights += w;
    if (s.group === 'identity') {
      idSum += w * sim;
      idWeights += w;
    }
  }
  const mean = weights > 0 ? sum / weights : 0;
  const identity = idWeights > 0 ? idSum / idWeights : null;
  // Convex in identity: half-matching names ("Email notifications" vs "SMS notifications") are
  // typical of a sibling that replaced a removed target, so partial agreement earns little.
  const identityFactor =
    identity === null ? 1 : IDENTITY_FLOOR + (1 - IDENTITY_FLOOR) * Math.min(1, identity / IDENTITY_FULL) ** 1.5;
  let score = mean * identityFactor * tagCompatibility(recorded, candidate);
  // Keys made to identify an element (test ids, hand-written ids) rarely move to another element:
  // an exact match lifts the score towards 1 even when everything around it changed.
  if (signals.testId === 1) score = Math.max(score, 0.7 + 0.3 * score);
  else if (signals.id === 1 && !isGeneratedName(recorded.id ?? '')) score = Math.max(score, 0.5 + 0.5 * score);
  return { score, identity, signals };
}

/** The abstention rule, on scores sorted best first. */
export function decide(sortedScores: readonly number[]): 'choose' | 'abstain' {
  const best = sortedScores[0];
  if (best === undefined || best < LOW_SCORE) return 'abstain';
  const margin = best - (sortedScores[1] ?? 0);
  if (best >= MIN_SCORE && margin >= MIN_MARGIN) return 'choose';
  return best >= LOW_SCORE && margin >= LOW_MARGIN ? 'choose' : 'abstain';
}

/**
 * Rank every candidate against the recorded descriptor, best first, and choose one or abstain.
 * Pure and deterministic (ties keep candidate order).
 */
export function rankAll(recorded: ElementDescriptor, candidates: ElementDescriptor[]): RankResult {
  const ranked = candidates
    .map((c, index) => ({ index, score: round(scoreCandidate(recorded, c).score) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const choice = decide(ranked.map((r) => r.score)) === 'choose' ? ranked[0]!.index : null;
  return { choice, ranked };
}

const round = (x: number) => Math.round(x * 10000) / 10000;
