// One Chromium per robot, shared by its jobs; each job gets its own BrowserContext. If Chromium
// dies (OOM, crash) the next job relaunches it, and the restart is counted for metrics.
// A blank context with its page is kept ready ahead of the next job: opening a page starts a
// renderer process, which is most of a job's start time.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { Logger } from '../../../api/log.js';
import { launchChromium, type ChromiumOptions } from './chromium.js';

export class BrowserHost {
  #browser: Browser | undefined;
  #launching: Promise<Browser> | undefined;
  #launches = 0;
  #closed = false;
  #spare: Promise<{ context: BrowserContext; page: Page; browser: Browser } | undefined> | undefined;

  constructor(
    private readonly opts: ChromiumOptions & { logger?: Logger; /** default true */ keepSpare?: boolean } = {},
  ) {}

  /** Times Chromium was launched again after the first launch. */
  get restarts(): number {
    return Math.max(0, this.#launches - 1);
  }

  get connected(): boolean {
    return this.#browser?.isConnected() ?? false;
  }

  /** The running browser, launched (again) when there is none. */
  async browser(): Promise<Browser> {
    if (this.#closed) throw new Error('browser host is closed');
    if (this.#browser?.isConnected()) return this.#browser;
    this.#launching ??= this.#launch().finally(() => (this.#launching = undefined));
    return this.#launching;
  }

  /** Service workers are always blocked: the egress guard's routing would not see their requests. */
  async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const browser = await this.browser();
    return browser.newContext({ ...options, serviceWorkers: 'block' });
  }

  /** A fresh context with one blank page, for a job that starts without a session. */
  async freshPage(): Promise<{ context: BrowserContext; page: Page }> {
    // Take the spare before awaiting it: two jobs starting together must never both get it.
    const pending = this.#spare;
    this.#spare = undefined;
    const spare = await pending;
    if (spare && spare.browser.isConnected() && !spare.page.isClosed()) {
      this.#prepareSpare();
      return { context: spare.context, page: spare.page };
    }
    await spare?.context.close().catch(() => undefined);
    const context = await this.newContext();
    this.#prepareSpare();
    return { context, page: await context.newPage() };
  }

  #prepareSpare(): void {
    if (this.#closed || this.opts.keepSpare === false) return;
    this.#spare = (async () => {
      const browser = await this.browser();
      const context = await browser.newContext({ serviceWorkers: 'block' });
      return { context, page: await context.newPage(), browser };
    })().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const spare = await this.#spare;
    await spare?.context.close().catch(() => undefined);
    const b = this.#browser ?? (await this.#launching?.catch(() => undefined));
    this.#browser = undefined;
    await b?.close().catch(() => undefined);
  }

  async #launch(): Promise<Browser> {
    const browser = await launchChromium(this.opts);
    this.#launches++;
    if (this.#launches > 1) this.opts.logger?.warn({ restarts: this.restarts }, 'relaunched Chromium');
    browser.on('disconnected', () => {
      if (this.#browser === browser) this.#browser = undefined;
    });
    this.#browser = browser;
    // Any spare from before belonged to a browser that is gone.
    this.#prepareSpare();
    return browser;
  }
}
