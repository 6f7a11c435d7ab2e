// Descriptor capture in the page (Playwright): one evaluate() per call, see inpage.ts.
import type { ElementHandle, Locator, Page } from 'playwright-core';
import { inPageFunction } from './inpage.js';
import { elementKind } from './score.js';
import type { ElementDescriptor } from './types.js';

type Raw = ElementDescriptor & { kind?: string; visible?: boolean };

const describeInPage = inPageFunction<[Element, Record<string, unknown>], Raw>();
const collectInPage = inPageFunction<[Record<string, unknown>], string>();

function clean(raw: Raw): ElementDescriptor {
  const { kind: _kind, visible: _visible, ...d } = raw;
  return d;
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
  /** Keep elements with this tag... */
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

/** Every visible element of the main frame matching the hint, described in one evaluate(). */
export async function collectCandidates(page: Page, hint: CandidateHint = {}): Promise<ElementDescriptor[]> {
  const json = await page.evaluate(collectInPage as (arg: Record<string, unknown>) => string, { ...hint });
  return (JSON.parse(json) as Raw[]).map(clean);
}

/** A locator for a described element of the current page (its absolute XPath at capture time). */
export function locatorOf(page: Page, d: ElementDescriptor): Locator {
  if (!d.xpath) throw new Error('descriptor has no xpath: it was not captured from this page');
  return page.locator(`xpath=${d.xpath}`);
}
