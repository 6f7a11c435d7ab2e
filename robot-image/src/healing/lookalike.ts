// Look-alikes (rows of identical Edit buttons): when only their place tells them apart, the id of
// the section / row they sit under decides, then the headings of their sections; else the row index in the XPath, the distance to the
// recorded box and a row-identifying neighbour text, and only when they agree. Pure helpers used
// by score.ts.
import { ancestorId } from './features.js';
import { DIRECTIONS, boxDistanceOf, has } from './signals.js';
import { alignSegments, normalizeText, segmentIndex, xpathSegments } from './text.js';
import type { ElementDescriptor } from './types.js';

/**
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
  const d = boxes.map((b) => boxDistanceOf(recordedBox, b));
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

/**
 * Section identity among look-alikes, by the (non-generated) ancestor id of the id-anchored XPaths:
 * the single member under the recorded id; 'gone' when every member sits under an id of its own
 * and none is the recorded one (that section was removed); null when the ids cannot say.
 */
export function ancestorIdMatch(
  recorded: string | undefined,
  members: readonly (string | undefined)[],
): number | 'gone' | null {
  const id = ancestorId(recorded);
  if (!id) return null;
  const ids = members.map(ancestorId);
  const hits = ids.flatMap((m, i) => (m === id ? [i] : []));
  if (hits.length === 1) return hits[0]!;
  return hits.length === 0 && new Set(ids).size === ids.length && ids.every((m) => m !== undefined) ? 'gone' : null;
}

/**
 * Section identity among look-alikes, by their section headings: the recorded headings that not
 * every member has (the operation's summary, not "Responses") pick the single member that has the
 * most of them. Null when no heading tells the members apart or several members tie.
 */
export function sectionMatch(
  recorded: readonly string[] | undefined,
  members: readonly (readonly string[] | undefined)[],
): number | null {
  if (!recorded?.length || members.some((m) => !m?.length)) return null;
  const sets = members.map((m) => new Set(m!.map(normalizeText)));
  const telling = recorded.map(normalizeText).filter((h) => h && !sets.every((s) => s.has(h)));
  if (telling.length === 0) return null;
  const counts = sets.map((s) => telling.filter((h) => s.has(h)).length);
  const top = Math.max(...counts);
  const hits = counts.flatMap((n, i) => (n === top ? [i] : []));
  return top > 0 && hits.length === 1 ? hits[0]! : null;
}

const hasNeighbourTexts = (d: ElementDescriptor) => DIRECTIONS.some((k) => has(d.neighborText?.[k]));

/** Every recorded neighbour text is the candidate's in the same direction (false without any). */
function sameNeighbours(r: ElementDescriptor, c: ElementDescriptor): boolean {
  const dirs = DIRECTIONS.filter((d) => has(r.neighborText?.[d]));
  return (
    dirs.length > 0 && dirs.every((d) => normalizeText(r.neighborText?.[d]) === normalizeText(c.neighborText?.[d]))
  );
}

/**
 * When the leaders are look-alikes (same identity agreement, same tag) only context can tell
 * them apart: one member alone sits under the recorded section id, or the row index in the XPath
 * and the nearest box agree, or one member alone has a recorded neighbour text. The others are
 * then marked down. Returns 'unresolved' when the leaders are look-alikes that the recorded
 * section id / box / neighbour texts could have told apart and did not (the recorded row is gone,
 * or rows were shuffled): the abstention rule then abstains.
 */
export function breakLookalikeTie(
  recorded: ElementDescriptor,
  candidates: readonly ElementDescriptor[],
  scored: { index: number; score: number; identity: number | null }[],
  p: { band: number; identityFull: number; factor: number },
): 'none' | 'resolved' | 'unresolved' {
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a), scored[0]!);
  const same = (x: { identity: number | null }) =>
    x.identity === null
      ? best.identity === null
      : best.identity !== null && Math.abs(x.identity - best.identity) <= 0.02;
  const group = scored.filter(
    (x) =>
      x.score >= best.score - p.band &&
      same(x) &&
      candidates[x.index]!.tag.toLowerCase() === candidates[best.index]!.tag.toLowerCase(),
  );
  if (group.length < 2 || (best.identity !== null && best.identity < p.identityFull)) return 'none';
  const members = group.map((x) => candidates[x.index]!);
  const byOrdinal = ordinalMatch(
    recorded.xpath,
    members.map((m) => m.xpath),
  );
  const byBox = nearestMatch(
    recorded.box,
    members.map((m) => m.box),
  );
  const byNeighbour = uniqueNeighbourMatch(
    recorded.neighborText,
    members.map((m) => m.neighborText),
  );
  // One positional source alone cannot tell "nothing moved" from "rows reordered" or "a row was
  // added above": need the row index and the nearest box to agree, and either the winner's
  // neighbour texts exactly as recorded or no recorded row identity (a neighbour text only one
  // member has) pointing elsewhere.
  const positional =
    byOrdinal !== null &&
    byOrdinal === byBox &&
    (sameNeighbours(recorded, members[byOrdinal]!) ||
      (hasNeighbourTexts(recorded) && (byNeighbour === null || byNeighbour === byOrdinal)))
      ? byOrdinal
      : null;
  // The section or row the element sits in, by its id, decides first: ids travel with their rows.
  const byAncestorId = ancestorIdMatch(
    recorded.idXpath,
    members.map((m) => m.idXpath),
  );
  // Then the section it sits in, by its headings (ids are often missing or generated).
  const bySection = sectionMatch(
    recorded.sectionHeadings,
    members.map((m) => m.sectionHeadings),
  );
  // A row identity in the neighbour texts wins unless the box clearly points at another member.
  const winner =
    byAncestorId === 'gone'
      ? null
      : (byAncestorId ??
        bySection ??
        positional ??
        (byNeighbour !== null && (byBox === null || byBox === byNeighbour) ? byNeighbour : null));
  if (winner === null) {
    const checkable = byAncestorId === 'gone' || !!recorded.box || hasNeighbourTexts(recorded);
    return checkable ? 'unresolved' : 'none';
  }
  group.forEach((x, i) => {
    if (i !== winner) x.score *= p.factor;
  });
  return 'resolved';
}
