// Tier 1: a pure scorer that compares the recorded descriptor with every candidate on the page.
//
// Evidence (signals.ts, features.ts): many weak signals, each a similarity in 0..1, computed only
// for what the RECORDED element has. Combination (here), with every number in weights.json,
// learned by `npm run heal:fit` (bench/healing/fit.ts; read its header) from the train split of
// the real corpus (old vs new releases of real web apps) and of the generated corpus, with a
// prior toward the hand-set Similo split (identity 1.5, context 0.5; bench/healing/
// weights.prior.json). Refit after changing a signal or adding corpus apps, and commit the
// weights.json it writes together with the figures it prints:
// - Weighted mean of the applicable signals. Among identity signals, weight moves toward the
//   rare ones: a signal k candidates match counts 1/(1+ln k) (IDF over signals), so a name every
//   row's button has ("Edit") weighs less than the title only one has.
// - Identity vs context: context (position, XPath, classes, neighbours) also matches the element
//   that REPLACED a removed target, so the mean is multiplied by an identity factor, convex in the
//   identity agreement: with no agreement on what the element says or is called, even a perfect
//   positional match scores low. That is what lets the healer abstain instead of clicking.
// - Tag compatibility gates: a <button> may become <a role=button>, rarely a <td>; a <div> or
//   <span> without a role (a clickable or styled container) often becomes a real control or
//   heading in a rewrite, or the reverse, with its own factor (tagGeneric).
// - An exact test id / hand-written id lifts the score; a candidate named like a recorded
//   neighbour text is that neighbour (the target is gone) and is marked down; a container that
//   only repeats the text of the control inside it (a clickable <div> rewritten as a <div>
//   around a <button>) is marked down in favour of that control.
// - Look-alikes: when only the section they sit in (the id an id-anchored XPath starts from, or
//   the headings of its sections) or position tells the leaders apart, lookalike.ts decides; when the
//   recorded box / neighbour texts could tell them apart and do not, the ranking abstains; when
//   they agree on one, it is chosen without consulting the model.
// - Abstention (decide): a logistic model of "the top candidate is right" over the top score,
//   the margin to the runner-up (absolute and relative to the top score), the identity agreement
//   of both, whether the top candidate alone matches a strong identifier exactly (id, name, href,
//   text...) with a compatible tag, the pool size, and the top's lead over the runner-up on the
//   evidence the two SHARE (sharedLead: signals that apply to both; a field only one of them has
//   neither helps nor hurts). Its threshold is calibrated on the train split to keep wrong answers
//   at or below 2 %. There is no absolute score floor: a sparse descriptor answers when one
//   candidate clearly wins on what it does carry; leaders close on what they share abstain, and so
//   does a best that agrees with nothing the recorded element said or was called (minIdentity).
// - Place conflict (placeConflict, a hand rule beside the model): the best moved while the runner-up
//   stands exactly at the recorded place and both say the same strong thing (href, text...): abstain.
import { breakLookalikeTie } from './lookalike.js';
import {
  SIGNALS,
  candidateSet,
  controlWrappers,
  isGenericContainer,
  isRecordedNeighbour,
  tagCompatibility,
  type CandidateSet,
} from './signals.js';
import type { ElementDescriptor, RankResult } from './types.js';
import { DECISION_FEATURES, SIGNAL_NAMES, WEIGHTS, type ScorerWeights } from './weights.js';

export {
  candidateSet,
  elementKind,
  isRecordedNeighbour,
  tagCompatibility,
  testIdOf,
  TEST_ID_ATTRIBUTES,
  SIGNALS,
  type CandidateSet,
} from './signals.js';
export { nearestMatch, ordinalMatch, uniqueNeighbourMatch } from './lookalike.js';

if (SIGNALS.some((s, i) => s.name !== SIGNAL_NAMES[i]) || SIGNALS.length !== SIGNAL_NAMES.length)
  throw new Error('score.ts: SIGNALS and weights.ts SIGNAL_NAMES disagree');
