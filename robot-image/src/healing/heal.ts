// The healing chain for one step whose primary target no longer matches exactly one element:
// tier 1 (descriptor scoring), then tier 2 (anchor + spatial relation), then tier 3 (image).
// Returns a locator for the healed element or abstains; never guesses.
// Tiers 2 and 3 use the author's anchor / image first, then the ones the robot recorded by itself
// (HealOptions.recorded); several recorded anchors must agree on one element.
import type { ElementHandle, Locator, Page } from 'playwright-core';
import { atRecordedOffset, contradictsRecorded, lookAlikeCount, lookAlikesOf, silentStandIn } from './anchors.js';
import { collectCandidates, hintFor, locatorOf } from './capture.js';
import { inPageFunction } from './inpage.js';
import { placeOfLocator, plainLocator } from './locate.js';
import { pngSize } from '../../../api/v1alpha1/png-header.js';
import { decodePngGray, PngError, RECORDED_TEMPLATE_LIMITS, regionOf, TEMPLATE_LIMITS, type GrayImage } from './png.js';
import { elementKind, rankAll, tagCompatibility } from './score.js';
import { pickByRelation } from './spatial.js';
import { bestStableSelector, type StableSelector } from './suggest.js';
import type {
  AnchorSpec,
  Box,
  ElementDescriptor,
  HealableTarget,
  ImageTemplate,
  RecordedAids,
  RecordedAnchor,
} from './types.js';
import { findBySurroundings, findTemplate, type VisualMatch } from './visual.js';

export interface HealResult {
  locator: Locator | null;
  tier: 1 | 2 | 3 | null;
  outcome: 'healed' | 'abstained';
  /** Tier 1: the chosen candidate's score; tier 2: its tier-1 score (0 without a descriptor); tier 3: correlation. */
  score: number;
  /** The healed element's most stable selector, verified unique on the page. */
  suggestion: StableSelector | null;
  /** A fresh descriptor of the healed element (to refresh the recorded one). */
  descriptor: ElementDescriptor | null;
  /** Why the last tier abstained, for the heal event and logs. */
  reason?: string;
  ms: { collect: number; score: number; total: number };
}

export interface HealOptions {
  /** Look up the best stable selector of a healed element (a few extra round trips). Default true. */
  suggest?: boolean;
  /** Anchors and a template the robot recorded for this element (used after the author's own). */
  recorded?: RecordedAids;
  /**
   * The tiers that may heal (default all). Without 1 the candidates are still ranked (tier 2 breaks
   * ties by those scores) but tier 1's choice is not taken: measuring a tier on its own.
   */
  tiers?: readonly (1 | 2 | 3)[];
}

type Raw = ElementDescriptor & { kind?: string; visible?: boolean };
const atPoint = inPageFunction<[Record<string, unknown>], Raw[]>();
const ACTIONABLE = new Set(['action', 'textbox', 'select', 'toggle']);

/** The element's box in top-document coordinates (also inside iframes). */
async function documentBox(l: Locator | ElementHandle): Promise<Box> {
  return (await placeOfLocator(l as Locator)).box;
}

async function finish(
  page: Page,
  tier: 1 | 2 | 3,
  d: ElementDescriptor,
  score: number,
  opts: HealOptions,
  ms: HealResult['ms'],
  t0: number,
): Promise<HealResult> {
  const locator = locatorOf(page, d);
  // A plain target cannot name an element inside an iframe: no suggestion there.
  const suggestion = opts.suggest === false || d.frame ? null : await bestStableSelector(page, d, d.xpath!);
  ms.total = performance.now() - t0;
  return { locator, tier, outcome: 'healed', score, suggestion, descriptor: d, ms };
}

