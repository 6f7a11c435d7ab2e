// How a robot starts Chromium: Debian's binary, no sandbox (the pod is the sandbox), and nothing
// that talks to the network on its own, so a job's traffic is only the job's.
import { chromium, type Browser } from 'playwright-core';
import { BrowserUnavailableError } from './discover.js';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumOptions {
  executablePath?: string;
  headless?: boolean;
}

/**
 * Starts Chromium. A browser that does not start is a fault of the machine (missing, broken, out of
 * memory), never of a job: it fails with BrowserUnavailableError, which the job handler hands back
 * instead of counting as a failed attempt.
 */
export async function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  const executablePath = opts.executablePath ?? '/usr/bin/chromium';
  try {
    return await launch(executablePath, opts);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new BrowserUnavailableError(`Chromium at ${executablePath} could not start: ${first}`, undefined, { cause: err });
  }
}

function launch(executablePath: string, opts: ChromiumOptions): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: opts.headless ?? true,
    args: [...CHROMIUM_ARGS],
    // The process owner decides what a signal means (hand jobs back, finish them); Playwright's own
    // handlers would close the browser under a running job and, for SIGINT, exit the process.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
