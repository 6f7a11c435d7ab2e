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
// - The candidate set is context (the scorer sees every candidate): words many candidates share
//   ("notifications", "Edit") weigh less than distinctive ones (IDF); a neighbour text that many
//   candidates have weighs less than one only the target had.
// - Absence is not evidence: a signal whose field a candidate lacks because the recorder did not
//   fill it (box, neighbour texts, xpaths; classes/attributes absent from every candidate) drops
//   out of that candidate's weighted mean instead of counting as a mismatch.
// - A candidate whose name is the text the recorded element had NEXT to it is that neighbour, not
//   the target (removed "Email notifications" toggle vs its "SMS notifications" sibling).
// - Look-alikes (rows of identical Edit buttons): when only position tells them apart, the row
//   index in the XPath and the distance to the recorded box decide, and only when they agree.
// - Abstention: the best must clear MIN_SCORE and beat the runner-up by MIN_MARGIN.
import {
  alignSegments,
  classStem,
  identifierSimilarity,
  isGeneratedName,
  jaccard,
  normalizeText,
  pathSimilarity,
  segmentIndex,
  textSimilarity,
  urlFile,
  urlPath,
  xpathSegments,
  type TokenWeight,
} from './text.js';
import type { ElementDescriptor, RankResult } from './types.js';

type Group = 'identity' | 'context';
const DIRECTIONS = ['above', 'below', 'left', 'right'] as const;
type Direction = (typeof DIRECTIONS)[number];

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
  /** IDF weight of a word among the candidates (the recorded element counts as one more document). */
  idf: TokenWeight;
}