export async function healTarget(
  page: Page,
  target: HealableTarget,
  recorded?: ElementDescriptor,
  opts: HealOptions = {},
): Promise<HealResult> {
  const t0 = performance.now();
  const ms = { collect: 0, score: 0, total: 0 };
  const fingerprint = recorded ?? target.fingerprint;
  let candidates: ElementDescriptor[] = [];
  let scores: number[] = [];
  let reason = 'no fingerprint, anchor or image to heal with';

  // Tier 1.
  if (fingerprint) {
    candidates = await collectCandidates(page, hintFor(fingerprint));
    ms.collect = performance.now() - t0;
    const t1 = performance.now();
    const ranked = rankAll(fingerprint, candidates);
    ms.score = performance.now() - t1;
    scores = new Array<number>(candidates.length).fill(0);
    for (const r of ranked.ranked) scores[r.index] = r.score;
    if (ranked.choice !== null && (opts.tiers?.includes(1) ?? true))
      return finish(page, 1, candidates[ranked.choice]!, ranked.ranked[0]!.score, opts, ms, t0);
    reason =
      candidates.length === 0
        ? 'tier 1: no candidates'
        : `tier 1: abstained (best ${ranked.ranked[0]?.score ?? 0}, runner-up ${ranked.ranked[1]?.score ?? 0})`;
  }

  // Tier 2: the author's anchor, then the recorded ones.
  const recordedAnchors = opts.recorded?.anchors ?? [];
  if ((target.anchor || recordedAnchors.length > 0) && (opts.tiers?.includes(2) ?? true)) {
    if (!fingerprint) {
      candidates = (await collectCandidates(page, {})).filter((c) => ACTIONABLE.has(elementKind(c)));
      scores = [];
    }
    if (target.anchor) {
      const pick = await pickNearAnchor(page, target.anchor, candidates, scores);
      if (pick.choice !== null)
        return finish(page, 2, candidates[pick.choice]!, scores[pick.choice] ?? 0, opts, ms, t0);
      reason = `tier 2: ${pick.reason}`;
    }
    if (recordedAnchors.length > 0) {
      const pick = await pickByRecordedAnchors(page, recordedAnchors, candidates, scores, fingerprint);
      if (pick.choice !== null)
        return finish(page, 2, candidates[pick.choice]!, scores[pick.choice] ?? 0, opts, ms, t0);
      reason = `tier 2: ${pick.reason}`;
    }
  }

  // Tier 3: the author's image, then the recorded one.
  for (const image of [target.image, opts.recorded?.image]) {
    if (!image?.pngBase64 || !(opts.tiers?.includes(3) ?? true)) continue;
    const pictures = picturesOf(image);
    if ('refused' in pictures) {
      reason = `tier 3: template image refused: ${pictures.refused}`;
      continue;
    }
    const shot = await screenOf(page);
    const screen = shot.image;
    const hit = await healVisually(page, shot, pictures.element, image.threshold, fingerprint);
    reason = `tier 3: ${hit.reason}`;
    if (hit.descriptor) {
      // A picture names what it shows, not which of several identical elements: the match must not say
      // something else than the recorded element, and must be the only element on the page that looks
      // like it (a screenshot shows only the viewport; identical "Try it out" buttons lie beyond it).
      if (candidates.length === 0) candidates = await collectCandidates(page, {});
      const alike = lookAlikeCount(hit.descriptor, candidates);
      if (fingerprint && contradictsRecorded(fingerprint, hit.descriptor))
        reason = 'tier 3: the element under the match says something else than the recorded one';
      else if (alike > 1) reason = `tier 3: ${alike} elements on the page look like the match`;
      else return finish(page, 3, hit.descriptor, hit.score, opts, ms, t0);
    }
    if (!pictures.context) continue;
    // The element alone is not unique (rows of identical buttons, values that recur): of the places its
    // picture matches, the one whose surroundings (a row's label, a section's text) match the recorded.
    const found = await findBySurroundings(screen, pictures.context, image.focus!, image.threshold);
    const byContext = found.match
      ? await elementUnder(page, shot, found.match, fingerprint)
      : { descriptor: null, score: 0, reason: found.reason };
    if (!byContext.descriptor) {
      reason += `; with its surroundings: ${byContext.reason}`;
      continue;
    }
    // Every element of its tag, whatever tier 1 collected: the look-alikes must all be known.
    const sameTag = await collectCandidates(page, { tag: byContext.descriptor.tag });
    const alike = lookAlikesOf(byContext.descriptor, sameTag);
    const unseen =
      fingerprint && contradictsRecorded(fingerprint, byContext.descriptor)
        ? 'the element under the match says something else than the recorded one'
        : !alike.some((c) => sameElement(c, byContext.descriptor!))
          ? 'the element under the match is not one the page lists'
          : await lookAlikesOutOfSight(page, shot, alike);
    if (unseen) {
      reason += `; with its surroundings: ${unseen}`;
      continue;
    }
    return finish(page, 3, byContext.descriptor, byContext.score, opts, ms, t0);
  }

  ms.total = performance.now() - t0;
  return { locator: null, tier: null, outcome: 'abstained', score: 0, suggestion: null, descriptor: null, reason, ms };
}

