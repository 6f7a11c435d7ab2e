// Browser actions of issue 16: waits (element, text, URL, response, condition, time), scrolling,
// history, tabs and tables. Registered in actions.ts's runAction; no durability here.
import type { Locator, Page } from 'playwright-core';
import type { Target } from '../../../api/v1alpha1/target.js';
import type { LeafStep } from '../../../api/v1alpha1/workflow.js';
import type { SeenResponse } from '../browser/responses.js';
import { loggableUrl } from '../egress/decide.js';
import { globMatch } from './glob.js';
import { expandSpans, tableOutput, type TableCell } from './table-grid.js';

/** The job's tabs, oldest first, and the active one (the one steps act on). */
export interface TabControl {
  all(): Page[];
  active(): Page;
  activate(page: Page): Promise<void>;
}

/** What the browser actions need of the step runner (a part of actions.ts's ActionContext). */
export interface BrowserActionContext {
  page(): Promise<Page>;
  locate(target: Target, opts?: { expect?: 'one' | 'any' }): Promise<Locator>;
  render(src: string): Promise<unknown>;
  /** An expression's truth; `locals` add names to the scope (waitFor's `page`). */
  condition(src: string, locals?: Record<string, unknown>): Promise<boolean>;
  timeoutMs: number;
  tabs(): Promise<TabControl>;
  /** Responses of the job's tabs since the previous step began. */
  recentResponses(): SeenResponse[];
}

export const BROWSER_ACTIONS = ['waitFor', 'scroll', 'reload', 'goBack', 'waitForPopup', 'switchTab', 'closeTab', 'extractTable'] as const;
type BrowserStep = Extract<LeafStep, { action: (typeof BROWSER_ACTIONS)[number] }>;
type StepOf<A extends BrowserStep['action']> = Extract<BrowserStep, { action: A }>;

export interface BrowserActionResult {
  output?: unknown;
  browser: true;
}

const CONDITION_POLL_MS = 100;

const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function runBrowserAction(step: BrowserStep, ctx: BrowserActionContext): Promise<BrowserActionResult> {
  switch (step.action) {
    case 'waitFor':
      return { output: await waitFor(step, ctx), browser: true };
    case 'scroll':
      return { output: await scroll(step, ctx), browser: true };
    case 'reload':
    case 'goBack':
      return { output: await history(step, ctx), browser: true };
    case 'waitForPopup':
      return { output: await waitForPopup(step, ctx), browser: true };
    case 'switchTab':
      return { output: await switchTab(step, ctx), browser: true };
    case 'closeTab':
      return { output: await closeTab(step, ctx), browser: true };
    case 'extractTable':
      return { output: await extractTable(step, ctx), browser: true };
  }
}

async function waitFor(step: StepOf<'waitFor'>, ctx: BrowserActionContext): Promise<unknown> {
  const t = { timeout: ctx.timeoutMs };
  const page = await ctx.page();
  if (step.text !== undefined) {
    const want = str(await ctx.render(step.text));
    const re = step.exact ? new RegExp(`^\\s*${escapeRe(want)}\\s*$`) : new RegExp(escapeRe(want));
    const where = step.target ? (await ctx.locate(step.target, { expect: 'any' })).first() : page.locator('body');
    try {
      await where.filter({ hasText: re }).waitFor({ state: 'visible', ...t });
    } catch (err) {
      throw new Error(`the text ${JSON.stringify(want.slice(0, 200))} did not appear within ${ctx.timeoutMs} ms`, { cause: err });
    }
    return undefined;
  }
  if (step.target) {
    const state = step.state ?? 'visible';
    const expect = state === 'hidden' || state === 'detached' ? 'any' : 'one';
    await (await ctx.locate(step.target, { expect })).first().waitFor({ state, ...t });
    return undefined;
  }
  if (step.url !== undefined) {
    await page.waitForURL(str(await ctx.render(step.url)), t);
    return undefined;
  }
  if (step.response) return waitForResponse(step.response, page, ctx);
  if (step.condition !== undefined) return waitForCondition(step.condition, page, ctx);
  await new Promise((r) => setTimeout(r, (step.seconds ?? 0) * 1000));
  return undefined;
}