interface Signal {
  name: string;
  group: Group;
  /** Weight of the signal for this pair (0 = not applicable: the recorded element lacks the
   *  attribute, or the candidate lacks a field only a recorder can fill). */
  weight(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): number;
  /** Similarity 0..1 of candidate c to recorded r. */
  similarity(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): number;
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
    let best = textSimilarity(rv, c.neighborText?.[d], set.idf);
    for (const o of DIRECTIONS)
      if (o !== d) best = Math.max(best, 0.6 * textSimilarity(rv, c.neighborText?.[o], set.idf));
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
function visualLabelSimilarity(label: string | undefined, c: ElementDescriptor, idf: TokenWeight): number {
  return Math.max(textSimilarity(label, c.neighborText?.left, idf), textSimilarity(label, c.neighborText?.above, idf));
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
  let anyClasses = false;
  let anyAttributes = false;
  for (const c of candidates) {
    for (const w of nameWords(c)) wordCount.set(w, (wordCount.get(w) ?? 0) + 1);
    for (const d of DIRECTIONS) {
      const t = normalizeText(c.neighborText?.[d]);
      if (t) neighbourCount[d].set(t, (neighbourCount[d].get(t) ?? 0) + 1);
    }
    anyClasses ||= (c.classes?.length ?? 0) > 0;
    anyAttributes ||= Object.keys(c.attributes ?? {}).length > 0;
  }
  const size = candidates.length;
  const idf = (w: string) => Math.log(1 + (size + 1) / ((wordCount.get(w) ?? 0) + 1));
  return { size, wordCount, neighbourCount, anyClasses, anyAttributes, idf };
}

/** The signals and their weights. Weight 0 = not applicable to this pair (see Signal.weight). */
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
    similarity: (r, c, set) =>
      Math.max(
        textSimilarity(r.accessibleName, c.accessibleName, set.idf),
        c.accessibleName ? 0 : 0.8 * visualLabelSimilarity(r.accessibleName, c, set.idf),
      ),
  },
  {
    name: 'text',
    group: 'identity',
    weight: (r) => (ownText(r) ? 1.5 : 0),
    similarity: (r, c, set) =>
      Math.max(textSimilarity(r.text, c.text, set.idf), 0.8 * textSimilarity(r.text, c.accessibleName, set.idf)),
  },
  {
    name: 'label',
    group: 'identity',
    weight: (r) => (has(r.label) ? 1.5 : 0),
    similarity: (r, c, set) =>
      Math.max(
        textSimilarity(r.label, c.label, set.idf),
        c.label ? 0 : 0.8 * visualLabelSimilarity(r.label, c, set.idf),
      ),
  },
  {
    name: 'placeholder',
    group: 'identity',
    weight: (r) => (has(r.placeholder) ? 1.0 : 0),
    similarity: (r, c, set) => textSimilarity(r.placeholder, c.placeholder, set.idf),
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
    similarity: (r, c, set) => textSimilarity(r.alt, c.alt, set.idf),
  },
  {
    name: 'title',
    group: 'identity',
    weight: (r) => (has(r.title) ? 0.75 : 0),
    similarity: (r, c, set) => textSimilarity(r.title, c.title, set.idf),
  },
  {
    name: 'attributes',
    group: 'identity',
    weight: (r, _c, set) => (set.anyAttributes && otherAttributes(r).length > 0 ? 0.75 : 0),
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
    weight: (r, _c, set) => (set.anyClasses && classStems(r).length > 0 ? 0.5 : 0),
    similarity: (r, c) => jaccard(classStems(r), classStems(c)),
  },
  {
    name: 'xpath',
    group: 'context',
    weight: (r, c) => (has(r.xpath) && has(c.xpath) ? 0.5 : 0),
    similarity: (r, c) => pathSimilarity(r.xpath, c.xpath),
  },
  {
    name: 'idXpath',
    group: 'context',
    weight: (r, c) => (has(r.idXpath) && r.idXpath !== r.xpath && has(c.idXpath) ? 0.5 : 0),
    similarity: (r, c) => pathSimilarity(r.idXpath, c.idXpath),
  },
  { name: 'location', group: 'context', weight: (r, c) => (r.box && c.box ? 0.5 : 0), similarity: locationSimilarity },
  { name: 'size', group: 'context', weight: (r, c) => (r.box && c.box ? 0.5 : 0), similarity: sizeSimilarity },
  {
    name: 'neighbors',
    group: 'context',
    weight: (r, c) => (hasNeighbours(r) && c.neighborText !== undefined ? 1.5 : 0),
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
/** A candidate named like one of the recorded element's neighbours is most likely that neighbour. */
const NEIGHBOUR_CONFLICT_FACTOR = 0.4;
/** Look-alikes that position rules out keep this share of their score. */
const LOOKALIKE_FACTOR = 0.85;

export interface ScoreBreakdown {
  score: number;
  identity: number | null;
  signals: Record<string, number>;
  /** The candidate carries the name of a text the recorded element had beside it. */
  neighbourConflict: boolean;
}

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

interface SignalValue {
  name: string;
  group: Group;
  weight: number;
  similarity: number;
}

/** Every applicable signal of one pair, before weighting by rarity. */
function signalValues(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): SignalValue[] {
  const out: SignalValue[] = [];
  for (const s of SIGNALS) {
    const weight = s.weight(r, c, set);
    if (weight > 0) out.push({ name: s.name, group: s.group, weight, similarity: s.similarity(r, c, set) });
  }
  return out;
}

/** A signal matched by this share of candidates or more is common. */
const MATCHED = 0.8;

/**
 * Per signal, how much matching it tells candidates apart: 1 when at most one candidate matches
 * it, 1/(1+ln k) when k do (IDF over signals). Among identity signals, a name every button
 * matches ("Edit") then weighs less than the title only one of them has; one candidate alone
 * keeps every weight.
 */
export function signalRarity(values: readonly SignalValue[][]): Map<string, number> {
  const matched = new Map<string, number>();
  for (const vs of values)
    for (const v of vs) if (v.similarity >= MATCHED) matched.set(v.name, (matched.get(v.name) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const [name, k] of matched) out.set(name, 1 / (1 + Math.log(Math.max(1, k))));
  return out;
}

function combine(
  r: ElementDescriptor,
  c: ElementDescriptor,
  values: readonly SignalValue[],
  rarity: ReadonlyMap<string, number>,
): ScoreBreakdown {
  let sum = 0;
  let weights = 0;
  let idSum = 0;
  let idWeights = 0;
  const signals: Record<string, number> = {};
  // Rarity moves weight between identity signals only; identity vs context keeps its balance
  // (amplifying context would let a small shift in position decide between look-alikes).
  let base = 0;
  let rare = 0;
  for (const v of values)
    if (v.group === 'identity') {
      base += v.weight;
      rare += v.weight * (rarity.get(v.name) ?? 1);
    }
  const scale = rare > 0 ? base / rare : 1;
  for (const v of values) {
    const w = v.group === 'identity' ? v.weight * (rarity.get(v.name) ?? 1) * scale : v.weight;
    signals[v.name] = v.similarity;
    sum += w * v.similarity;
    weights += w;
    if (v.group === 'identity') {
      idSum += w * v.similarity;
      idWeights += w;
    }
  }
  const mean = weights > 0 ? sum / weights : 0;
  const identity = idWeights > 0 ? idSum / idWeights : null;
  // Convex in identity: half-matching names ("Email notifications" vs "SMS notifications") are
  // typical of a sibling that replaced a removed target, so partial agreement earns little.
  const identityFactor =
    identity === null ? 1 : IDENTITY_FLOOR + (1 - IDENTITY_FLOOR) * Math.min(1, identity / IDENTITY_FULL) ** 1.5;
  let score = mean * identityFactor * tagCompatibility(r, c);
  // Keys made to identify an element (test ids, hand-written ids) rarely move to another element:
  // an exact match lifts the score towards 1 even when everything around it changed.
  if (signals.testId === 1) score = Math.max(score, 0.7 + 0.3 * score);
  else if (signals.id === 1 && !isGeneratedName(r.id ?? '')) score = Math.max(score, 0.5 + 0.5 * score);
  const neighbourConflict = isRecordedNeighbour(r, c);
  if (neighbourConflict && signals.testId !== 1 && signals.id !== 1) score *= NEIGHBOUR_CONFLICT_FACTOR;
  return { score, identity, signals, neighbourConflict };
}

/**
 * Score one candidate against the recorded descriptor, with the per-signal similarities. Alone
 * (without the other candidates) every signal keeps its base weight; rankAll also weighs by rarity.
 */
export function scoreCandidate(
  recorded: ElementDescriptor,
  candidate: ElementDescriptor,
  set: CandidateSet = candidateSet([candidate]),
): ScoreBreakdown {
  return combine(recorded, candidate, signalValues(recorded, candidate, set), new Map());
}

/** Score every candidate with IDF over words, neighbour texts and signals. */
export function scoreAll(recorded: ElementDescriptor, candidates: readonly ElementDescriptor[]): ScoreBreakdown[] {
  const set = candidateSet(candidates);
  const values = candidates.map((c) => signalValues(recorded, c, set));
  const rarity = signalRarity(values);
  return candidates.map((c, i) => combine(recorded, c, values[i]!, rarity));
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
 * Row index of the recorded element among look-alikes: align each look-alike's XPath with the
 * recorded one by tag, find the outermost aligned segment whose index differs between look-alikes
 * (the row: tr[3], article[2], li[5]) and keep those whose index there equals the recorded one.
 * Returns the single match, or null when the XPaths cannot say.
 */
export function ordinalMatch(
  recordedXpath: string | undefined,
  xpaths: readonly (string | undefined)[],
): number | null {
  const rec = xpathSegments(recordedXpath);
  if (rec.length === 0 || xpaths.some((x) => !has(x))) return null;
  const segs = xpaths.map((x) => xpathSegments(x));
  const aligned = segs.map((s) => alignSegments(rec, s));
  for (let p = 0; p < rec.length; p++) {
    if (aligned.some((a) => a[p]! < 0)) continue;
    const idx = segs.map((s, i) => segmentIndex(s[aligned[i]![p]!]!)[1]);
    if (idx.every((v) => v === idx[0])) continue;
    const want = segmentIndex(rec[p]!)[1];
    const hits = idx.flatMap((v, i) => (v === want ? [i] : []));
    return hits.length === 1 ? hits[0]! : null;
  }
  return null;
}

/**
 * Position evidence among look-alikes: the one nearest the recorded box when it is clearly the
 * nearest (under 35 % of the runner-up's distance), or null.
 */
export function nearestMatch(
  recordedBox: ElementDescriptor['box'],
  boxes: readonly ElementDescriptor['box'][],
): number | null {
  if (!recordedBox || boxes.length < 2 || boxes.some((b) => !b)) return null;
  const d = boxes.map((b) => boxDistance(recordedBox, b!));
  const order = d.map((_, i) => i).sort((a, b) => d[a]! - d[b]!);
  return d[order[0]!]! <= 0.35 * d[order[1]!]! ? order[0]! : null;
}

/**
 * Row identity among look-alikes: the single member that has, in some direction, the recorded
 * neighbour text that no other member has there ("Red widget" left of one row's quantity field).
 * Null when no member or several members have such a text.
 */
export function uniqueNeighbourMatch(
  recorded: ElementDescriptor['neighborText'],
  members: readonly ElementDescriptor['neighborText'][],
): number | null {
  let winner: number | null = null;
  for (const d of DIRECTIONS) {
    const t = normalizeText(recorded?.[d]);
    if (!t) continue;
    const hits = members.flatMap((m, i) => (normalizeText(m?.[d]) === t ? [i] : []));
    if (hits.length !== 1) continue;
    if (winner !== null && winner !== hits[0]) return null;
    winner = hits[0]!;
  }
  return winner;
}

/** Every recorded neighbour text is the candidate's in the same direction (false without any). */
function sameNeighbours(r: ElementDescriptor, c: ElementDescriptor): boolean {
  const dirs = DIRECTIONS.filter((d) => has(r.neighborText?.[d]));
  return (
    dirs.length > 0 && dirs.every((d) => normalizeText(r.neighborText?.[d]) === normalizeText(c.neighborText?.[d]))
  );
}

/**
 * When the leaders are look-alikes (same identity agreement, same tag) only context can tell
 * them apart: the row index in the XPath and the nearest box agree, or one member alone has a
 * recorded neighbour text. The others are then marked down; otherwise nothing changes and the
 * margin rule abstains.
 */
function breakLookalikeTie(
  recorded: ElementDescriptor,
  candidates: readonly ElementDescriptor[],
  scored: { index: number; score: number; identity: number | null }[],
): void {
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a), scored[0]!);
  const same = (x: { identity: number | null }) =>
    x.identity === null
      ? best.identity === null
      : best.identity !== null && Math.abs(x.identity - best.identity) <= 0.02;
  const group = scored.filter(
    (x) =>
      x.score >= best.score - MIN_MARGIN &&
      same(x) &&
      candidates[x.index]!.tag.toLowerCase() === candidates[best.index]!.tag.toLowerCase(),
  );
  if (group.length < 2 || (best.identity !== null && best.identity < IDENTITY_FULL)) return;
  const members = group.map((x) => candidates[x.index]!);
  const byOrdinal = ordinalMatch(
    recorded.xpath,
    members.map((m) => m.xpath),
  );
  const byBox = nearestMatch(
    recorded.box,
    members.map((m) => m.box),
  );
  // One positional source alone cannot tell "nothing moved" from "rows reordered" or "a row was
  // added above": need both, and the winner's neighbour texts must be exactly as recorded.
  const positional =
    byOrdinal !== null && byOrdinal === byBox && sameNeighbours(recorded, members[byOrdinal]!) ? byOrdinal : null;
  const byNeighbour = uniqueNeighbourMatch(
    recorded.neighborText,
    members.map((m) => m.neighborText),
  );
  // A row identity in the neighbour texts wins unless the box clearly points at another member.
  const winner = positional ?? (byNeighbour !== null && (byBox === null || byBox === byNeighbour) ? byNeighbour : null);
  if (winner === null) return;
  group.forEach((x, i) => {
    if (i !== winner) x.score *= LOOKALIKE_FACTOR;
  });
}

/**
 * Rank every candidate against the recorded descriptor, best first, and choose one or abstain.
 * Pure and deterministic (ties keep candidate order).
 */
export function rankAll(recorded: ElementDescriptor, candidates: ElementDescriptor[]): RankResult {
  if (candidates.length === 0) return { choice: null, ranked: [] };
  const set = candidateSet(candidates);
  const values = candidates.map((c) => signalValues(recorded, c, set));
  const rarity = signalRarity(values);
  const scored = candidates.map((c, index) => {
    const b = combine(recorded, c, values[index]!, rarity);
    return { index, score: b.score, identity: b.identity };
  });
  breakLookalikeTie(recorded, candidates, scored);
  const ranked = scored
    .map(({ index, score }) => ({ index, score: round(score) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const choice = decide(ranked.map((r) => r.score)) === 'choose' ? ranked[0]!.index : null;
  return { choice, ranked };
}

const round = (x: number) => Math.round(x * 10000) / 10000;