interface AnchorPick {
  choice: number | null;
  reason: string;
}

/** One anchor: found by its own locator (in its frame), then the candidate in relation to it. */
async function pickNearAnchor(
  page: Page,
  anchor: AnchorSpec & { frame?: string[]; distance?: number; offset?: { dx: number; dy: number } },
  candidates: ElementDescriptor[],
  scores: number[],
  ruledOut?: Set<number>,
  lookAlikesOf?: ElementDescriptor,
): Promise<AnchorPick> {
  const anchorLoc = plainLocator(page, anchor.target, anchor.frame);
  const n = await anchorLoc.count();
  if (n !== 1) return { choice: null, reason: `anchor matched ${n} elements` };
  const place = await placeOfLocator(anchorLoc);
  const sameFrame = (c: ElementDescriptor) => JSON.stringify(c.frame ?? []) === JSON.stringify(place.frame);
  // The anchor itself and its ancestors are never the answer; with a recorded offset, neither is a
  // candidate standing elsewhere relative to the anchor.
  const exclude = new Set<number>(ruledOut);
  candidates.forEach((c, i) => {
    if (c.xpath && sameFrame(c) && (place.xpath === c.xpath || place.xpath.startsWith(c.xpath + '/'))) exclude.add(i);
    else if (anchor.offset && (!c.box || !atRecordedOffset(place.box, c.box, anchor.offset))) exclude.add(i);
  });
  // A recorded anchor never guesses among look-alikes (rows of identical icon buttons): when more than
  // one element like the recorded one stands at the recorded offset, the anchor cannot tell them apart.
  if (lookAlikesOf && anchor.offset) {
    const kind = elementKind(lookAlikesOf);
    const alike = candidates.filter(
      (c, i) =>
        !exclude.has(i) &&
        c.box &&
        sameFrame(c) &&
        elementKind(c) === kind &&
        tagCompatibility(lookAlikesOf, c) >= 0.85,
    ).length;
    if (alike > 1) return { choice: null, reason: `${alike} look-alikes stand at the recorded offset from the anchor` };
  }
  const pick = pickByRelation(
    place.box,
    candidates.map((c) => c.box),
    anchor.relation,
    {
      exclude,
      ...(anchor.withinPx !== undefined ? { withinPx: anchor.withinPx } : {}),
      ...(anchor.distance !== undefined ? { expected: anchor.distance } : {}),
      ...(scores.length ? { scores } : {}),
    },
  );
  if (pick.choice !== null) return { choice: pick.choice, reason: '' };
  return {
    choice: null,
    reason:
      pick.matches.length === 0
        ? `nothing ${anchor.relation} the anchor`
        : `${pick.matches.length} candidates tie ${anchor.relation} the anchor`,
  };
}

/**
 * Recorded anchors: every one that finds a candidate must find the same one, and no candidate that
 * says something else than the recorded element did, or only stands in its place (silentStandIn), is
 * eligible.
 */
async function pickByRecordedAnchors(
  page: Page,
  anchors: readonly RecordedAnchor[],
  candidates: ElementDescriptor[],
  scores: number[],
  recorded: ElementDescriptor | undefined,
): Promise<AnchorPick> {
  const ruledOut = new Set<number>();
  if (recorded)
    candidates.forEach((c, i) => (contradictsRecorded(recorded, c) || silentStandIn(recorded, c)) && ruledOut.add(i));
  const chosen = new Map<number, string[]>();
  const misses: string[] = [];
  for (const a of anchors) {
    const pick = await pickNearAnchor(page, a, candidates, scores, ruledOut, recorded);
    const name = `${a.source} ${JSON.stringify(a.target.name ?? a.target.text ?? '')}`;
    if (pick.choice === null) misses.push(`${name}: ${pick.reason}`);
    else chosen.set(pick.choice, [...(chosen.get(pick.choice) ?? []), name]);
  }
  if (chosen.size === 1) return { choice: [...chosen.keys()][0]!, reason: '' };
  if (chosen.size > 1) return { choice: null, reason: `recorded anchors disagree (${chosen.size} different elements)` };
  return { choice: null, reason: `no recorded anchor found the element (${misses.join('; ')})` };
}