/** A response of any tab of the job, from the start of the previous step on. */
async function waitForResponse(
  want: NonNullable<StepOf<'waitFor'>['response']>,
  page: Page,
  ctx: BrowserActionContext,
): Promise<SeenResponse> {
  const matches = (r: SeenResponse) => globMatch(want.url, r.url) && (want.status === undefined || r.status === want.status);
  // Listen before looking back, so a response arriving in between is not missed.
  const next = page
    .context()
    .waitForEvent('response', { predicate: (r) => matches({ url: r.url(), status: r.status() }), timeout: ctx.timeoutMs });
  const seen = ctx.recentResponses().find(matches);
  if (seen) {
    next.catch(() => undefined);
    return seen;
  }
  try {
    const r = await next;
    return { url: r.url(), status: r.status() };
  } catch (err) {
    throw new Error(`no response matching ${want.url}${want.status ? ` with status ${want.status}` : ''} within ${ctx.timeoutMs} ms`, { cause: err });
  }
}

/** Polls the condition with `page` ({url, title} of the active tab) in scope. */
async function waitForCondition(src: string, page: Page, ctx: BrowserActionContext): Promise<undefined> {
  const until = Date.now() + ctx.timeoutMs;
  for (;;) {
    const seen = { url: page.url(), title: await page.title().catch(() => '') };
    if (await ctx.condition(src, { page: seen })) return undefined;
    if (Date.now() >= until) throw new Error(`condition ${src} stayed false for ${ctx.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, CONDITION_POLL_MS));
  }
}

async function scroll(step: StepOf<'scroll'>, ctx: BrowserActionContext): Promise<{ x: number; y: number }> {
  const page = await ctx.page();
  if (step.target) await (await ctx.locate(step.target)).scrollIntoViewIfNeeded({ timeout: ctx.timeoutMs });
  else if (step.by) await page.evaluate(([x, y]) => window.scrollBy(x, y), [step.by.x ?? 0, step.by.y ?? 0] as const);
  else
    await page.evaluate((end) => {
      const el = document.scrollingElement ?? document.documentElement;
      window.scrollTo(window.scrollX, end === 'top' ? 0 : el.scrollHeight);
    }, step.to!);
  return page.evaluate(() => ({ x: Math.round(window.scrollX), y: Math.round(window.scrollY) }));
}

async function history(step: StepOf<'reload' | 'goBack'>, ctx: BrowserActionContext): Promise<{ url: string; status: number }> {
  const page = await ctx.page();
  const opts = { waitUntil: step.waitUntil ?? 'load', timeout: ctx.timeoutMs } as const;
  const res = step.action === 'reload' ? await page.reload(opts) : await page.goBack(opts);
  if (step.action === 'goBack' && res === null && page.url() === 'about:blank') throw new Error('there is no previous page to go back to');
  const status = res?.status() ?? 0;
  if (status >= 400) throw new Error(`${step.action} of ${loggableUrl(page.url())} answered HTTP ${status}`);
  return { url: page.url(), status };
}

interface TabInfo {
  index: number;
  url: string;
  title: string;
}

async function tabInfo(tabs: TabControl, page: Page): Promise<TabInfo> {
  return { index: tabs.all().indexOf(page), url: page.url(), title: await page.title().catch(() => '') };
}

async function waitForPopup(step: StepOf<'waitForPopup'>, ctx: BrowserActionContext): Promise<TabInfo> {
  const page = await ctx.page();
  const loc = await ctx.locate(step.target);
  const popup = page.waitForEvent('popup', { timeout: ctx.timeoutMs });
  try {
    await loc.click({ timeout: ctx.timeoutMs });
  } catch (err) {
    popup.catch(() => undefined);
    throw err;
  }
  const tab = await popup.catch((err: unknown) => {
    throw new Error(`the click opened no new tab within ${ctx.timeoutMs} ms`, { cause: err });
  });
  await tab.waitForLoadState('domcontentloaded', { timeout: ctx.timeoutMs });
  const tabs = await ctx.tabs();
  await tabs.activate(tab);
  return tabInfo(tabs, tab);
}

async function switchTab(step: StepOf<'switchTab'>, ctx: BrowserActionContext): Promise<TabInfo> {
  const tabs = await ctx.tabs();
  const url = step.url !== undefined ? str(await ctx.render(step.url)) : undefined;
  const title = step.title !== undefined ? str(await ctx.render(step.title)) : undefined;
  const find = async (): Promise<Page | undefined> => {
    const all = tabs.all();
    if (step.index !== undefined) return all[step.index];
    if (url !== undefined) return all.find((p) => globMatch(url, p.url()));
    for (const p of all) if (globMatch(title!, await p.title().catch(() => ''))) return p;
    return undefined;
  };
  // A tab may still be opening or loading: look again until the step's time is up.
  const until = Date.now() + ctx.timeoutMs;
  let page = await find();
  while (!page && Date.now() < until) {
    await new Promise((r) => setTimeout(r, CONDITION_POLL_MS));
    page = await find();
  }
  if (!page) {
    const which = step.index !== undefined ? `index ${step.index}` : url !== undefined ? `url ${url}` : `title ${JSON.stringify(title)}`;
    throw new Error(`no tab with ${which} (the job has ${tabs.all().length} tabs)`);
  }
  await tabs.activate(page);
  return tabInfo(tabs, page);
}

async function closeTab(step: StepOf<'closeTab'>, ctx: BrowserActionContext): Promise<TabInfo> {
  const tabs = await ctx.tabs();
  const all = tabs.all();
  const victim = step.index !== undefined ? all[step.index] : tabs.active();
  if (!victim) throw new Error(`no tab with index ${step.index} (the job has ${all.length} tabs)`);
  if (all.length === 1) throw new Error("closeTab cannot close the job's only tab");
  const i = all.indexOf(victim);
  if (victim === tabs.active()) await tabs.activate(all[i > 0 ? i - 1 : 1]!);
  await victim.close({ runBeforeUnload: false });
  return tabInfo(tabs, tabs.active());
}

async function extractTable(step: StepOf<'extractTable'>, ctx: BrowserActionContext): Promise<unknown[]> {
  const loc = await ctx.locate(step.target);
  const rows = await loc.evaluate(readTableCells, undefined, { timeout: ctx.timeoutMs });
  return tableOutput(expandSpans(rows), step.header ?? true);
}

/**
 * In the page: the cells of an HTML table (its own rows, not those of tables inside it) or of an ARIA
 * table/grid (role=row and cell/gridcell/columnheader/rowheader descendants of its own). No named inner
 * functions: a loader that keeps function names (tsx, esbuild) would wrap them in a helper the page lacks.
 */
function readTableCells(root: Element): TableCell[][] {
  const GRIDS = '[role=grid],[role=table],[role=treegrid]';
  // The target may be the table itself or an element around it.
  const grid = root instanceof HTMLTableElement || root.matches(GRIDS) ? root : (root.querySelector(`${GRIDS},table`) ?? root);
  const out: TableCell[][] = [];
  if (grid instanceof HTMLTableElement && !grid.matches('[role=grid],[role=treegrid]')) {
    for (const tr of Array.from(grid.rows))
      out.push(Array.from(tr.cells).map((c) => ({ text: (c.innerText ?? '').trim(), rowSpan: c.rowSpan, colSpan: c.colSpan })));
    return out;
  }
  for (const row of Array.from(grid.querySelectorAll('[role=row]'))) {
    if ((row.closest(GRIDS) ?? grid) !== grid) continue;
    const cells: TableCell[] = [];
    for (const c of Array.from(row.querySelectorAll('[role=cell],[role=gridcell],[role=columnheader],[role=rowheader]'))) {
      if (c.closest('[role=row]') !== row) continue;
      cells.push({
        text: ((c as HTMLElement).innerText ?? c.textContent ?? '').trim(),
        rowSpan: Number(c.getAttribute('aria-rowspan') ?? '1') || 1,
        colSpan: Number(c.getAttribute('aria-colspan') ?? '1') || 1,
      });
    }
    out.push(cells);
  }
  return out;
}
