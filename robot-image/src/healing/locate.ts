// Plain targets (role+name | label | testId | text | css | xpath) to Playwright locators.
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { inPageFunction } from './inpage.js';
import type { Box, PlainTarget } from './types.js';

type AriaRole = Parameters<Page['getByRole']>[0];
/** A page or one of its iframes: where a locator is built. */
type Root = Page | FrameLocator;

/** The iframe an element lives in (`frame`: selectors of each iframe element, outermost first). */
export function frameRoot(page: Page, frame: readonly string[] | undefined): Root {
  let root: Root = page;
  for (const sel of frame ?? []) root = root.frameLocator(sel);
  return root;
}

export function plainLocator(page: Page, t: PlainTarget, frame?: readonly string[]): Locator {
  const root = frameRoot(page, frame);
  const exact = t.exact ?? true;
  if (t.role) return root.getByRole(t.role as AriaRole, t.name !== undefined ? { name: t.name, exact } : {});
  if (t.testId) return root.getByTestId(t.testId);
  if (t.label) return root.getByLabel(t.label, { exact });
  if (t.text) return root.getByText(t.text, { exact });
  if (t.css) return root.locator(t.css);
  if (t.xpath) return root.locator(`xpath=${t.xpath}`);
  throw new Error('target has no locator kind (role, testId, label, text, css or xpath)');
}

/** Where a described element is: its frame, and its XPath or (in a shadow root) deep CSS path. */
export interface ElementAddress {
  xpath: string;
  frame?: string[];
  deepCss?: string;
}

/** A locator of one described element, bound to its iframe. */
export function elementLocator(page: Page, a: ElementAddress): Locator {
  return frameRoot(page, a.frame).locator(a.deepCss ? `css=${a.deepCss}` : `xpath=${a.xpath}`);
}

const xpathInPage = inPageFunction<[Element, Record<string, unknown>], string>();
const boxInPage = inPageFunction<[Element, Record<string, unknown>], { box: Box; xpath: string; frame: string[] }>();

/** The element's absolute XPath (as captured descriptors have it), to compare elements across calls. */
export async function xpathOfLocator(l: Locator): Promise<string> {
  return l.evaluate(xpathInPage as (el: Element, arg: Record<string, unknown>) => string, { xpathOnly: true });
}

/** The element's box in top-document coordinates (as descriptors have it), its XPath and frame. */
export async function placeOfLocator(l: Locator): Promise<{ box: Box; xpath: string; frame: string[] }> {
  return l.evaluate(
    boxInPage as (el: Element, arg: Record<string, unknown>) => { box: Box; xpath: string; frame: string[] },
    {
      boxOnly: true,
    },
  );
}
