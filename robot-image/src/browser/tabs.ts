// The tabs of a job's context: which one steps act on, and how the set is captured into a checkpoint
// and rebuilt from one (each tab reloaded at its URL, the active one active again).
import type { BrowserContext, Page } from 'playwright-core';

/** A job's context and its active tab (session.ts's JobSession). */
interface TabHolder {
  context: BrowserContext;
  page: Page;
}

/** Most tabs a checkpoint records and a restore reopens. */
export const MAX_RESTORED_TABS = 16;

export interface TabsSnapshot {
  /** URLs of the open tabs, oldest first (present only with more than one tab). */
  tabs?: string[];
  /** Index of the active tab in `tabs`. */
  active?: number;
}

/** The job's tabs, oldest first (closed ones left out). */
export function openTabs(session: TabHolder): Page[] {
  return session.context.pages().filter((p) => !p.isClosed());
}

/**
 * The tab steps act on: the active one or, once it has closed itself (window.close()), the newest tab
 * still open. A checkpoint must record that one: the closed tab's URL would reopen the pop-up on take-over.
 */
export function currentTab(session: TabHolder): Page {
  if (!session.page.isClosed()) return session.page;
  return openTabs(session).at(-1) ?? session.page;
}

export function captureTabs(session: TabHolder): TabsSnapshot {
  const pages = openTabs(session).slice(0, MAX_RESTORED_TABS);
  if (pages.length <= 1) return {};
  const active = Math.max(0, pages.indexOf(currentTab(session)));
  return { tabs: pages.map((p) => p.url()), active };
}

/** Steps act on `page` from now on. */
export async function activateTab(session: TabHolder, page: Page): Promise<void> {
  session.page = page;
  await page.bringToFront();
}

/**
 * Opens the snapshot's tabs beside `first` (already at tab 0's URL) and returns the active one.
 * `open` loads one URL in a new page of the context.
 */
export async function restoreTabs(
  context: BrowserContext,
  first: Page,
  snap: TabsSnapshot,
  open: (page: Page, url: string) => Promise<void>,
): Promise<Page> {
  if (!snap.tabs || snap.tabs.length <= 1) return first;
  const pages = [first];
  for (const url of snap.tabs.slice(1, MAX_RESTORED_TABS)) {
    const page = await openedByScript(context, first);
    await open(page, url);
    pages.push(page);
  }
  const active = pages[snap.active ?? 0] ?? first;
  await active.bringToFront();
  return active;
}

/**
 * A new tab opened by `opener`'s window.open(), as the pop-ups it stands in for were: Chromium lets a
 * page close itself (window.close(), a pop-up's "Close" button) only when a script opened it — in a tab
 * opened by context.newPage() the call does nothing once it has navigated, and the job then acts on a
 * tab the page meant to be gone. A page that has replaced window.open gets a plain new tab instead.
 */
async function openedByScript(context: BrowserContext, opener: Page): Promise<Page> {
  const opened = context.waitForEvent('page', { timeout: OPEN_TIMEOUT_MS });
  const ok = await opener.evaluate(() => window.open() !== null).catch(() => false);
  if (!ok) {
    opened.catch(() => undefined);
    return context.newPage();
  }
  // A replaced window.open that answered without opening anything: a plain new tab as well.
  return opened.catch(() => context.newPage());
}

const OPEN_TIMEOUT_MS = 10_000;
