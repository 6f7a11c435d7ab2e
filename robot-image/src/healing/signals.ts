// Tier-1 evidence: the signals that compare a recorded descriptor with one candidate, each a
// similarity in 0..1, and the candidate-set context they use (IDF over words, class tokens, URL
// path tokens and neighbour texts). How the signals are weighted and combined is score.ts; the
// weights themselves are data (weights.json).
//
// Design (after Similo / VON Similo, Nass et al. 2023, and Healenium's tree matching):
// - A signal applies only when the RECORDED element has the attribute (a signal it never had
//   cannot count for or against anyone), and a field only a recorder fills (box, neighbour
//   texts, xpaths; classes/attributes absent from every candidate) must be present on the
//   candidate too: absence is not evidence.
// - Identity signals (what the element says or is called, its ids and URL) vs context signals
//   (tag, position, XPath, classes, neighbours): see score.ts for why the split matters.
// - The candidate set is context: words, class tokens and URL segments many candidates share
//   weigh less than distinctive ones (IDF).
import {
  ancestorId,
  ancestorIdSimilarity,
  ancestorSimilarity,
  classTokens,
  fuzzyTextSimilarity,
  hrefTokens,
  inForm,
  landmarks,
  weightedOverlap,
} from './features.js';
import {
  classStem,
  identifierSimilarity,
  isGeneratedName,
  jaccard,
  normalizeText,
  pathSimilarity,
  textSimilarity,
  urlFile,
  urlPath,
  type TokenWeight,
} from './text.js';
import type { ElementDescriptor } from './types.js';
import type { SignalName } from './weights.js';

