// What each leaf action does, given a live page and the step's rendered values. No durability
// here: the step runner wraps these in timeouts, retries and checkpoints.
import { createHash } from 'node:crypto';
import type { ElementHandle, Locator, Page } from 'playwright-core';
import type { Target } from '../../../api/v1alpha1/target.js';
import type { LeafStep } from '../../../api/v1alpha1/workflow.js';
import { maskedScreenshot } from '../browser/screenshot.js';
import { loggableUrl } from '../egress/decide.js';
import type { EgressGuard } from '../egress/guard.js';
import { guardedRequest, type RequestHop } from '../egress/http.js';
import type { UseCheck } from '../credscope/enforce.js';
import { describeTarget } from './targets.js';
import type { StepFiles } from '../artifacts/store.js';
import { downloadAction, uploadAction } from './files.js';
import { queueAddAction, type StepQueues } from './queue-add.js';
import { globMatch } from './glob.js';
import { runBrowserAction, type BrowserActionContext } from './actions-browser.js';

export interface ActionContext extends BrowserActionContext {
  /** The job's page; opened (and restored from the last checkpoint) on first use. */
  page(): Promise<Page>;
  /** The step's element; `expect: 'any'` when zero or many matches are a valid answer (no healing). */
  locate(target: Target, opts?: { expect?: 'one' | 'any' }): Promise<Locator>;
  /** A template's value (a whole `{{ expr }}` keeps its type). */
  render(src: string): Promise<unknown>;
  /** An expression's value, with extra loop variables in scope. */
  evaluate(src: string, locals?: Record<string, unknown>): Promise<unknown>;
  /** Locators to paint over in screenshots. */
  masks(extra?: Target[]): Promise<Locator[]>;
  timeoutMs: number;
  /** Sent with http steps (Idempotency-Key: job uid + step path) so a server can drop a repeat. */
  idempotencyKey: string;
  /** Fires when the attempt is stopped at once (shutdown, fenced): requests in flight are aborted. */
  signal?: AbortSignal;
  /** Decides where goto and http may go (the browser's own requests are routed through it too). */
  egress: EgressGuard;
  /** Credential slots a template reads: their values are checked against their Secrets' scopes before they leave. */
  credentialSlots(src: string): string[];
  /** Throws CredentialScopeDeniedError unless every slot may be used so at the URL (audited either way). */
  authorizeCredentials(c: Omit<UseCheck, 'step'>): Promise<void>;
  /** The job's artifacts and ConfigMap files, for download and upload steps (absent: they fail). */
  files?: StepFiles;
  /** The work queues of the run's namespace, for queueAdd steps (absent: they fail). */
  queues?: StepQueues;
}

export interface ActionResult {
  output?: unknown;
  /** Variables the step set. */
  vars?: Record<string, unknown>;
  /** A screenshot the step took (kept beside the checkpoint, not in the output). */
  image?: Buffer;
  /** Whether the step touched the browser (and so may have changed the session). */
  browser: boolean;
}

const text = (v: unknown): string =>
  v === undefined || v === null
    ? ''
    : typeof v === 'string'
      ? v
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);