const IS_IDENTITY = SIGNALS.map((s) => s.group === 'identity');
const IS_STRONG = SIGNALS.map((s) => s.strong === true);
const SIGNAL = Object.fromEntries(SIGNAL_NAMES.map((n, i) => [n, i])) as Record<(typeof SIGNAL_NAMES)[number], number>;

/** Leaders within this band of the best count as look-alikes (weights.json combine.lookalikeBand). */
export const MIN_MARGIN = WEIGHTS.combine.lookalikeBand;

/** Tag relation of a pair: 0 same tag, 1 same kind of control, 2 anything else, 3 one is a generic container. */
type TagRelation = 0 | 1 | 2 | 3;

function tagRelation(r: ElementDescriptor, c: ElementDescriptor): TagRelation {
  const t = tagCompatibility(r, c);
  if (t === 1) return 0;
  if (t > 0.5) return 1;
  return isGenericContainer(r) || isGenericContainer(c) ? 3 : 2;
}

/** Every applicable signal of one pair (index into SIGNALS, similarity), computed once. */
export interface PairEvidence {
  signals: number[];
  similarities: number[];
  tag: TagRelation;
  neighbourConflict: boolean;
  /** The candidate wraps a control that shows its text (a card around its button): set by caseEvidence. */
  wrapsControl?: boolean;
}

/** The evidence of one ranking: independent of the weights, so the fitter computes it once. */
export interface CaseEvidence {
  pairs: PairEvidence[];
  /** Per signal: weight share left by rarity (1 when at most one candidate matches it). */
  rarity: Float64Array;
  /** Per signal: how many candidates match it exactly. */
  exact: Int32Array;
}

/** A signal matched by this similarity or more counts as matched for rarity. */
const MATCHED = 0.8;

export function pairEvidence(r: ElementDescriptor, c: ElementDescriptor, set: CandidateSet): PairEvidence {
  const signals: number[] = [];
  const similarities: number[] = [];
  SIGNALS.forEach((s, i) => {
    if (!s.applies(r, c, set)) return;
    signals.push(i);
    similarities.push(s.similarity(r, c, set));
  });
  return { signals, similarities, tag: tagRelation(r, c), neighbourConflict: isRecordedNeighbour(r, c) };
}

/**
 * Per signal, how much matching it tells candidates apart: 1 when at most one candidate matches
 * it, 1/(1+ln k) when k do (IDF over signals).
 */
export function signalRarity(pairs: readonly PairEvidence[]): { rarity: Float64Array; exact: Int32Array } {
  const matched = new Int32Array(SIGNALS.length);
  const exact = new Int32Array(SIGNALS.length);
  for (const p of pairs)
    p.signals.forEach((s, k) => {
      const v = p.similarities[k]!;
      if (v >= MATCHED) matched[s]!++;
      if (v === 1) exact[s]!++;
    });
  const rarity = new Float64Array(SIGNALS.length).fill(1);
  matched.forEach((k, s) => {
    if (k > 1) rarity[s] = 1 / (1 + Math.log(k));
  });
  return { rarity, exact };
}

export function caseEvidence(recorded: ElementDescriptor, candidates: readonly ElementDescriptor[]): CaseEvidence {
  const set = candidateSet(candidates);
  const pairs = candidates.map((c) => pairEvidence(recorded, c, set));
  for (const i of controlWrappers(candidates)) pairs[i]!.wrapsControl = true;
  return { pairs, ...signalRarity(pairs) };
}

export interface Combined {
  score: number;
  /** Weighted agreement of the identity signals, null when the recorded element has none. */
  identity: number | null;
}

