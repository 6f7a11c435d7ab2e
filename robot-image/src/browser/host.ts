// One Chromium per robot, shared by its jobs; each job gets its own BrowserContext. If Chromium
// dies (OOM, crash) the next job relaunches it, and the restart is counted for metrics.
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import type { Logger } from '../../../api/log.js';
import { launchChromium, type ChromiumOptions } from './chromium.js';

export class BrowserHost {
  #browser: Browser | undefined;
  #launching: Promise<Browser> | undefined;
  #launches = 0;
  #closed = false;

  constructor(
    private readonly opts: ChromiumOptions & { logger?: Logger } = {},
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

  async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const browser = await this.browser();
    return browser.newContext(options);
  }

  async close(): Promise<void> {
    this.#closed = true;
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
    return browser;
  }
}
