// Answers the dialogs (alert, confirm, prompt, beforeunload) of every tab of a job's context, as the
// running step's policy says, and remembers the last one so the step can report it. Without a
// listener Playwright dismisses them silently; with one, each must be answered or the page hangs.
import type { BrowserContext, Dialog, Page } from 'playwright-core';

export interface DialogAnswer {
  action: 'accept' | 'dismiss';
  /** The answer to a prompt() when accepting. */
  promptText?: string;
}

/** A dialog as later steps see it (`steps.<id>.dialog`). */
export interface SeenDialog {
  type: string;
  message: string;
  /** A prompt's default value. */
  defaultValue?: string;
  answer: 'accepted' | 'dismissed';
}

const MAX_TEXT = 2000;

export class DialogResponder {
  /** How the next dialog is answered; the engine sets it before each step. */
  answer: DialogAnswer = { action: 'dismiss' };
  /** The last dialog answered since the engine last cleared it. */
  last: SeenDialog | undefined;

  attach(context: BrowserContext): void {
    const watch = (page: Page) => page.on('dialog', (d) => void this.respond(d));
    for (const page of context.pages()) watch(page);
    context.on('page', watch);
  }

  private async respond(d: Dialog): Promise<void> {
    const a = this.answer;
    const type = d.type();
    this.last = {
      type,
      message: d.message().slice(0, MAX_TEXT),
      ...(type === 'prompt' && { defaultValue: d.defaultValue().slice(0, MAX_TEXT) }),
      answer: a.action === 'accept' ? 'accepted' : 'dismissed',
    };
    try {
      if (a.action === 'accept') await d.accept(type === 'prompt' ? a.promptText : undefined);
      else await d.dismiss();
    } catch {
      // The page closed while the dialog was open: nothing left to answer.
    }
  }
}
