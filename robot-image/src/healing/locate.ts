// Plain targets (role+name | label | testId | text | css | xpath) to Playwright locators.
import type { Locator, Page } from 'playwright-core';
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

/** The element's absolute XPath, to compare two locators for identity. */
export async function xpathOfLocator(l: Locator): Promise<string> {
  return l.evaluate((el) => {
    const seg = (e: Element): string => {
      const p = e.parentElement;
      if (!p) return e.localName;
      const same = Array.from(p.children).filter((c) => c.localName === e.localName);
      return same.length > 1 ? `${e.localName}[${same.indexOf(e) + 1}]` : e.localName;
    };
    const parts: string[] = [];
    for (let e: Element | null = el; e; e = e.parentElement) parts.unshift(seg(e));
    return '/' + parts.join('/');
  });
}
