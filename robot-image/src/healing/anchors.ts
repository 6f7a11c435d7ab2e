// Automatic tier-2 anchors: which stable elements near a step's element the robot records, so tier 2
// works without an author-written `anchor`. Pure: the page gathers raw candidates (inpage.ts `aids`),
// this file decides; the resolver then keeps those whose own locator matches exactly one element.
import { elementKind } from './signals.js';
import { relationDistance } from './spatial.js';
import type { AnchorSource, Box, ElementDescriptor, PlainTarget, RecordedAnchor, SpatialRelation } from './types.js';

/** A stable element near the target as the page reported it. */
export interface AnchorCandidate {
  source: AnchorSource;
  /** Its visible text (normalised). */
  text: string;
  tag: string;
  role?: string;
  box: Box;
  frame?: string[];
}

/** Most anchors recorded per element. */
export const MAX_ANCHORS = 3;
/** Longer texts are content, not labels. */
const MAX_TEXT = 80;
/** Farther than this (px) an anchor says little about where the element is. */
const MAX_DISTANCE = 600;
const PREFERENCE: Record<AnchorSource, number> = {
  label: 0,
  labelledby: 1,
  heading: 2,
  legend: 3,
  columnheader: 4,
  rowtext: 5,
  landmark: 6,
};

/** The locator an anchor is found by again: its role and name where it has one, else its exact text. */
export function anchorLocator(c: Pick<AnchorCandidate, 'source' | 'text' | 'role'>): PlainTarget | null {
  switch (c.source) {
    case 'heading':
      return { role: 'heading', name: c.text, exact: true };
    case 'columnheader':
      return { role: 'columnheader', name: c.text, exact: true };
    case 'landmark':
      return c.role ? { role: c.role, name: c.text, exact: true } : null;
    default:
      return { text: c.text, exact: true };
  }
}

/** Where `target` stands relative to `anchor`: inside it, else the nearest side, else near. */
export function relationOf(anchor: Box, target: Box): { relation: SpatialRelation; distance: number } {
  if (relationDistance(anchor, target, 'inside') === 0) return { relation: 'inside', distance: 0 };
  let best: { relation: SpatialRelation; distance: number } | null = null;
  for (const relation of ['rightOf', 'below', 'leftOf', 'above'] as const) {
    const d = relationDistance(anchor, target, relation);
    if (d !== null && (best === null || d < best.distance)) best = { relation, distance: Math.max(0, d) };
  }
  return best ?? { relation: 'near', distance: relationDistance(anchor, target, 'near')! };
}

/**
 * Whether a candidate at `box` stands where the recorded element stood relative to an anchor now at
 * `anchor`: within 16 px plus a tenth of the recorded offset (spacing may change a little, the
 * neighbour button or the next row may not pass).
 */
export function atRecordedOffset(anchor: Box, box: Box, offset: { dx: number; dy: number }): boolean {
  const tolerance = 16 + 0.1 * Math.hypot(offset.dx, offset.dy);
  return Math.abs(box.x - anchor.x - offset.dx) <= tolerance && Math.abs(box.y - anchor.y - offset.dy) <= tolerance;
}

const said = (s: string | undefined) => (s ?? '').toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Whether a candidate says something else than the recorded element did: both have a name (or text,
 * or test id) and neither contains the other. An automatic anchor may only pick an element that lost
 * what it said, never one that says something different ("Archive" where "Delete" was).
 */
export function contradictsRecorded(recorded: ElementDescriptor, c: ElementDescriptor): boolean {
  const differ = (a: string, b: string) => a !== '' && b !== '' && !a.includes(b) && !b.includes(a);
  const testId = (d: ElementDescriptor) => said(d.attributes?.['data-testid']);
  return (
    differ(said(recorded.accessibleName ?? recorded.text), said(c.accessibleName ?? c.text)) ||
    differ(testId(recorded), testId(c))
  );
}

/**
 * Whether a candidate only stands where the recorded element stood: it says nothing (no name, text or
 * test id) where the recorded element said something, and it is not the same kind of control (the icon
 * box at the start of a list row where the row's button was). An automatic anchor may pick a control
 * that lost its name (an icon button now), never a silent element of another kind: nothing but its
 * place would speak for it, and a layout change puts some other row's icon there just as well.
 */
export function silentStandIn(recorded: ElementDescriptor, c: ElementDescriptor): boolean {
  const says = (d: ElementDescriptor) =>
    said(d.accessibleName ?? d.text) !== '' || said(d.attributes?.['data-testid']) !== '';
  return says(recorded) && !says(c) && elementKind(c) !== elementKind(recorded);
}

/**
 * How many candidates look like `d` to a picture: the same tag saying the same thing (name or text,
 * test id, classes). More than one means a template match cannot tell which one was meant. An element
 * that says nothing counts as unique: icons differ in the picture itself.
 */
export function lookAlikeCount(d: ElementDescriptor, candidates: readonly ElementDescriptor[]): number {
  // Elements that say nothing (icons) differ in their pictures, which the descriptor does not show.
  if (said(d.accessibleName ?? d.text) === '') return 1;
  return lookAlikesOf(d, candidates).length;
}

/** The candidates that look like `d` by their descriptors (icons included: those that say nothing alike). */
export function lookAlikesOf(d: ElementDescriptor, candidates: readonly ElementDescriptor[]): ElementDescriptor[] {
  const look = (c: ElementDescriptor) =>
    [
      c.tag,
      said(c.accessibleName ?? c.text),
      said(c.attributes?.['data-testid']),
      [...(c.classes ?? [])].sort().join(' '),
    ].join('|');
  const mine = look(d);
  return candidates.filter((c) => look(c) === mine);
}

/** A text that names something rather than shows data (no long numbers, not a paragraph). */
function stableText(t: string): boolean {
  return t.length > 0 && t.length <= MAX_TEXT && !/\d{4,}/.test(t);
}

/**
 * The anchors to record for an element at `target`, most trusted first (label-for, aria-labelledby,
 * nearest heading above, fieldset legend, column header, nearest text on its row, named landmark;
 * nearer first within a kind),
 * at most `limit`, one per locator. Each carries the relation and distance it had to the element.
 */
export function chooseAnchors(
  target: Box,
  candidates: readonly AnchorCandidate[],
  limit = MAX_ANCHORS,
): RecordedAnchor[] {
  const scored: { anchor: RecordedAnchor; rank: number }[] = [];
  for (const c of candidates) {
    if (!stableText(c.text)) continue;
    const locator = anchorLocator(c);
    if (!locator) continue;
    const { relation, distance } = relationOf(c.box, target);
    // A landmark is only worth its name when the element is inside it.
    if (c.source === 'landmark' && relation !== 'inside') continue;
    if (distance > MAX_DISTANCE) continue;
    const anchor: RecordedAnchor = {
      target: locator,
      relation,
      distance: Math.round(distance),
      offset: { dx: Math.round(target.x - c.box.x), dy: Math.round(target.y - c.box.y) },
      source: c.source,
      ...(relation !== 'inside' && { withinPx: Math.min(2000, Math.round(distance + Math.max(100, distance))) }),
      ...(c.frame && c.frame.length > 0 && { frame: c.frame }),
    };
    scored.push({ anchor, rank: PREFERENCE[c.source] * 10_000 + distance });
  }
  scored.sort((a, b) => a.rank - b.rank);
  const seen = new Set<string>();
  const out: RecordedAnchor[] = [];
  for (const { anchor } of scored) {
    const key = JSON.stringify([anchor.frame ?? [], anchor.target]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(anchor);
    if (out.length >= limit) break;
  }
  return out;
}
