// A browser is not durable, so a job's session is captured into each step's checkpoint (URL plus
// storage state: cookies and local storage) and rebuilt from it in a fresh context on take-over.
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { BrowserHost } from './host.js';
import { captureTabs, currentTab, restoreTabs, type TabsSnapshot } from './tabs.js';

export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

/** `url` is the active tab's; `tabs` lists every tab when there are several. */
export interface SessionSnapshot extends TabsSnapshot {
  url: string;
  storageState: StorageState;
}

export interface JobSession {
  context: BrowserContext;
  /** The active tab: the one steps act on. */
  page: Page;
}

export async function captureSession(session: JobSession): Promise<SessionSnapshot> {
  return { url: currentTab(session).url(), storageState: await session.context.storageState(), ...captureTabs(session) };
}

/** True when a navigation to `url` would reload a real page (not about:blank, data: or chrome:). */
export function isRestorableUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Opens a fresh context for a job; with a snapshot, restores its cookies and local storage and
 * goes back to its page. Only the URL is reloaded (a GET): form fields typed but not submitted
 * are the engine's to refill.
 */
export async function openSession(
  host: BrowserHost,
  snapshot?: SessionSnapshot,
  options: BrowserContextOptions = {},
  /** Installed on the context before any page loads (the egress guard's routing). */
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<JobSession> {
  if (!snapshot && Object.keys(options).length === 0) {
    const fresh = await host.freshPage();
    try {
      await prepare?.(fresh.context);
    } catch (err) {
      await fresh.context.close().catch(() => undefined);
      throw err;
    }
    return fresh;
  }
  const context = await host.newContext({ ...options, ...(snapshot ? { storageState: snapshot.storageState } : {}) });
  try {
    await prepare?.(context);
    const open = async (page: Page, url: string) => {
      if (isRestorableUrl(url)) await page.goto(url, { waitUntil: 'domcontentloaded' });
    };
    const first = await context.newPage();
    if (!snapshot) return { context, page: first };
    await open(first, snapshot.tabs?.[0] ?? snapshot.url);
    return { context, page: await restoreTabs(context, first, snapshot, open) };
  } catch (err) {
    await context.close().catch(() => undefined);
    throw new Error(`could not restore the browser session at ${snapshot?.url ?? 'a blank page'}`, { cause: err });
  }
}

export async function closeSession(session: JobSession | undefined): Promise<void> {
  await session?.context.close().catch(() => undefined);
}

/** Same tabs, same page and same cookies/storage: no need to record the session again. */
export function sameSession(a: SessionSnapshot | undefined, b: SessionSnapshot): boolean {
  return (
    a !== undefined &&
    a.url === b.url &&
    a.active === b.active &&
    JSON.stringify(a.tabs) === JSON.stringify(b.tabs) &&
    JSON.stringify(a.storageState) === JSON.stringify(b.storageState)
  );
}