export type Group = 'identity' | 'context';
export const DIRECTIONS = ['above', 'below', 'left', 'right'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** What the scorer knows about the whole candidate set (built once per ranking). */
export interface CandidateSet {
  size: number;
  /** Word -> number of candidates whose names/texts use it. */
  wordCount: Map<string, number>;
  /** Per direction: normalised neighbour text -> number of candidates that have it there. */
  neighbourCount: Record<Direction, Map<string, number>>;
  /** Whether any candidate has classes / data-* attributes (a recorder may never fill them). */
  anyClasses: boolean;
  anyAttributes: boolean;
  /** Whether any candidate has section headings; normalised heading -> candidates under it. */
  anyHeadings: boolean;
  headingCount: Map<string, number>;
  /** IDF weight of a word among the candidates (the recorded element counts as one more document). */
  idf: TokenWeight;
  /** IDF of class-name tokens and of URL path tokens among the candidates. */
  classIdf: TokenWeight;
  hrefIdf: TokenWeight;
  /** textSimilarity weighted by `idf`, memoised for this set (neighbour texts repeat a lot). */
  sim(a: string | undefined, b: string | undefined): number;
}

export interface Signal {
  name: SignalName;
  group: Group;
  /** Whether the signal applies to this pair: the recorded element has the attribute, and the
   *  candidate has any field only a recorder can fill. Its weight is in weights.json. */
  applies(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): boolean;
  /** Similarity 0..1 of candidate c to recorded r. */
  similarity(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): number;
  /** An exact match on it is a strong identifier (score.ts: a unique exact match decides). */
  strong?: boolean;
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

export const has = (s: string | undefined): s is string => typeof s === 'string' && s.trim().length > 0;

/** The other data-* / aria-* attributes worth comparing (not test ids, not generated values). */
function otherAttributes(d: ElementDescriptor): [string, string][] {
  return Object.entries(d.attributes ?? {}).filter(
    ([k, v]) => !TEST_ID_ATTRIBUTES.includes(k) && v.length > 0 && v.length < 200 && !isGeneratedName(v),
  );
}

/** Class names reduced to what survives a rebuild (CSS-modules stems; hashes dropped). */
function classStems(d: ElementDescriptor): string[] {
  const out: string[] = [];
  for (const c of d.classes ?? []) {
    const s = classStem(c);
    if (s) out.push(s);
  }
  return out;
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

/**
 * A container with no semantics of its own (<div>, <span> without a role): a rewrite often turns a
 * clickable or styled one into a real control or heading (or the reverse), so its tag says little.
 */
export function isGenericContainer(d: ElementDescriptor): boolean {
  return ['div', 'span'].includes(d.tag.toLowerCase()) && !has(d.role);
}

/** 1 same tag, 0.85 same kind of control, 0.35 otherwise. */
export function tagCompatibility(r: ElementDescriptor, c: ElementDescriptor): number {
  if (r.tag.toLowerCase() === c.tag.toLowerCase()) return 1;
  return elementKind(r) === elementKind(c) ? 0.85 : 0.35;
}

const centre = (b: NonNullable<ElementDescriptor['box']>) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
function boxDistance(a: NonNullable<ElementDescriptor['box']>, b: NonNullable<ElementDescriptor['box']>): number {
  const ca = centre(a);
  const cb = centre(b);
  return Math.hypot(ca.x - cb.x, ca.y - cb.y);
}

export function boxDistanceOf(a: ElementDescriptor['box'], b: ElementDescriptor['box']): number {
  return a && b ? boxDistance(a, b) : Infinity;
}

function locationSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  if (!r.box || !c.box) return 0;
  // Half the similarity is gone at ~140 px: layouts shift, but rarely across the page.
  return Math.exp(-boxDistance(r.box, c.box) / 200);
}

function sizeSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  if (!r.box || !c.box) return 0;
  const ratio = (a: number, b: number) => (a <= 0 || b <= 0 ? (a === b ? 1 : 0) : Math.min(a, b) / Math.max(a, b));
  return Math.sqrt(ratio(r.box.width, c.box.width) * ratio(r.box.height, c.box.height));
}

const hasNeighbours = (d: ElementDescriptor) => !!d.neighborText && Object.values(d.neighborText).some(has);

/**
 * Neighbour texts, direction by direction, each weighted by how distinctive the recorded text is
 * among the candidates: "Delete" above every row's Delete button says little, "Red widget" left
 * of one row's field says which row it is.
 */
function neighbourSimilarity(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): number {
  let sum = 0;
  let weights = 0;
  for (const d of DIRECTIONS) {
    const rv = r.neighborText?.[d];
    if (!has(rv)) continue;
    const seen = set.neighbourCount[d].get(normalizeText(rv)) ?? 0;
    const w = Math.log(1 + (set.size + 1) / (seen + 1));
    // Best match in the same direction, or a lesser one in any direction (the element moved).
    let best = set.sim(rv, c.neighborText?.[d]);
    for (const o of DIRECTIONS) if (o !== d) best = Math.max(best, 0.6 * set.sim(rv, c.neighborText?.[o]));
    sum += w * best;
    weights += w;
  }
  return weights === 0 ? 0 : sum / weights;
}

/**
 * The headings of the sections the element sits in, each weighted by how few candidates sit under
 * it: "Responses" heads every operation's responses, "Deletes a pet" one operation. Per recorded
 * heading the best match among the candidate's (levels get renumbered in rewrites).
 */
function sectionHeadingSimilarity(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): number {
  let sum = 0;
  let weights = 0;
  for (const h of r.sectionHeadings ?? []) {
    const n = set.headingCount.get(normalizeText(h)) ?? 0;
    const w = Math.log(1 + (set.size + 1) / (n + 1));
    let best = 0;
    for (const ch of c.sectionHeadings ?? []) best = Math.max(best, set.sim(h, ch));
    sum += w * best;
    weights += w;
  }
  return weights === 0 ? 0 : sum / weights;
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
function visualLabelSimilarity(label: string | undefined, c: ElementDescriptor, set: CandidateSet): number {
  return Math.max(set.sim(label, c.neighborText?.left), set.sim(label, c.neighborText?.above));
}

/** What an element says or is called: the words IDF is computed over. */
function nameWords(d: ElementDescriptor): Set<string> {
  const out = new Set<string>();
  for (const s of [d.accessibleName, d.label, d.placeholder, d.title, d.alt, (d.text ?? '').slice(0, 200)])
    for (const w of normalizeText(s).split(' ')) if (w) out.add(w);
  return out;
}

/** Build the candidate-set context once per ranking. */
export function candidateSet(candidates: readonly ElementDescriptor[]): CandidateSet {
  const wordCount = new Map<string, number>();
  const neighbourCount = { above: new Map(), below: new Map(), left: new Map(), right: new Map() } as Record<
    Direction,
    Map<string, number>
  >;
  const classCount = new Map<string, number>();
  const hrefCount = new Map<string, number>();
  const headingCount = new Map<string, number>();
  let anyClasses = false;
  let anyAttributes = false;
  let anyHeadings = false;
  for (const c of candidates) {
    for (const h of new Set((c.sectionHeadings ?? []).map(normalizeText)))
      headingCount.set(h, (headingCount.get(h) ?? 0) + 1);
    for (const w of nameWords(c)) wordCount.set(w, (wordCount.get(w) ?? 0) + 1);
    for (const t of classTokens(c.classes)) classCount.set(t, (classCount.get(t) ?? 0) + 1);
    for (const t of hrefTokens(c.href)) hrefCount.set(t, (hrefCount.get(t) ?? 0) + 1);
    for (const d of DIRECTIONS) {
      const t = normalizeText(c.neighborText?.[d]);
      if (t) neighbourCount[d].set(t, (neighbourCount[d].get(t) ?? 0) + 1);
    }
    anyClasses ||= (c.classes?.length ?? 0) > 0;
    anyHeadings ||= (c.sectionHeadings?.length ?? 0) > 0;
    anyAttributes ||= Object.keys(c.attributes ?? {}).length > 0;
  }
  const size = candidates.length;
  const idfOf = (count: Map<string, number>) => (w: string) => Math.log(1 + (size + 1) / ((count.get(w) ?? 0) + 1));
  const idf = idfOf(wordCount);
  const simMemo = new Map<string, number>();
  const sim = (a: string | undefined, b: string | undefined) => {
    if (!a || !b) return 0;
    const key = a + '\u0000' + b;
    let v = simMemo.get(key);
    if (v === undefined) simMemo.set(key, (v = textSimilarity(a, b, idf)));
    return v;
  };
  return {
    size,
    wordCount,
    neighbourCount,
    anyClasses,
    anyAttributes,
    anyHeadings,
    headingCount,
    idf,
    sim,
    classIdf: idfOf(classCount),
    hrefIdf: idfOf(hrefCount),
  };
}

/** The name an element is shown or read by: accessible name, else its text. */
const shownName = (d: ElementDescriptor) => (has(d.accessibleName) ? d.accessibleName : d.text);

function landmarkSimilarity(r: ElementDescriptor, c: ElementDescriptor): number {
  const a = landmarks(r.xpath, r.idXpath);
  const b = landmarks(c.xpath, c.idXpath);
  const region = a.length === 0 && b.length === 0 ? 1 : jaccard(a, b);
  return 0.5 * region + 0.5 * (inForm(r.xpath) === inForm(c.xpath) ? 1 : 0);
}

/** The signals. Their weights are in weights.json (SIGNAL_NAMES order is the fitter's). */
export const SIGNALS: readonly Signal[] = [
  {
    name: 'testId',
    group: 'identity',
    strong: true,
    applies: (r) => !!testIdOf(r),
    similarity: (r, c) => identifierSimilarity(testIdOf(r), testIdOf(c)),
  },
  {
    name: 'id',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.id) && !isGeneratedName(r.id),
    similarity: (r, c) => identifierSimilarity(r.id, c.id),
  },
  {
    name: 'idGenerated',
    group: 'identity',
    applies: (r) => has(r.id) && isGeneratedName(r.id),
    similarity: (r, c) => identifierSimilarity(r.id, c.id),
  },
  {
    name: 'name',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.name) && !isGeneratedName(r.name),
    similarity: (r, c) => identifierSimilarity(r.name, c.name),
  },
  {
    name: 'nameGenerated',
    group: 'identity',
    applies: (r) => has(r.name) && isGeneratedName(r.name),
    similarity: (r, c) => identifierSimilarity(r.name, c.name),
  },
  {
    name: 'accessibleName',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.accessibleName),
    similarity: (r, c, set) =>
      Math.max(
        set.sim(r.accessibleName, c.accessibleName),
        // A <span> or <div> has no accessible name of its own: what it says is its text.
        c.accessibleName ? 0 : Math.max(0.9 * set.sim(r.accessibleName, c.text?.slice(0, 200)), 0.8 * visualLabelSimilarity(r.accessibleName, c, set)),
      ),
  },
  {
    name: 'text',
    group: 'identity',
    strong: true,
    applies: (r) => !!ownText(r),
    similarity: (r, c, set) => Math.max(set.sim(r.text, c.text), 0.8 * set.sim(r.text, c.accessibleName)),
  },
  {
    // The same shown name after a small edit (typo, added word, reordered words, punctuation).
    name: 'textFuzzy',
    group: 'identity',
    applies: (r) => has(shownName(r)),
    similarity: (r, c) => fuzzyTextSimilarity(shownName(r), shownName(c)),
  },
  {
    name: 'label',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.label),
    similarity: (r, c, set) =>
      Math.max(set.sim(r.label, c.label), c.label ? 0 : 0.8 * visualLabelSimilarity(r.label, c, set)),
  },
  {
    name: 'placeholder',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.placeholder),
    similarity: (r, c, set) => set.sim(r.placeholder, c.placeholder),
  },
  {
    name: 'href',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.href) && !r.href.startsWith('javascript:'),
    similarity: (r, c) =>
      urlPath(r.href) === urlPath(c.href) ? 1 : 0.8 * identifierSimilarity(urlPath(r.href), urlPath(c.href)),
  },
  {
    // URL path words weighted by rarity: /docs/v2/install vs /docs/v3/install shares "install".
    name: 'hrefTokens',
    group: 'identity',
    applies: (r) => hrefTokens(r.href).length > 0,
    similarity: (r, c, set) => weightedOverlap(hrefTokens(r.href), hrefTokens(c.href), set.hrefIdf),
  },
  {
    name: 'src',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.src),
    similarity: (r, c) =>
      urlFile(r.src) === urlFile(c.src) ? 1 : 0.8 * identifierSimilarity(urlFile(r.src), urlFile(c.src)),
  },
  {
    name: 'alt',
    group: 'identity',
    strong: true,
    applies: (r) => has(r.alt),
    similarity: (r, c, set) => set.sim(r.alt, c.alt),
  },
  {
    name: 'title',
    group: 'identity',
    applies: (r) => has(r.title),
    similarity: (r, c, set) => set.sim(r.title, c.title),
  },
  {
    name: 'attributes',
    group: 'identity',
    applies: (r, _c, set) => set.anyAttributes && otherAttributes(r).length > 0,
    similarity: attributeSimilarity,
  },
  {
    name: 'tag',
    group: 'context',
    applies: () => true,
    similarity: (r, c) => (r.tag.toLowerCase() === c.tag.toLowerCase() ? 1 : tagCompatibility(r, c) > 0.5 ? 0.6 : 0),
  },
  {
    name: 'role',
    group: 'context',
    applies: (r) => has(r.role),
    similarity: (r, c) => (r.role === c.role ? 1 : 0),
  },
  {
    name: 'type',
    group: 'context',
    applies: (r) => has(r.type),
    similarity: (r, c) => (r.type === c.type ? 1 : 0),
  },
  {
    name: 'classes',
    group: 'context',
    applies: (r, _c, set) => set.anyClasses && classStems(r).length > 0,
    similarity: (r, c) => jaccard(classStems(r), classStems(c)),
  },
  {
    // Class words weighted by rarity: "btn" on every button says little, "checkout-submit" much.
    name: 'classTokens',
    group: 'context',
    applies: (r, _c, set) => set.anyClasses && classTokens(r.classes).length > 0,
    similarity: (r, c, set) => weightedOverlap(classTokens(r.classes), classTokens(c.classes), set.classIdf),
  },
  {
    name: 'xpath',
    group: 'context',
    applies: (r, c) => has(r.xpath) && has(c.xpath),
    similarity: (r, c) => pathSimilarity(r.xpath, c.xpath),
  },
  {
    // The ancestor chain by tags only: survives rows and wrappers added above.
    name: 'ancestors',
    group: 'context',
    applies: (r, c) => has(r.xpath) && has(c.xpath),
    similarity: (r, c) => ancestorSimilarity(r.xpath, c.xpath),
  },
  {
    // The page region (nav, header, form, an id-anchored container) the element lives in.
    name: 'landmarks',
    group: 'context',
    applies: (r, c) => has(r.xpath) && has(c.xpath),
    similarity: landmarkSimilarity,
  },
  {
    // The id of the section / row the element sits in (from an id-anchored XPath).
    name: 'ancestorId',
    group: 'context',
    applies: (r, c) => !!ancestorId(r.idXpath) && r.idXpath !== r.xpath && has(c.idXpath),
    similarity: (r, c) => ancestorIdSimilarity(r.idXpath, c.idXpath),
  },
  {
    name: 'idXpath',
    group: 'context',
    applies: (r, c) => has(r.idXpath) && r.idXpath !== r.xpath && has(c.idXpath),
    similarity: (r, c) => pathSimilarity(r.idXpath, c.idXpath),
  },
  { name: 'location', group: 'context', applies: (r, c) => !!(r.box && c.box), similarity: locationSimilarity },
  { name: 'size', group: 'context', applies: (r, c) => !!(r.box && c.box), similarity: sizeSimilarity },
  {
    name: 'neighbors',
    group: 'context',
    applies: (r, c) => hasNeighbours(r) && c.neighborText !== undefined,
    similarity: neighbourSimilarity,
  },
  {
    // The sections it sits in, by their headings (recorded by inpage.ts; absent from old records).
    name: 'sectionHeadings',
    group: 'context',
    applies: (r, _c, set) => set.anyHeadings && (r.sectionHeadings?.length ?? 0) > 0,
    similarity: sectionHeadingSimilarity,
  },
];

