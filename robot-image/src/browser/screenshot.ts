// Screenshots of a job's page. Every field filled from a credential is painted over (Playwright's
// mask) so a secret never reaches an image, whatever the field type.
import type { Locator, Page } from 'playwright-core';

export const MASK_COLOR = '#FF00FF';

export interface ScreenshotOptions {
  fullPage?: boolean;
  /** Elements to paint over: fields filled from credentials, and any the workflow asks for. */
  mask?: Locator[];
  timeoutMs?: number;
}

export function maskedScreenshot(page: Page, opts: ScreenshotOptions = {}): Promise<Buffer> {
  return page.screenshot({
    type: 'png',
    fullPage: opts.fullPage ?? false,
    mask: opts.mask ?? [],
    maskColor: MASK_COLOR,
    animations: 'disabled',
    caret: 'hide',
    timeout: opts.timeoutMs ?? 10_000,
  });
}