/** The pictures a template gives: the element alone, and (robot's templates) the element in its surroundings. */
function picturesOf(image: ImageTemplate): { element: GrayImage; context?: GrayImage } | { refused: string } {
  let picture: GrayImage;
  try {
    picture = decodePngGray(Buffer.from(image.pngBase64!, 'base64'), TEMPLATE_LIMITS);
  } catch (err) {
    if (err instanceof PngError) return { refused: err.message };
    throw err;
  }
  const f = image.focus;
  const whole = !f || (f.x <= 0 && f.y <= 0 && f.width >= picture.width && f.height >= picture.height);
  if (whole) return { element: picture };
  const element = regionOf(picture, f);
  if (element.width < 4 || element.height < 4) return { refused: 'its focus lies outside the picture' };
  return { element, context: picture };
}

type VisualHit = { descriptor: ElementDescriptor | null; score: number; reason: string };

/** A picture of the page and where its top-left pixel lies in the document (CSS pixels). */
interface Screen {
  image: GrayImage;
  origin: { x: number; y: number };
}

/** Pages up to this tall are searched whole; a longer one only where it is scrolled to. */
export const WHOLE_PAGE_MAX_HEIGHT = 6_000;

/**
 * What tier 3 searches: the whole page when it is not too long (an element below the fold, and every
 * look-alike of it, are then on the picture), else the viewport.
 */
async function screenOf(page: Page): Promise<Screen> {
  const size = await page.evaluate(() => ({
    x: window.scrollX,
    y: window.scrollY,
    w: document.documentElement.scrollWidth,
    h: document.documentElement.scrollHeight,
  }));
  const whole = size.h <= WHOLE_PAGE_MAX_HEIGHT && size.w <= WHOLE_PAGE_MAX_HEIGHT;
  const png = await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide', fullPage: whole });
  return { image: decodePngGray(png), origin: whole ? { x: 0, y: 0 } : { x: size.x, y: size.y } };
}

/** Find `template` on the screen (a strong, unique peak) and describe the element under it. */
async function healVisually(
  page: Page,
  shot: Screen,
  template: GrayImage,
  threshold: number | undefined,
  fingerprint: ElementDescriptor | undefined,
): Promise<VisualHit> {
  const match = await findTemplate(shot.image, template, threshold);
  if (!match) return { descriptor: null, score: 0, reason: 'template not found (or not unique) on screen' };
  return elementUnder(page, shot, match, fingerprint);
}

/** Scroll the window so that a document point is in the viewport (at once); its viewport coordinates. */
async function bringIntoView(page: Page, at: { x: number; y: number }): Promise<{ x: number; y: number }> {
  // No named function inside: a bundler's keep-names helper (__name) would not exist in the page.
  const view = await page.evaluate((p) => {
    const out = p.x < scrollX || p.x >= scrollX + innerWidth || p.y < scrollY || p.y >= scrollY + innerHeight;
    if (out) window.scrollTo({ left: p.x - innerWidth / 2, top: p.y - innerHeight / 2, behavior: 'instant' });
    return { x: scrollX, y: scrollY };
  }, at);
  return { x: at.x - view.x, y: at.y - view.y };
}

