// Evidence functions added for the learned tier-1 scorer (issue 15): text robust to small edits and
// reordered words, token overlap of class names and URL paths weighted by rarity, and structure
// read from the XPaths (ancestor tags, landmarks, form membership). All pure; each returns 0..1.
import {
  classStem,
  identifierSimilarity,
  isGeneratedName,
  isGeneratedToken,
  normalizeText,
  segmentIndex,
  tokens,
  trigramDice,
  urlPath,
  xpathSegments,
  type TokenWeight,
} from './text.js';

/** Longest string compared by edit distance: keeps one comparison O(64²) however long a text is. */
const EDIT_LIMIT = 64;

/** Levenshtein distance (two rows), on strings cut to EDIT_LIMIT characters. */
export function editDistance(a: string, b: string): number {
  const x = a.slice(0, EDIT_LIMIT);
  const y = b.slice(0, EDIT_LIMIT);
  if (x === y) return 0;
  if (!x.length) return y.length;
  if (!y.length) return x.length;
  let prev = new Array<number>(y.length + 1);
  let cur = new Array<number>(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1]! + (x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length]!;
}

/** 1 - edit distance / longer length, on normalised text (0 when either is empty). */
export function editRatio(a: string | undefined, b: string | undefined): number {
  const na = normalizeText(a).slice(0, EDIT_LIMIT);
  const nb = normalizeText(b).slice(0, EDIT_LIMIT);
  if (!na || !nb) return 0;
  return 1 - editDistance(na, nb) / Math.max(na.length, nb.length);
}

/**
 * Token-set ratio (after fuzzywuzzy): words sorted and split into shared and own; the best edit
 * ratio among shared, shared+own(a), shared+own(b). Word order and repeated words do not count;
 * "Sign in" vs "Sign in now" scores high, "Email" vs "SMS" low.
 */
export function tokenSetRatio(a: string | undefined, b: string | undefined): number {
  const wa = new Set(normalizeText(a).split(' ').filter(Boolean));
  const wb = new Set(normalizeText(b).split(' ').filter(Boolean));
  if (wa.size === 0 || wb.size === 0) return 0;
  const shared = [...wa].filter((w) => wb.has(w)).sort();
  const onlyA = [...wa].filter((w) => !wb.has(w)).sort();
  const onlyB = [...wb].filter((w) => !wa.has(w)).sort();
  const t0 = shared.join(' ');
  const t1 = [t0, ...onlyA].filter(Boolean).join(' ');
  const t2 = [t0, ...onlyB].filter(Boolean).join(' ');
  const r = (x: string, y: string) => (x && y ? 1 - editDistance(x, y) / Math.max(x.length, y.length) : 0);
  return Math.max(r(t0, t1), r(t0, t2), r(t1, t2));
}

/**
 * Similarity of two texts that may have been lightly edited (typo fixed, word added or reordered,
 * punctuation changed): the best of edit ratio, trigram Dice and token-set ratio, 1 when equal.
 * Unlike textSimilarity it does not weigh words by rarity: it measures the edit, not the meaning.
 */
export function fuzzyTextSimilarity(a: string | undefined, b: string | undefined): number {
  const na = normalizeText(a);
  const nb = normalizeText(b);
  if (!na || !nb) return 0;
  if (na === nb) return 1;
  const dice = trigramDice(na, nb);
  // Most pairs share next to nothing: skip the edit distances (they cannot score high then).
  if (dice < 0.2 && !na.split(' ').some((w) => nb.split(' ').includes(w))) return dice;
  return Math.max(editRatio(na, nb), dice, tokenSetRatio(na, nb));
}

/** Meaningful words of class names: stems of non-generated classes split on -, _, camelCase. */
export function classTokens(classes: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const c of classes ?? []) {
    const stem = classStem(c);
    if (!stem) continue;
    for (const t of tokens(stem)) if (t.length > 1 && !isGeneratedToken(t)) out.add(t);
  }
  return [...out];
}

/** Meaningful words of a URL's path (no host, query, numbers or hashes): /en/docs/Getting-started -> en docs getting started. */
export function hrefTokens(href: string | undefined): string[] {
  if (!href || href.startsWith('javascript:')) return [];
  const out = new Set<string>();
  for (const t of tokens(urlPath(href))) if (!isGeneratedToken(t)) out.add(t);
  return [...out];
}