export async function runAction(step: LeafStep, ctx: ActionContext): Promise<ActionResult> {
  const t = { timeout: ctx.timeoutMs };
  switch (step.action) {
    case 'setVariable':
      return { vars: { [step.name]: await ctx.render(step.value) }, output: undefined, browser: false };
    case 'http':
      return { output: await httpCall(step, ctx), browser: false };
    case 'goto': {
      const page = await ctx.page();
      const url = text(await ctx.render(step.url));
      await ctx.egress.check(url, 'navigation');
      const res = await page.goto(url, { waitUntil: step.waitUntil ?? 'load', ...t });
      const status = res?.status() ?? 0;
      // An error page is a failed navigation for a robot, even though the browser shows it.
      if (status >= 400) throw new Error(`navigation to ${loggableUrl(url)} answered HTTP ${status}`);
      return { output: { url: page.url(), status }, browser: true };
    }
    case 'click': {
      const page = await ctx.page();
      const target = await ctx.locate(step.target);
      await closingItsTab(page, () => target.click({ ...t, button: step.button, clickCount: step.clickCount }));
      await settle(page, ctx.timeoutMs);
      return { browser: true };
    }
    case 'fill': {
      const loc = await ctx.locate(step.target);
      const value = text(await ctx.render(step.value));
      const slots = ctx.credentialSlots(step.value);
      if (slots.length === 0) await loc.fill(value, t);
      else await typeCredential(loc, slots, ctx, (h) => h.fill(value, t));
      return { browser: true };
    }
    case 'select': {
      const value = text(await ctx.render(step.value));
      const loc = await ctx.locate(step.target);
      // The value may name the option's value or its label.
      const byValue = await loc.locator(`option[value="${value.replace(/["\\]/g, '\\$&')}"]`).count();
      await loc.selectOption(byValue > 0 ? { value } : { label: value }, t);
      return { browser: true };
    }
    case 'check':
      await (await ctx.locate(step.target)).check(t);
      return { browser: true };
    case 'uncheck':
      await (await ctx.locate(step.target)).uncheck(t);
      return { browser: true };
    case 'press': {
      const page = await ctx.page();
      const target = step.target && (await ctx.locate(step.target));
      await closingItsTab(page, () => (target ? target.press(step.key, t) : page.keyboard.press(step.key)));
      await settle(page, ctx.timeoutMs);
      return { browser: true };
    }
    case 'hover':
      await (await ctx.locate(step.target)).hover(t);
      return { browser: true };
    case 'extractText': {
      const loc = await ctx.locate(step.target, { expect: step.all ? 'any' : 'one' });
      if (step.all) {
        await loc.first().waitFor({ state: 'attached', ...t });
        return { output: (await loc.allInnerTexts()).map((s) => s.trim()), browser: true };
      }
      return { output: (await loc.innerText(t)).trim(), browser: true };
    }
    case 'extractAttribute': {
      const loc = await ctx.locate(step.target, { expect: step.all ? 'any' : 'one' });
      if (step.all) {
        await loc.first().waitFor({ state: 'attached', ...t });
        return {
          output: await loc.evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), step.attribute),
          browser: true,
        };
      }
      return { output: await loc.getAttribute(step.attribute, t), browser: true };
    }
    case 'screenshot': {
      const page = await ctx.page();
      const mask = await ctx.masks(step.mask?.elements);
      const image = step.target
        ? await (await ctx.locate(step.target)).screenshot({ ...t, mask, maskColor: '#FF00FF', animations: 'disabled' })
        : await maskedScreenshot(page, { fullPage: step.fullPage, mask, timeoutMs: ctx.timeoutMs });
      const sha256 = createHash('sha256').update(image).digest('hex');
      return { output: { name: step.name ?? step.id, bytes: image.length, sha256 }, image, browser: true };
    }
    case 'assert':
      await assertStep(step, ctx);
      return { output: true, browser: step.condition === undefined };
    case 'download':
      return downloadAction(step, ctx);
    case 'upload':
      return uploadAction(step, ctx);
    case 'queueAdd':
      return queueAddAction(step, ctx);
    default:
      return runBrowserAction(step, ctx);
  }
}

/**
 * Runs a click or key press that may close its own tab (a pop-up's "Close" button calls window.close()).
 * Playwright's click waits on the page after dispatching the event, so when the page closes meanwhile
 * it throws "Target page, context or browser has been closed" although the click did what it should:
 * a page that is closed once the action failed counts as done (seen in tabs-takeover.int on a loaded machine).
 */
async function closingItsTab(page: Page, act: () => Promise<unknown>): Promise<void> {
  try {
    await act();
  } catch (err) {
    if (page.isClosed()) return;
    throw err;
  }
}

/** After a click or key press that navigates, wait until the new page is there before capturing it. */
async function settle(page: Page, timeoutMs: number): Promise<void> {
  // A click may close its own tab (a pop-up's "Close" button calls window.close()): there is no page to
  // wait for then, and the click did what it should. The next step acts on a tab still open (the
  // interpreter's ensureSession activates one). Without this the step failed with "Target page closed".
  if (page.isClosed()) return;
  try {
    await page.waitForLoadState('domcontentloaded', { timeout: timeoutMs });
  } catch (err) {
    if (page.isClosed()) return;
    throw err;
  }
}

async function assertStep(step: Extract<LeafStep, { action: 'assert' }>, ctx: ActionContext): Promise<void> {
  const fail = (why: string) => {
    throw new Error(step.message ?? `assertion failed: ${why}`);
  };
  if (step.condition !== undefined) {
    if (!(await ctx.condition(step.condition))) fail(`condition ${step.condition} is false`);
    return;
  }
  if (step.url !== undefined) {
    const page = await ctx.page();
    const want = text(await ctx.render(step.url));
    if (!globMatch(want, page.url())) fail(`URL is ${page.url()}, expected ${want}`);
    return;
  }
  const loc = (await ctx.locate(step.target!, { expect: step.visible === false ? 'any' : 'one' })).first();
  if (step.visible !== undefined) {
    try {
      await loc.waitFor({ state: step.visible ? 'visible' : 'hidden', timeout: ctx.timeoutMs });
    } catch {
      fail(`${describeTarget(step.target!)} is ${step.visible ? 'not visible' : 'still visible'}`);
    }
    return;
  }
  const want = text(await ctx.render(step.text!));
  const got = (await loc.innerText({ timeout: ctx.timeoutMs })).trim();
  if (step.exact ? got !== want : !got.includes(want))
    fail(`text of ${describeTarget(step.target!)} is ${JSON.stringify(got.slice(0, 200))}`);
}

