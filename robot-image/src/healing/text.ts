// String similarity primitives for the scorer: normalised text, token and character n-gram
// overlap, "generated-looking" token detection and LCS over XPath segments. All pure.

// Scoring compares one recorded string with ~1,000 candidates: memoise the per-string work.
const MEMO_LIMIT = 20_000;
function memo<T>(f: (s: string) => T): (s: string) => T {
  const m = new Map<string, T>();
  return (s) => {
    let v = m.get(s);
    if (v === undefined) {
      if (m.size >= MEMO_LIMIT) m.clear();
      v = f(s);
      m.set(s, v);
    }
    return v;
  };
}

/** Lower-case, strip accents and punctuation, collapse whitespace. */
export function normalizeText(s: string | undefined): string {
  if (!s) return '';
  return normalizeMemo(s);
}
const normalizeMemo = memo((s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim(),
);

/** Words of an identifier or phrase: splits camelCase, snake_case, kebab-case and spaces. */
export function tokens(s: string | undefined): string[] {
  if (!s) return [];
  return tokensMemo(s);
}
const tokensMemo = memo((s: string): string[] => {
  const spaced = s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return normalizeText(spaced.replace(/[_\-.:/]+/g, ' '))
    .split(' ')
    .filter((t) => t.length > 0);
});

const trigrams = memo((s: string): Map<string, number> => {
  const m = new Map<string, number>();
  const padded = ` ${s} `;
  for (let i = 0; i + 3 <= padded.length; i++) {
    const g = padded.slice(i, i + 3);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
});

/** Sørensen–Dice coefficient over character trigrams (multiset), 0..1. */
export function trigramDice(a: string, b: string): number {
  if (a === b) return a.length > 0 ? 1 : 0;
  if (!a || !b) return 0;
  const ga = trigrams(a);
  const gb = trigrams(b);
  let inter = 0;
  let total = 0;
  for (const [g, c] of ga) {
    inter += Math.min(c, gb.get(g) ?? 0);
    total += c;
  }
  for (const c of gb.values()) total += c;
  return total === 0 ? 0 : (2 * inter) / total;
}

/** Jaccard overlap of two token sets, 0..1. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const t of sa) if (sb.has(t)) inter++;
  const union = sa.size + sb.size - inter;
  return union === 0 ? 0 : inter / union;
}

/** How much a word tells elements apart (e.g. inverse document frequency over the candidates). */
export type TokenWeight = (token: string) => number;

/** How closely a word is matched in a set of words: 1 if present, its best trigram Dice if >= 0.6 (typos, plurals), else 0. */
function wordMatch(t: string, others: readonly string[]): number {
  let best = 0;
  for (const o of others) {
    if (o === t) return 1;
    const d = trigramDice(t, o);
    if (d >= 0.6 && d > best) best = d;
  }
  return best;
}

/**
 * Jaccard overlap where each word counts with its weight and near-identical words count
 * partly: shared common words earn little, and a replaced word ("Email" -> "SMS") earns nothing.
 */
export function weightedJaccard(a: readonly string[], b: readonly string[], weight: TokenWeight): number {
  const sa = [...new Set(a)];
  const sb = [...new Set(b)];
  let inter = 0;
  let total = 0;
  for (const t of sa) {
    const w = weight(t);
    total += w;
    inter += (w * wordMatch(t, sb)) / 2;
  }
  for (const t of sb) {
    const w = weight(t);
    total += w;
    inter += (w * wordMatch(t, sa)) / 2;
  }
  const union = total - inter;
  return union <= 0 ? 0 : inter / union;
}

/**
 * Similarity of two human-readable texts (labels, button captions, titles), 0..1:
 * 1 on equal normalised text; otherwise the mean of word overlap (robust to reordering and
 * added words) and character-trigram Dice (robust to typos, plurals, small rewording).
 * With `weight` (IDF over the candidates) only words count, weighted: a shared common word
 * ("notifications" in "Email notifications" / "SMS notifications") earns little, and trigrams
 * only match words that are nearly the same.
 */
export function textSimilarity(a: string | undefined, b: string | undefined, weight?: TokenWeight): number {
  const na = normalizeText(a);
  const nb = normalizeText(b);
  if (!na || !nb) return 0;
  if (na === nb) return 1;
  const wa = na.split(' ');
  const wb = nb.split(' ');
  // Containment: "Save" vs "Save changes" keeps most of its meaning.
  const contained = na.length >= 3 && nb.length >= 3 && (na.includes(nb) || nb.includes(na)) ? 0.75 : 0;
  if (!weight) return Math.max(contained, 0.5 * jaccard(wa, wb) + 0.5 * trigramDice(na, nb));
  // "Time zone" vs "Timezone".
  if (wa.join('') === wb.join('')) return 0.95;
  return Math.max(contained, weightedJaccard(wa, wb, weight));
}

/** Similarity of identifiers (id, name, test ids): exact, else token overlap blended with trigrams. */
export function identifierSimilarity(a: string | undefined, b: string | undefined): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  const ta = tokens(a).filter((t) => !isGeneratedToken(t));
  const tb = tokens(b).filter((t) => !isGeneratedToken(t));
  if (ta.length === 0 || tb.length === 0) return 0;
  if (ta.join(' ') === tb.join(' ')) return 0.9;
  return 0.6 * jaccard(ta, tb) + 0.4 * trigramDice(ta.join(' '), tb.join(' '));
}

const HEXISH = /^[0-9a-f]{5,}$/i;
const HAS_DIGIT_RUN = /\d{3,}/;
const MIXED_ALNUM = /^(?=.*[a-z])(?=.*\d)[a-z0-9]{5,}$/i;

/**
 * A token that a build tool or framework generated (CSS-modules hashes, styled-components,
 * emotion, React useId, Ember/ExtJS counters): it carries no meaning across versions.
 */
export function isGeneratedToken(t: string): boolean {
  if (!t) return true;
  if (/^\d+$/.test(t)) return true;
  if (HEXISH.test(t) && /\d/.test(t)) return true;
  if (HAS_DIGIT_RUN.test(t)) return true;
  if (MIXED_ALNUM.test(t)) {
    // Real words mixed with one digit (h1, col2, grid12) are fine; hashes flip between many.
    const switches = t.replace(/[a-z]+/gi, 'a').replace(/\d+/g, '1').length;
    return switches >= 3;
  }
  return false;
}

/**
 * Whether a name holds a random key: a part (between separators) of 8+ characters with digits mixed
 * in and the case flipping often (nanoid "V1StGXR8_Z5jdHi6B", not "createUsersWithArrayInput" or
 * "tab1"), or a long base64 run with + or = in it.
 */
function hasRandomPart(name: string): boolean {
  for (const part of name.split(/[-_:./\s]+/)) {
    if (part.length < 8) continue;
    const digits = (part.match(/\d/g) ?? []).length;
    const flips = part.replace(/[a-z]+/g, 'a').replace(/[A-Z]+/g, 'A').replace(/\d+/g, '1').length;
    if (digits >= 2 && flips >= 6) return true;
  }
  return /[A-Za-z0-9+/]{16,}={0,2}/.test(name) && /[A-Za-z0-9]{4}[+=]|[+][A-Za-z0-9]{4}|[A-Za-z0-9]{16,}==?$/.test(name);
}

/** A whole class name or id that looks generated: css-1x2y3z, sc-bdVaJa, jsx-123, _3xk9P, :r4:, ember123. */
export function isGeneratedName(name: string): boolean {
  if (!name) return true;
  return generatedMemo(name);
}
const generatedMemo = memo((name: string): boolean => {
  if (/^(css|sc|jsx|emotion|svelte|styled|makeStyles|jss)[-_]/i.test(name)) return true;
  if (/^:r[0-9a-z]+:$/.test(name)) return true; // React useId
  // React useId inside a library's id (react-tabs "panel:r5:0", "tab:r0:0"), a UUID, or a long
  // base64 / random run with no separators (nanoid, Mongo ids): counters and keys, not names.
  if (/:r[0-9a-z]{1,4}:/.test(name)) return true;
  if (/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(name)) return true;
  if (hasRandomPart(name)) return true;
  if (/^(ember|ext-gen|ext-comp|yui_|gwt-uid-|mui-|react-select-|headlessui-|radix-)\S*\d/i.test(name)) return true;
  if (/[_-][a-zA-Z0-9]{5,}$/.test(name)) {
    const tail = name.slice(Math.max(name.lastIndexOf('_'), name.lastIndexOf('-')) + 1);
    if (isGeneratedToken(tail) || (/[A-Z]/.test(tail) && /[a-z]/.test(tail) && /\d/.test(tail))) return true;
  }
  const parts = tokens(name);
  return parts.length > 0 && parts.every(isGeneratedToken);
});

/** Segments of an XPath ("/html/body/div[2]/a" -> ["html","body","div[2]","a"]). */
export function xpathSegments(xpath: string | undefined): string[] {
  if (!xpath) return [];
  return segmentsMemo(xpath);
}
const segmentsMemo = memo((xpath: string) => xpath.split('/').filter((s) => s.length > 0));

function segmentTag(seg: string): string {
  const i = seg.indexOf('[');
  return i < 0 ? seg : seg.slice(0, i);
}

/**
 * Healenium-style path similarity: longest common subsequence of path segments, where a
 * segment matching only by tag (index differs) counts half. Normalised by the longer path.
 */
export function pathSimilarity(a: string | undefined, b: string | undefined): number {
  const sa = xpathSegments(a);
  const sb = xpathSegments(b);
  if (sa.length === 0 || sb.length === 0) return 0;
  if (a === b) return 1;
  const ta = segmentTags(a!);
  const tb = segmentTags(b!);
  const n = sa.length;
  const m = sb.length;
  let prev = new Float64Array(m + 1);
  let cur = new Float64Array(m + 1);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const match = sa[i - 1] === sb[j - 1] ? 1 : ta[i - 1] === tb[j - 1] ? 0.5 : 0;
      cur[j] = Math.max(prev[j]!, cur[j - 1]!, match > 0 ? prev[j - 1]! + match : 0);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m]! / Math.max(n, m);
}
const segmentTags = memo((xpath: string) => xpathSegments(xpath).map(segmentTag));