/** One candidate's score from its evidence and the weights. */
export function combine(e: PairEvidence, rarity: Float64Array, w: ScorerWeights): Combined {
  const sw = w.signals as Record<string, number>;
  const p = w.combine;
  // Rarity moves weight between identity signals only; identity vs context keeps its balance
  // (amplifying context would let a small shift in position decide between look-alikes).
  let base = 0;
  let rare = 0;
  for (const s of e.signals)
    if (IS_IDENTITY[s]) {
      const ws = sw[SIGNAL_NAMES[s]!]!;
      base += ws;
      rare += ws * rarity[s]!;
    }
  const scale = rare > 0 ? base / rare : 1;
  let sum = 0;
  let weights = 0;
  let idSum = 0;
  let idWeights = 0;
  let testIdExact = false;
  let idExact = false;
  e.signals.forEach((s, k) => {
    const v = e.similarities[k]!;
    const ws = sw[SIGNAL_NAMES[s]!]!;
    const wt = IS_IDENTITY[s] ? ws * rarity[s]! * scale : ws;
    sum += wt * v;
    weights += wt;
    if (IS_IDENTITY[s]) {
      idSum += wt * v;
      idWeights += wt;
    }
    if (v === 1 && s === SIGNAL.testId) testIdExact = true;
    if (v === 1 && s === SIGNAL.id) idExact = true;
  });
  const mean = weights > 0 ? sum / weights : 0;
  const identity = idWeights > 0 ? idSum / idWeights : null;
  // Convex in identity: half-matching names ("Email notifications" vs "SMS notifications") are
  // typical of a sibling that replaced a removed target, so partial agreement earns little.
  const identityFactor =
    identity === null
      ? 1
      : p.identityFloor + (1 - p.identityFloor) * Math.min(1, identity / p.identityFull) ** p.identityExponent;
  const tagFactor = [1, p.tagSameKind, p.tagOther, p.tagGeneric][e.tag]!;
  let score = mean * identityFactor * tagFactor;
  // Keys made to identify an element rarely move to another element: an exact match lifts the
  // score towards 1 even when everything around it changed.
  if (testIdExact) score = Math.max(score, p.testIdLift + (1 - p.testIdLift) * score);
  else if (idExact) score = Math.max(score, p.idLift + (1 - p.idLift) * score);
  if (e.neighbourConflict && !testIdExact && !idExact) score *= p.neighbourConflict;
  if (e.wrapsControl && !testIdExact && !idExact) score *= p.wrapper;
  return { score, identity };
}

export interface ScoreBreakdown extends Combined {
  signals: Record<string, number>;
  /** The candidate carries the name of a text the recorded element had beside it. */
  neighbourConflict: boolean;
}

function breakdown(e: PairEvidence, rarity: Float64Array, w: ScorerWeights): ScoreBreakdown {
  const signals: Record<string, number> = {};
  e.signals.forEach((s, k) => (signals[SIGNAL_NAMES[s]!] = e.similarities[k]!));
  return { ...combine(e, rarity, w), signals, neighbourConflict: e.neighbourConflict };
}

/**
 * Score one candidate against the recorded descriptor, with the per-signal similarities. Alone
 * (without the other candidates) every signal keeps its base weight; rankAll also weighs by rarity.
 */
export function scoreCandidate(
  recorded: ElementDescriptor,
  candidate: ElementDescriptor,
  set: CandidateSet = candidateSet([candidate]),
  w: ScorerWeights = WEIGHTS,
): ScoreBreakdown {
  return breakdown(pairEvidence(recorded, candidate, set), new Float64Array(SIGNALS.length).fill(1), w);
}

/** Score every candidate with IDF over words, neighbour texts and signals. */
export function scoreAll(
  recorded: ElementDescriptor,
  candidates: readonly ElementDescriptor[],
  w: ScorerWeights = WEIGHTS,
): ScoreBreakdown[] {
  const ev = caseEvidence(recorded, candidates);
  return ev.pairs.map((e) => breakdown(e, ev.rarity, w));
}

/** What the abstention rule looks at: the two leaders of a ranking. */
export interface DecisionInput {
  best: number;
  second: number;
  bestIdentity: number | null;
  secondIdentity: number | null;
  /** The best alone matches a strong identifier exactly, with a compatible tag. */
  uniqueStrong: boolean;
  pool: number;
  /** The leaders are look-alikes the recorded box / neighbour texts should have told apart, and did not. */
  unresolvedLookalikes?: boolean;
  /** The leaders were look-alikes and position + neighbour texts agreed on one (lookalike.ts). */
  resolvedLookalikes?: boolean;
  /**
   * The best's lead over the runner-up scored on the signals that apply to both (sharedLead);
   * best - second when not given.
   */
  sharedLead?: number;
  /** The runner-up stands where the recorded element stood and shares a strong identifier with the moved best (placeConflict). */
  placeConflict?: boolean;
}

