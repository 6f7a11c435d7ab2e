// Plain targets (role+name | label | testId | text | css | xpath) to Playwright locators.
import type { Locator, Page } from 'playwright-core';
import { inPageFunction } from './inpage.js';
import type { PlainTarget } from './types.js';

type AriaRole = Parameters<Page['getByRole']>[0];

export function plainLocator(page: Page, t: PlainTarget): Locator {
  const exact = t.exact ?? true;
  if (t.role) return page.getByRole(t.role as AriaRole, t.name !== undefined ? { name: t.name, exact } : {});
  if (t.testId) return page.getByTestId(t.testId);
  if (t.label) return page.getByLabel(t.label, { exact });
  if (t.text) return page.getByText(t.text, { exact });
  if (t.css) return page.locator(t.css);
  if (t.xpath) return page.locator(`xpath=${t.xpath}`);
  throw new Error('target has no locator kind (role, testId, label, text, css or xpath)');
}

const xpathInPage = inPageFunction<[Element, Record<string, unknown>], string>();

/** The element's absolute XPath (as captured descriptors have it), to compare elements across calls. */
export async function xpathOfLocator(l: Locator): Promise<string> {
  return l.evaluate(xpathInPage as (el: Element, arg: Record<string, unknown>) => string, { xpathOnly: true });
}
