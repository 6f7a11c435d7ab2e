// The healing chain for one step whose primary target no longer matches exactly one element:
// tier 1 (descriptor scoring), then tier 2 (anchor + spatial relation), then tier 3 (image).
// Returns a locator for the healed element or abstains; never guesses.
import type { ElementHandle, Locator, Page } from 'playwright-core';
import { collectCandidates, hintFor } from './capture.js';
import { inPageFunction } from './inpage.js';
import { plainLocator, xpathOfLocator } from './locate.js';
import { decodePngGray, PngError, TEMPLATE_LIMITS, type GrayImage } from './png.js';
import { elementKind, rankAll, tagCompatibility } from './score.js';
import { pickByRelation } from './spatial.js';
import { bestStableSelector, type StableSelector } from './suggest.js';
import type { Box, ElementDescriptor, HealableTarget, ImageTemplate } from './types.js';
import { findTemplate } from './visual.js';

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
}

type Raw = ElementDescriptor & { kind?: string; visible?: boolean };
const atPoint = inPageFunction<[Record<string, unknown>], Raw[]>();
const ACTIONABLE = new Set(['action', 'textbox', 'select', 'toggle']);

async function documentBox(l: Locator | ElementHandle): Promise<Box> {
  return (l as Locator).evaluate((el: Element) => {
    const r = el.getBoundingClientRect();
    return {
      x: Math.round(r.left + window.scrollX),
      y: Math.round(r.top + window.scrollY),
      width: Math.round(r.width),
      height: Math.round(r.height),
    };
  });
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
  const locator = page.locator(`xpath=${d.xpath}`);
  const suggestion = opts.suggest === false ? null : await bestStableSelector(page, d, d.xpath!);
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
    if (ranked.choice !== null)
      return finish(page, 1, candidates[ranked.choice]!, ranked.ranked[0]!.score, opts, ms, t0);
    reason =
      candidates.length === 0
        ? 'tier 1: no candidates'
        : `tier 1: abstained (best ${ranked.ranked[0]?.score ?? 0}, runner-up ${ranked.ranked[1]?.score ?? 0})`;
  }

  // Tier 2.
  if (target.anchor) {
    const anchorLoc = plainLocator(page, target.anchor.target);
    const n = await anchorLoc.count();
    if (n !== 1) reason = `tier 2: anchor matched ${n} elements`;
    else {
      if (!fingerprint) {
        candidates = (await collectCandidates(page, {})).filter((c) => ACTIONABLE.has(elementKind(c)));
        scores = [];
      }
      const anchorBox = await documentBox(anchorLoc);
      const anchorXpath = await xpathOfLocator(anchorLoc);
      // The anchor itself and its ancestors are never the answer.
      const exclude = new Set<number>();
      candidates.forEach((c, i) => {
        if (c.xpath && (anchorXpath === c.xpath || anchorXpath.startsWith(c.xpath + '/'))) exclude.add(i);
      });
      const pick = pickByRelation(
        anchorBox,
        candidates.map((c) => c.box),
        target.anchor.relation,
        {
          exclude,
          ...(target.anchor.withinPx !== undefined ? { withinPx: target.anchor.withinPx } : {}),
          ...(scores.length ? { scores } : {}),
        },
      );
      if (pick.choice !== null)
        return finish(page, 2, candidates[pick.choice]!, scores[pick.choice] ?? 0, opts, ms, t0);
      reason =
        pick.matches.length === 0
          ? `tier 2: nothing ${target.anchor.relation} the anchor`
          : `tier 2: ${pick.matches.length} candidates tie ${target.anchor.relation} the anchor`;
    }
  }

  // Tier 3.
  if (target.image?.pngBase64) {
    const hit = await healVisually(page, target.image, fingerprint);
    if (hit.descriptor) return finish(page, 3, hit.descriptor, hit.score, opts, ms, t0);
    reason = `tier 3: ${hit.reason}`;
  }

  ms.total = performance.now() - t0;
  return { locator: null, tier: null, outcome: 'abstained', score: 0, suggestion: null, descriptor: null, reason, ms };
}

async function healVisually(
  page: Page,
  image: ImageTemplate,
  fingerprint: ElementDescriptor | undefined,
): Promise<{ descriptor: ElementDescriptor | null; score: number; reason: string }> {
  const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
  const screen = decodePngGray(await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' }));
  let template: GrayImage;
  try {
    template = decodePngGray(Buffer.from(image.pngBase64!, 'base64'), TEMPLATE_LIMITS);
  } catch (err) {
    if (err instanceof PngError)
      return { descriptor: null, score: 0, reason: `template image refused: ${err.message}` };
    throw err;
  }
  const last = image.lastKnownBox ?? fingerprint?.box;
  const near = last ? { ...last, x: last.x - scroll.x, y: last.y - scroll.y } : undefined;
  const match = await findTemplate(screen, template, near, image.threshold);
  if (!match) return { descriptor: null, score: 0, reason: 'template not found (or not unique) on screen' };
  const center = { x: match.box.x + match.box.width / 2, y: match.box.y + match.box.height / 2 };
  const [raw] = await page.evaluate(atPoint as (arg: Record<string, unknown>) => Raw[], { at: center });
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

/** Record an element's picture and position for tier 3 (call when the target resolved uniquely). */
export async function captureTemplate(l: Locator | ElementHandle): Promise<ImageTemplate> {
  const png = await l.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' });
  return { pngBase64: png.toString('base64'), lastKnownBox: await documentBox(l) };
}