/** The abstention model's inputs, in weights.ts DECISION_FEATURES order. */
export function decisionFeatures(d: DecisionInput): number[] {
  // Without identity signals (a descriptor of tag, classes and xpath only) agreement is unknown: 0.5.
  const bi = d.bestIdentity ?? 0.5;
  const si = d.secondIdentity ?? (d.pool > 1 ? 0.5 : 0);
  const f: Record<(typeof DECISION_FEATURES)[number], number> = {
    bias: 1,
    best: d.best,
    margin: d.best - d.second,
    relativeMargin: d.best > 0 ? (d.best - d.second) / d.best : 0,
    identity: bi,
    identityGap: bi - si,
    uniqueStrong: d.uniqueStrong ? 1 : 0,
    logPool: Math.log10(Math.max(1, d.pool)),
    sharedLead: d.sharedLead ?? d.best - d.second,
  };
  return DECISION_FEATURES.map((k) => f[k]);
}

/** Probability (per the fitted model) that the top candidate is the target. */
export function confidence(d: DecisionInput, w: ScorerWeights = WEIGHTS): number {
  const x = decisionFeatures(d);
  let z = 0;
  w.abstain.coefficients.forEach((b, i) => (z += b * x[i]!));
  return 1 / (1 + Math.exp(-z));
}

/**
 * The abstention rule: choose when the best leads by at least minMargin (ties between look-alikes
 * abstain), is not clearly behind the runner-up on the evidence both share (minSharedLead: a
 * sparse descriptor answers when one candidate clearly wins on what it does carry, whatever its
 * absolute score) and the model is confident enough.
 */
export function decide(d: DecisionInput, w: ScorerWeights = WEIGHTS): 'choose' | 'abstain' {
  if (
    d.pool === 0 ||
    d.unresolvedLookalikes ||
    d.placeConflict ||
    d.best - d.second < w.abstain.minMargin ||
    (d.bestIdentity !== null && d.bestIdentity < w.abstain.minIdentity) ||
    (d.sharedLead ?? d.best - d.second) < w.abstain.minSharedLead
  )
    return 'abstain';
  // Look-alikes told apart by agreeing position and neighbour evidence: that check is the decision.
  if (d.resolvedLookalikes) return 'choose';
  return confidence(d, w) >= w.abstain.threshold ? 'choose' : 'abstain';
}

export interface Scored {
  index: number;
  score: number;
  identity: number | null;
}

/** Scores of one ranking, and whether look-alike leaders were left unresolved (see lookalike.ts). */
export type ScoredRanking = Scored[] & { unresolvedLookalikes?: boolean; resolvedLookalikes?: boolean };

/** Every candidate's final score (look-alike ties broken) from precomputed evidence. */
export function scoreEvidence(
  recorded: ElementDescriptor,
  candidates: readonly ElementDescriptor[],
  ev: CaseEvidence,
  w: ScorerWeights,
): ScoredRanking {
  const scored: ScoredRanking = ev.pairs.map((e, index) => ({ index, ...combine(e, ev.rarity, w) }));
  if (scored.length > 0) {
    const tie = breakLookalikeTie(recorded, candidates, scored, {
      band: w.combine.lookalikeBand,
      identityFull: w.combine.identityFull,
      factor: w.combine.lookalike,
    });
    scored.unresolvedLookalikes = tie === 'unresolved';
    scored.resolvedLookalikes = tie === 'resolved';
  }
  return scored;
}

/** A pair's evidence kept to the signals in `keep`. */
function restrict(e: PairEvidence, keep: ReadonlySet<number>): PairEvidence {
  const signals: number[] = [];
  const similarities: number[] = [];
  e.signals.forEach((s, k) => {
    if (!keep.has(s)) return;
    signals.push(s);
    similarities.push(e.similarities[k]!);
  });
  return { ...e, signals, similarities };
}

/**
 * The lead of candidate a over candidate b scored only on the signals that apply to both: a
 * recorder-only field (box, neighbour texts, xpaths) one of them lacks neither helps nor hurts.
 * Near zero or negative: the two are close on what can be compared, and a's lead comes from
 * evidence b could not be asked about.
 */