/**
 * Types a credential into one element: the page's URL and the element's frame (and the frames around it)
 * must all be in the Secret's scope for `fill`. The element is held by a handle from the check to the
 * typing, so a navigation in between detaches it and the typing fails rather than going elsewhere.
 */
export async function typeCredential(
  loc: Locator,
  slots: string[],
  ctx: Pick<ActionContext, 'page' | 'authorizeCredentials' | 'timeoutMs'>,
  act: (h: ElementHandle) => Promise<void>,
): Promise<void> {
  const handle = await loc.elementHandle({ timeout: ctx.timeoutMs });
  try {
    const urls = new Set([(await ctx.page()).url()]);
    for (let f = await handle.ownerFrame(); f; f = f.parentFrame()) urls.add(f.url());
    for (const url of urls) await ctx.authorizeCredentials({ slots, usage: 'fill', url });
    await act(handle);
  } finally {
    await handle.dispose().catch(() => undefined);
  }
}

/** Which credential slots ride in which part of an http request. */
interface CredentialParts {
  url: string[];
  headers: Map<string, string[]>;
  body: string[];
}

/**
 * Before every hop (the first request and each redirect): each credential still carried must be in its
 * Secret's scope for that URL — the URL's slots (a redirect's Location may echo them), the slots of each
 * header still sent (authority headers are dropped across origins), the body's while a body is sent.
 */
function credentialHopCheck(parts: CredentialParts, ctx: ActionContext, firstUrl: string): ((hop: RequestHop) => Promise<void>) | undefined {
  const any = parts.url.length > 0 || parts.body.length > 0 || [...parts.headers.values()].some((s) => s.length > 0);
  if (!any) return undefined;
  return async (hop) => {
    const context = hop.index > 0 ? `the redirect from ${loggableUrl(firstUrl)} to ${loggableUrl(hop.url.href)} was not followed:` : undefined;
    const c = { url: hop.url.href, ...(context && { context }) };
    if (parts.url.length > 0) await ctx.authorizeCredentials({ ...c, slots: parts.url, usage: 'url' });
    const headerSlots = Object.keys(hop.headers).flatMap((h) => parts.headers.get(h.toLowerCase()) ?? []);
    if (headerSlots.length > 0) await ctx.authorizeCredentials({ ...c, slots: headerSlots, usage: 'header' });
    if (hop.body !== undefined && parts.body.length > 0) await ctx.authorizeCredentials({ ...c, slots: parts.body, usage: 'body' });
  };
}

async function httpCall(
  step: Extract<LeafStep, { action: 'http' }>,
  ctx: ActionContext,
): Promise<{ status: number; body: unknown }> {
  const url = text(await ctx.render(step.url));
  const headers: Record<string, string> = { 'idempotency-key': ctx.idempotencyKey };
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = text(await ctx.render(v));
  let body: string | undefined;
  if (step.body !== undefined) {
    const v = await ctx.render(step.body);
    body = typeof v === 'string' ? v : JSON.stringify(v);
    if (typeof v !== 'string') headers['content-type'] ??= 'application/json';
  }
  const parts: CredentialParts = {
    url: ctx.credentialSlots(step.url),
    headers: new Map(Object.entries(step.headers ?? {}).map(([k, v]) => [k.toLowerCase(), ctx.credentialSlots(v)])),
    body: step.body !== undefined ? ctx.credentialSlots(step.body) : [],
  };
  const beforeHop = credentialHopCheck(parts, ctx, url);
  const res = await guardedRequest(ctx.egress, { url, method: step.method, headers, body, timeoutMs: ctx.timeoutMs, ...(beforeHop && { beforeHop }), ...(ctx.signal && { signal: ctx.signal }) });
  const raw = res.text;
  const isJson = (res.headers['content-type'] ?? '').includes('json');
  let parsed: unknown = raw;
  if (isJson) {
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = raw;
    }
  }
  if (res.status >= 400) throw new Error(`${step.method} ${loggableUrl(res.url)} answered HTTP ${res.status}`);
  return { status: res.status, body: parsed };
}