/** Path part of a URL without host, query or hash; relative and absolute URLs alike. */
export function urlPath(href: string | undefined): string {
  if (!href) return '';
  const noHash = href.split('#')[0] ?? '';
  const noQuery = noHash.split('?')[0] ?? '';
  return (
    noQuery.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\/+$/, '') || (href.startsWith('#') ? href : '/')
  );
}

/** File name of a URL path without a fingerprint hash: /static/logo.3f9a1c.png -> logo.png. */
export function urlFile(src: string | undefined): string {
  const p = urlPath(src);
  const file = p.slice(p.lastIndexOf('/') + 1);
  return file
    .split('.')
    .filter((part, i, all) => i === 0 || i === all.length - 1 || !isGeneratedToken(part))
    .join('.');
}

/**
 * The part of a class name that survives a rebuild, or undefined when nothing does:
 * CSS-modules `Button_root__3xK9p` -> `Button_root`, Vite `_root_1x2y3_4` -> `root`,
 * styled-components / emotion hashes -> undefined, hand-written classes unchanged.
 */
export function classStem(c: string): string | undefined {
  const modules = /^([A-Za-z][\w-]*?)__[\w-]{5,}$/.exec(c);
  if (modules && isGeneratedToken(tail(c))) return modules[1];
  const vite = /^_([A-Za-z][\w-]*?)_[a-z0-9]{5}_\d+$/.exec(c);
  if (vite) return vite[1];
  return isGeneratedName(c) ? undefined : c;
}
const tail = (c: string) => c.slice(c.lastIndexOf('__') + 2);

/** Tag and sibling index of an XPath segment ("tr[3]" -> ["tr", 3], "td" -> ["td", 1]). */
export function segmentIndex(seg: string): [string, number] {
  const m = /^([^[]+)\[(\d+)\]$/.exec(seg);
  return m ? [m[1]!, Number(m[2])] : [seg, 1];
}

/**
 * Aligns two XPaths by tag (longest common subsequence) and returns, for each segment of `a`,
 * the index of `b`'s matching segment or -1. Wrappers added or removed do not break alignment.
 */
export function alignSegments(a: readonly string[], b: readonly string[]): number[] {
  const n = a.length;
  const m = b.length;
  const ta = a.map((s) => segmentIndex(s)[0]);
  const tb = b.map((s) => segmentIndex(s)[0]);
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i]![j] = ta[i] === tb[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const out = new Array<number>(n).fill(-1);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (ta[i] === tb[j] && L[i]![j] === L[i + 1]![j + 1]! + 1) out[i++] = j++;
    else if (L[i + 1]![j]! >= L[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}