/**
 * True when the candidate is called what the recorded element had NEXT to it (and not what the
 * recorded element itself was called): it is that neighbour, the target is probably gone.
 */
export function isRecordedNeighbour(r: ElementDescriptor, c: ElementDescriptor): boolean {
  if (!r.neighborText) return false;
  const own = [r.accessibleName, r.text, r.label, r.placeholder, r.title].filter(has);
  const names = new Set([c.accessibleName, c.label, c.text].filter(has).map(normalizeText));
  for (const d of DIRECTIONS) {
    const t = r.neighborText[d];
    if (!has(t) || !names.has(normalizeText(t))) continue;
    // A label repeated as the text above a field is its own name, not a neighbour's.
    if (own.every((o) => textSimilarity(o, t) < 0.8)) return true;
  }
  return false;
}

/** Kinds of element a user acts on (what a wrapper's text usually belongs to). */
const CONTROL_KINDS = new Set(['action', 'toggle', 'select', 'textbox']);

/**
 * Candidates that wrap a control (within 4 levels, by XPath) whose shown text starts their own:
 * the <div> around "get /pet" <button>. O(candidates): each control looks up its few ancestors.
 */
export function controlWrappers(candidates: readonly ElementDescriptor[]): Set<number> {
  const byXpath = new Map<string, number>();
  candidates.forEach((c, i) => c.xpath && byXpath.set(c.xpath, i));
  const out = new Set<number>();
  for (const c of candidates) {
    const text = normalizeText(shownName(c));
    if (!c.xpath || text.length < 2 || !CONTROL_KINDS.has(elementKind(c))) continue;
    let x = c.xpath;
    for (let up = 0; up < 4; up++) {
      x = x.slice(0, Math.max(0, x.lastIndexOf('/')));
      if (!x) break;
      const a = byXpath.get(x);
      if (a !== undefined && normalizeText(shownName(candidates[a]!)).startsWith(text)) out.add(a);
    }
  }
  return out;
}