/** The element under the centre of a match, when it is like the recorded one. */
async function elementUnder(
  page: Page,
  shot: Screen,
  match: VisualMatch,
  fingerprint: ElementDescriptor | undefined,
): Promise<VisualHit> {
  const center = await bringIntoView(page, {
    x: shot.origin.x + match.box.x + match.box.width / 2,
    y: shot.origin.y + match.box.y + match.box.height / 2,
  });
  // A control is taken whole (the button around an icon); a recorded element that is no control (a
  // heading, a value, a badge inside a button) is the innermost element under the point like it.
  const plain = fingerprint && !ACTIONABLE.has(elementKind(fingerprint));
  const under = await page.evaluate(atPoint as (arg: Record<string, unknown>) => Raw[], {
    at: center,
    ...(plain && { chain: true }),
  });
  const raw = plain ? (under.find((e) => tagCompatibility(fingerprint, e) >= 0.85) ?? under[0]) : under[0];
  if (!raw) return { descriptor: null, score: match.score, reason: 'no element under the match' };
  const { kind: _k, visible: _v, ...d } = raw;
  if (fingerprint && tagCompatibility(fingerprint, d) < 0.85)
    return {
      descriptor: null,
      score: match.score,
      reason: `element under the match is a ${d.tag}, not like the recorded ${fingerprint.tag}`,
    };
  return { descriptor: d, score: match.score, reason: '' };
}

const sameFrameAs = (a: ElementDescriptor, b: ElementDescriptor) =>
  JSON.stringify(a.frame ?? []) === JSON.stringify(b.frame ?? []);
const sameElement = (a: ElementDescriptor, b: ElementDescriptor) =>
  sameFrameAs(a, b) && !!a.xpath && a.xpath === b.xpath && a.deepCss === b.deepCss;
/** `a` lies inside `b` (same frame, by their XPaths). */
const inside = (a: ElementDescriptor, b: ElementDescriptor) =>
  sameFrameAs(a, b) && !!a.xpath && !!b.xpath && a.xpath.startsWith(b.xpath + '/');

/** At most this many look-alikes are checked to be in sight (one or two round trips each). */
const MAX_LOOKALIKES_IN_SIGHT = 40;

/**
 * Why a match among look-alikes cannot be trusted, or null when it can: a picture that is unique on
 * the screen tells identical elements apart only if the screen showed every one of them (each on the
 * picture and seen at its centre: not clipped by a scrolling box, not covered).
 */
async function lookAlikesOutOfSight(
  page: Page,
  shot: Screen,
  alike: readonly ElementDescriptor[],
): Promise<string | null> {
  if (alike.length <= 1) return null;
  if (alike.length > MAX_LOOKALIKES_IN_SIGHT) return `${alike.length} elements on the page look like the match`;
  let hidden = 0;
  for (const c of alike) {
    const center = c.box && { x: c.box.x + c.box.width / 2, y: c.box.y + c.box.height / 2 };
    const onPicture =
      center &&
      center.x >= shot.origin.x &&
      center.y >= shot.origin.y &&
      center.x < shot.origin.x + shot.image.width &&
      center.y < shot.origin.y + shot.image.height;
    const seen =
      onPicture &&
      (
        await page.evaluate(atPoint as (arg: Record<string, unknown>) => Raw[], {
          at: await bringIntoView(page, center),
        })
      ).some(
        // The point shows the look-alike, something inside it, or the control it is part of (the hit is
        // lifted to a control) — not merely an ancestor that lies over or around where it would be.
        (hit) =>
          sameElement(hit, c) ||
          (!c.deepCss && !hit.deepCss && (inside(hit, c) || (ACTIONABLE.has(hit.kind ?? '') && inside(c, hit)))),
      );
    if (!seen) hidden++;
  }
  return hidden === 0
    ? null
    : `${alike.length} elements on the page look like the match, ${hidden} of them out of sight`;
}

/** Record an element's picture and position for tier 3 (call when the target resolved uniquely). */
export async function captureTemplate(l: Locator | ElementHandle): Promise<ImageTemplate> {
  const png = await l.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' });
  return { pngBase64: png.toString('base64'), lastKnownBox: await documentBox(l) };
}

/**
 * In the page: whether a clip of the viewport shows a field with a value, editable text or a frame
 * (anything of the top document or its open shadow roots), and the text it shows. Plain source, like
 * inpage.ts: no helper of a compiler may end up in the page.
 */
