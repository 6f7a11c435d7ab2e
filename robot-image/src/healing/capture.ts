// Descriptor capture in the page (Playwright): one evaluate() per call, see inpage.ts.
import type { ElementHandle, Locator, Page } from 'playwright-core';
import type { AnchorCandidate } from './anchors.js';
import { inPageFunction } from './inpage.js';
import { elementLocator } from './locate.js';
import { elementKind } from './score.js';
import type { ElementDescriptor } from './types.js';

/** What the page says about an element when the robot records it (see `describeWithAids`). */
export interface ElementAids {
  /** Stable elements near it (raw: anchors.ts chooses). */
  anchors: AnchorCandidate[];
  /** A picture of it may be recorded (it shows nothing typed into it). */
  imageSafe: boolean;
  /** It lies wholly inside the viewport (a picture needs no scrolling). */
  inViewport: boolean;
}

type Raw = ElementDescriptor & { kind?: string; visible?: boolean; aids?: ElementAids };

const describeInPage = inPageFunction<[Element, Record<string, unknown>], Raw>();
const collectInPage = inPageFunction<[Record<string, unknown>], string>();

function clean(raw: Raw): ElementDescriptor {
  const { kind: _kind, visible: _visible, aids: _aids, ...d } = raw;
  return d;
}

/** Describe one element and gather what automatic anchors and a template need, in one evaluate(). */
export async function describeWithAids(
  target: Locator | ElementHandle,
): Promise<{ descriptor: ElementDescriptor; aids: ElementAids }> {
  const raw = await (target as Locator).evaluate(describeInPage as (el: Element, arg: Record<string, unknown>) => Raw, {
    aids: true,
  });
  const aids = raw.aids ?? { anchors: [], imageSafe: false, inViewport: false };
  return { descriptor: clean(raw), aids };
}

/** Describe one element (it should be the single match of a step's target). */
export async function describeElement(target: Locator | ElementHandle): Promise<ElementDescriptor> {
  // Locator.evaluate and ElementHandle.evaluate both pass the element first.
  const raw = await (target as Locator).evaluate(
    describeInPage as (el: Element, arg: Record<string, unknown>) => Raw,
    {},
  );
  return clean(raw);
}

export interface CandidateHint {
  /**
   * Keep elements with this tag... (only when it is a native control, pool.ts NARROWING_TAGS; any other
   * tag keeps every visible element: rewrites change a non-control's tag)
   */
  tag?: string;
  /** ...or of this kind of control (see elementKind); both unset = every visible element. */
  kind?: string;
  /** Upper bound on candidates (document order). */
  max?: number;
}

/** The hint that keeps the candidates a recorded element could have become. */
export function hintFor(recorded: ElementDescriptor): CandidateHint {
  return { tag: recorded.tag.toLowerCase(), kind: elementKind(recorded) };
}

/**
 * Every visible element matching the hint, described in one evaluate(): the main frame, its open
 * shadow roots and its same-origin iframes.
 */
export async function collectCandidates(page: Page, hint: CandidateHint = {}): Promise<ElementDescriptor[]> {
  const json = await page.evaluate(collectInPage as (arg: Record<string, unknown>) => string, { ...hint });
  return (JSON.parse(json) as Raw[]).map(clean);
}

/**
 * A locator for a described element of the current page (its absolute XPath or, in a shadow root, its
 * deep CSS path at capture time), bound to its iframe when it is in one.
 */
export function locatorOf(page: Page, d: ElementDescriptor): Locator {
  if (!d.xpath) throw new Error('descriptor has no xpath: it was not captured from this page');
  return elementLocator(page, {
    xpath: d.xpath,
    ...(d.frame && { frame: d.frame }),
    ...(d.deepCss && { deepCss: d.deepCss }),
  });
}