/** Jaccard overlap where each token counts with its weight (IDF over the candidates), 0..1. */
export function weightedOverlap(a: readonly string[], b: readonly string[], weight: TokenWeight): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sb = new Set(b);
  let inter = 0;
  let total = 0;
  const sa = new Set(a);
  for (const t of sa) {
    const w = weight(t);
    total += w;
    if (sb.has(t)) inter += w;
  }
  for (const t of sb) if (!sa.has(t)) total += weight(t);
  return total <= 0 ? 0 : inter / total;
}

/** Tags of the ancestors, outermost first (the element itself excluded). */
export function ancestorTags(xpath: string | undefined): string[] {
  if (!xpath) return [];
  let v = ancestorMemo.get(xpath);
  if (v === undefined) {
    if (ancestorMemo.size >= 20_000) ancestorMemo.clear();
    v = xpathSegments(xpath)
      .slice(0, -1)
      .map((s) => segmentIndex(s)[0].toLowerCase());
    ancestorMemo.set(xpath, v);
  }
  return v;
}
const ancestorMemo = new Map<string, string[]>();

/**
 * Ancestor chain similarity by tags only (indices ignored: a row or a wrapper added above does not
 * matter): LCS of the two chains over the longer, with the nearest three ancestors weighted double
 * (a link that left its <li> inside a <nav> moved more than one whose page gained a <div>).
 */
export function ancestorSimilarity(a: string | undefined, b: string | undefined): number {
  const ta = ancestorTags(a);
  const tb = ancestorTags(b);
  if (ta.length === 0 || tb.length === 0) return 0;
  const n = ta.length;
  const m = tb.length;
  let prev = new Float64Array(m + 1);
  let cur = new Float64Array(m + 1);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) cur[j] = ta[i - 1] === tb[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    [prev, cur] = [cur, prev];
  }
  const lcs = prev[m]! / Math.max(n, m);
  let near = 0;
  for (let k = 1; k <= 3; k++) if (ta[n - k] !== undefined && ta[n - k] === tb[m - k]) near++;
  return (lcs + (2 * near) / Math.min(3, Math.max(n, m))) / 3;
}

/** Tags that name a region of a page: where an element lives survives most redesigns. */
const LANDMARK_TAGS = new Set(['header', 'nav', 'main', 'aside', 'footer', 'form', 'table', 'dialog', 'menu']);

/**
 * The non-generated id of the nearest ancestor an id-anchored XPath starts from
 * (//*[@id="operations-pet-updatePet"]/div/button -> "operations-pet-updatePet"): the section,
 * row or widget the element belongs to, which usually keeps its id when the markup inside changes.
 */
export function ancestorId(idXpath: string | undefined): string | undefined {
  const m = /^\/\/\*\[@id=["']([^"']+)["']\]\/./.exec(idXpath ?? '');
  return m && !isGeneratedName(m[1]!) ? m[1]! : undefined;
}

/** Similarity of the ancestor ids: 1 when equal, partial for ids sharing words, 0 without. */
export function ancestorIdSimilarity(a: string | undefined, b: string | undefined): number {
  const x = ancestorId(a);
  const y = ancestorId(b);
  if (!x || !y) return 0;
  return x === y ? 1 : 0.5 * identifierSimilarity(x, y);
}

/**
 * Landmarks an element sits in: landmark tags among its XPath ancestors and the non-generated id
 * an id-anchored XPath starts from (//*[@id="sidebar"]/ul/li -> "#sidebar").
 */
export function landmarks(xpath: string | undefined, idXpath: string | undefined): string[] {
  const out = new Set<string>();
  for (const t of ancestorTags(xpath)) if (LANDMARK_TAGS.has(t)) out.add(t);
  const id = ancestorId(idXpath);
  if (id) out.add('#' + id);
  return [...out];
}

/** Whether the element sits inside a <form> (per its XPath); undefined without an XPath. */
export function inForm(xpath: string | undefined): boolean | undefined {
  if (!xpath) return undefined;
  return ancestorTags(xpath).includes('form');
}