const AROUND_CLIP_SOURCE = String.raw`(c) => {
  const meets = (r) => r.width > 0 && r.height > 0 && r.right > c.x && r.bottom > c.y && r.left < c.x + c.width && r.top < c.y + c.height;
  const roots = [document];
  const texts = [];
  let unsafe = false;
  while (roots.length && !unsafe) {
    const root = roots.pop();
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      const tag = el.localName;
      const editable = el.isContentEditable && (!el.parentElement || !el.parentElement.isContentEditable);
      if (tag !== 'input' && tag !== 'textarea' && tag !== 'iframe' && tag !== 'frame' && !editable) continue;
      if (!meets(el.getBoundingClientRect())) continue;
      if (tag === 'iframe' || tag === 'frame' || (editable ? (el.textContent || '').trim() !== '' : !!el.value)) { unsafe = true; break; }
    }
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.nodeValue || !n.nodeValue.trim()) continue;
      range.selectNodeContents(n);
      if (meets(range.getBoundingClientRect())) texts.push(n.nodeValue);
    }
  }
  return { unsafe, text: texts.join(' ') };
}`;
const aroundClip = new Function(`return (${AROUND_CLIP_SOURCE});`)() as (c: Box) => { unsafe: boolean; text: string };

/** How far the robot's own template reaches beyond the element (CSS pixels): a row's label, its neighbours. */
export const TEMPLATE_SURROUNDINGS = { x: 160, y: 16 };

/**
 * The robot's own template of an element at `box` (top-document coordinates, wholly in the viewport):
 * a clip of the viewport (so nothing scrolls) showing the element with what stands around it (up to
 * TEMPLATE_SURROUNDINGS, within the viewport and RECORDED_TEMPLATE_LIMITS), `focus` marking the element.
 * Null when the element alone is too small or too large for RECORDED_TEMPLATE_LIMITS.
 */
export async function captureRecordedTemplate(
  page: Page,
  box: Box,
  opts: { refuseText?: (text: string) => boolean } = {},
): Promise<ImageTemplate | null> {
  const limits = RECORDED_TEMPLATE_LIMITS;
  if (box.width < 8 || box.height < 8 || box.width > limits.maxSide || box.height > limits.maxSide) return null;
  const view = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY, w: innerWidth, h: innerHeight }));
  const el = { x: box.x - view.x, y: box.y - view.y, width: box.width, height: box.height };
  const my = Math.max(0, Math.min(TEMPLATE_SURROUNDINGS.y, Math.floor((limits.maxSide - el.height) / 2)));
  const rows = el.height + 2 * my;
  const mx = Math.max(
    0,
    Math.min(TEMPLATE_SURROUNDINGS.x, Math.floor((Math.min(limits.maxSide, limits.maxPixels / rows) - el.width) / 2)),
  );
  const left = Math.max(0, Math.floor(el.x - mx));
  const top = Math.max(0, Math.floor(el.y - my));
  const clip = {
    x: left,
    y: top,
    width: Math.min(view.w, Math.ceil(el.x + el.width + mx)) - left,
    height: Math.min(view.h, Math.ceil(el.y + el.height + my)) - top,
  };
  // The surroundings must not show what a job typed or a secret it reads: no field with a value, no
  // editable text, no frame (its fields are not looked into) and no text the caller refuses in the clip.
  const around = await page.evaluate(aroundClip as (c: Box) => { unsafe: boolean; text: string }, {
    x: clip.x,
    y: clip.y,
    width: clip.width,
    height: clip.height,
  });
  const surroundingsSafe = !around.unsafe && !(opts.refuseText?.(around.text) ?? false);
  // Animations allowed: disabling them would fast-forward the page's own transitions mid-run.
  const shot = async (c: Box) => page.screenshot({ type: 'png', clip: c, animations: 'allow', caret: 'hide' });
  const fits = (png: Buffer) => {
    const size = pngSize(png);
    return !('error' in size) && png.length <= limits.maxBytes && size.width * size.height <= limits.maxPixels;
  };
  const png = surroundingsSafe ? await shot(clip) : null;
  const size = png ? pngSize(png) : null;
  if (png && size && fits(png) && !('error' in size)) {
    // In the picture's own pixels (a device scale above 1 makes it larger than the clip).
    const k = size.width / clip.width;
    const focus = { x: (el.x - clip.x) * k, y: (el.y - clip.y) * k, width: el.width * k, height: el.height * k };
    return { pngBase64: png.toString('base64'), lastKnownBox: box, focus };
  }
  const alone = await shot(el);
  return fits(alone) ? { pngBase64: alone.toString('base64'), lastKnownBox: box } : null;
}
