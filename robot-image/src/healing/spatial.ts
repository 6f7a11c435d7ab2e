// Tier 2: an anchor element found by its own target plus a spatial relation picks the target
// among candidate boxes. Pure.
import type { Box, SpatialRelation } from './types.js';

/** Two candidates closer to the anchor than this (px) are a tie the relation cannot break. */
const TIE_PX = 3;
const DEFAULT_NEAR_PX = 50;

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.min(a1, b1) - Math.max(a0, b0);

/** Distance from the anchor if `box` stands in `relation` to it, else null. */
export function relationDistance(anchor: Box, box: Box, relation: SpatialRelation): number | null {
  const ax1 = anchor.x + anchor.width;
  const ay1 = anchor.y + anchor.height;
  const bx1 = box.x + box.width;
  const by1 = box.y + box.height;
  const hOver = overlap(anchor.x, ax1, box.x, bx1);
  const vOver = overlap(anchor.y, ay1, box.y, by1);
  switch (relation) {
    case 'inside': {
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      return cx >= anchor.x && cx <= ax1 && cy >= anchor.y && cy <= ay1 ? 0 : null;
    }
    case 'above':
      return by1 <= anchor.y + 2 && hOver > 0 ? anchor.y - by1 : null;
    case 'below':
      return box.y >= ay1 - 2 && hOver > 0 ? box.y - ay1 : null;
    case 'leftOf':
      return bx1 <= anchor.x + 2 && vOver > 0 ? anchor.x - bx1 : null;
    case 'rightOf':
      return box.x >= ax1 - 2 && vOver > 0 ? box.x - ax1 : null;
    case 'near': {
      const dx = Math.max(0, anchor.x - bx1, box.x - ax1);
      const dy = Math.max(0, anchor.y - by1, box.y - ay1);
      return Math.hypot(dx, dy);
    }
  }
}

export interface SpatialPick {
  choice: number | null;
  /** Candidates that satisfy the relation, nearest first (closest to `expected` first when given). */
  matches: { index: number; distance: number }[];
}

/**
 * Pick the candidate nearest to the anchor in the given relation, or, with `expected` (the distance
 * the element had from a recorded anchor), the one whose distance is closest to that. Ties (within
 * TIE_PX, e.g. all candidates inside the anchor) are broken by the tier-1 scores when given (best
 * must lead by `minLead`), otherwise the pick abstains.
 */
export function pickByRelation(
  anchor: Box,
  boxes: (Box | undefined)[],
  relation: SpatialRelation,
  opts: { withinPx?: number; scores?: number[]; minLead?: number; exclude?: Set<number>; expected?: number } = {},
): SpatialPick {
  const limit = opts.withinPx ?? (relation === 'near' ? DEFAULT_NEAR_PX : Infinity);
  const matches: { index: number; distance: number }[] = [];
  boxes.forEach((b, index) => {
    if (!b || opts.exclude?.has(index)) return;
    const d = relationDistance(anchor, b, relation);
    if (d !== null && d <= limit) matches.push({ index, distance: d });
  });
  const off = (d: number) => (opts.expected === undefined ? d : Math.abs(d - opts.expected));
  matches.sort((a, b) => off(a.distance) - off(b.distance) || a.index - b.index);
  if (matches.length === 0) return { choice: null, matches };
  const tied = matches.filter((m) => off(m.distance) - off(matches[0]!.distance) <= TIE_PX);
  if (tied.length === 1) return { choice: tied[0]!.index, matches };
  if (!opts.scores) return { choice: null, matches };
  const byScore = tied
    .map((m) => ({ index: m.index, score: opts.scores![m.index] ?? 0 }))
    .sort((a, b) => b.score - a.score);
  const lead = byScore[0]!.score - byScore[1]!.score;
  return { choice: lead >= (opts.minLead ?? 0.05) ? byScore[0]!.index : null, matches };
}
