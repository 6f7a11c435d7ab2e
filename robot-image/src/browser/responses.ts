// The responses a job's tabs received lately, so a `waitFor response` step also sees a response that
// arrived during the step before it (the click that caused it), not only those after it started.
import type { BrowserContext } from 'playwright-core';

export interface SeenResponse {
  url: string;
  status: number;
}

const MAX_ENTRIES = 500;

export class ResponseLog {
  #entries: Array<SeenResponse & { step: number }> = [];
  #step = 0;

  attach(context: BrowserContext): void {
    context.on('response', (r) => {
      this.#entries.push({ url: r.url(), status: r.status(), step: this.#step });
      if (this.#entries.length > MAX_ENTRIES) this.#entries.shift();
    });
  }

  /** A step begins: responses from before the previous step are forgotten. */
  stepStarted(): void {
    this.#step++;
    this.#entries = this.#entries.filter((e) => e.step >= this.#step - 1);
  }

  /** Responses since the previous step began, oldest first. */
  recent(): SeenResponse[] {
    return this.#entries.map(({ url, status }) => ({ url, status }));
  }
}
