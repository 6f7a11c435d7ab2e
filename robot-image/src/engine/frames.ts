// Targets inside iframes: `frame: {name | url | target}` scopes a target's locator to that frame.
// name and target go through Playwright frame locators (same- and cross-origin frames alike, waiting
// for the frame like any locator); url picks among the page's frames by the URL each shows.
import type { Frame, FrameLocator, Page } from 'playwright-core';
import type { FrameRef, PlainTarget } from '../../../api/v1alpha1/target.js';
import { globMatch } from './glob.js';

/** What a target's locator is built on: the page, or a frame of it. */
export type LocatorRoot = Page | Frame | FrameLocator;

/** A CSS string literal (attribute value) for any text. */
export function cssString(s: string): string {
  return '"' + s.replace(/[\\"]/g, '\\$&').replace(/[\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `) + '"';
}

function frameByUrl(page: Page, url: string): Frame | undefined {
  return page.frames().find((f) => f !== page.mainFrame() && globMatch(url, f.url()));
}

/**
 * The root a framed target is looked for in. `elementOf` builds the iframe element's locator (a frame
 * given as a target). A frame given by URL must already be there: see `awaitFrame`.
 */
export function frameRoot(page: Page, frame: FrameRef, elementOf: (t: PlainTarget) => ReturnType<Page['locator']>): LocatorRoot {
  if (frame.name !== undefined) {
    const n = cssString(frame.name);
    return page.frameLocator(`iframe[name=${n}], frame[name=${n}]`);
  }
  if (frame.target !== undefined) return elementOf(frame.target).contentFrame();
  const found = frameByUrl(page, frame.url!);
  if (!found) throw new Error(`no frame of the page shows ${frame.url}`);
  return found;
}

/** Waits until a frame given by URL is there (name and target frames wait in their locators). */
export async function awaitFrame(page: Page, frame: FrameRef | undefined, timeoutMs: number): Promise<void> {
  if (frame?.url === undefined) return;
  const url = frame.url;
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => globMatch(url, f.url()), timeout: timeoutMs });
  if (frameByUrl(page, url)) {
    navigated.catch(() => undefined);
    return;
  }
  try {
    await navigated;
  } catch (err) {
    throw new Error(`no frame of the page showed ${url} within ${timeoutMs} ms`, { cause: err });
  }
}
