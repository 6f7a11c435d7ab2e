// How a robot starts Chromium: Debian's binary, no sandbox (the pod is the sandbox), and nothing
// that talks to the network on its own, so a job's traffic is only the job's.
import { chromium, type Browser } from 'playwright-core';

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

export function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: opts.executablePath ?? '/usr/bin/chromium',
    headless: opts.headless ?? true,
    args: [...CHROMIUM_ARGS],
    // The process owner decides what a signal means (hand jobs back, finish them); Playwright's own
    // handlers would close the browser under a running job and, for SIGINT, exit the process.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