export function sharedLead(a: PairEvidence, b: PairEvidence, rarity: Float64Array, w: ScorerWeights = WEIGHTS): number {
  const inB = new Set(b.signals);
  const shared = new Set(a.signals.filter((s) => inB.has(s)));
  return combine(restrict(a, shared), rarity, w).score - combine(restrict(b, shared), rarity, w).score;
}

/** The similarity of signal `signal` in a pair's evidence; undefined when it does not apply. */
function similarityOf(e: PairEvidence, signal: number): number | undefined {
  const k = e.signals.indexOf(signal);
  return k < 0 ? undefined : e.similarities[k];
}

/**
 * Two elements say the same strong thing (an href, a text) and the runner-up stands exactly where the
 * recorded element stood (its XPath, and its id-anchored XPath when recorded) while the best moved: a
 * copy of the link elsewhere on the page (an info section repeating a tag's "Find out more" link)
 * against the element itself, reworded in place. The weighted evidence cannot tell which of the two
 * kept its identity; clicking either is a guess. A hand rule beside the fitted model: on the real
 * corpus (both splits) it fires only where the model chose wrong.
 */
export function placeConflict(best: PairEvidence, second: PairEvidence): boolean {
  const bestXpath = similarityOf(best, SIGNAL.xpath);
  if (bestXpath === undefined || bestXpath >= 1 || similarityOf(second, SIGNAL.xpath) !== 1) return false;
  const secondIdXpath = similarityOf(second, SIGNAL.idXpath);
  if (secondIdXpath !== undefined && secondIdXpath < 1) return false;
  return best.signals.some((s, k) => IS_STRONG[s] && best.similarities[k] === 1 && similarityOf(second, s) === 1);
}

/** The decision input of a scored ranking: its two leaders (by score, ties by candidate order). */
export function decisionInput(
  scored: ScoredRanking,
  ev: CaseEvidence,
  pool = scored.length,
  w: ScorerWeights = WEIGHTS,
): DecisionInput {
  let a: Scored | undefined;
  let b: Scored | undefined;
  for (const s of scored) {
    if (!a || s.score > a.score) {
      b = a;
      a = s;
    } else if (!b || s.score > b.score) b = s;
  }
  let uniqueStrong = false;
  if (a) {
    const e = ev.pairs[a.index]!;
    uniqueStrong =
      e.tag <= 1 &&
      !e.neighbourConflict &&
      e.signals.some((s, k) => IS_STRONG[s] && e.similarities[k] === 1 && ev.exact[s] === 1);
  }
  return {
    best: a?.score ?? 0,
    second: b?.score ?? 0,
    bestIdentity: a?.identity ?? null,
    secondIdentity: b?.identity ?? null,
    uniqueStrong,
    pool,
    unresolvedLookalikes: scored.unresolvedLookalikes === true,
    resolvedLookalikes: scored.resolvedLookalikes === true,
    sharedLead: a && b ? sharedLead(ev.pairs[a.index]!, ev.pairs[b.index]!, ev.rarity, w) : (a?.score ?? 0),
    placeConflict: a !== undefined && b !== undefined && placeConflict(ev.pairs[a.index]!, ev.pairs[b.index]!),
  };
}

/**
 * Rank every candidate against the recorded descriptor, best first, and choose one or abstain.
 * Pure and deterministic (ties keep candidate order).
 */
export function rankAll(
  recorded: ElementDescriptor,
  candidates: ElementDescriptor[],
  w: ScorerWeights = WEIGHTS,
): RankResult {
  if (candidates.length === 0) return { choice: null, ranked: [] };
  const ev = caseEvidence(recorded, candidates);
  const scored = scoreEvidence(recorded, candidates, ev, w);
  const ranked = [...scored]
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map(({ index, score }) => ({ index, score: round(score) }));
  const choice = decide(decisionInput(scored, ev, scored.length, w), w) === 'choose' ? ranked[0]!.index : null;
  return { choice, ranked };
}

const round = (x: number) => Math.round(x * 10000) / 10000;
