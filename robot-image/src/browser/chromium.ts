// How a robot starts Chromium: Debian's binary, nothing that talks to the network on its own (so a
// job's traffic is only the job's), and Chromium's own sandbox where the kernel allows it.
//
// The sandbox (Linux namespaces + seccomp-bpf) needs a non-root process and unprivileged user
// namespaces. As root Chromium refuses to start with it, and a container runtime's seccomp profile may
// forbid user namespaces; there the robot runs with --no-sandbox and says so in its log (README
// "Security model").
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { Logger } from '../../../api/log.js';
import { BrowserUnavailableError } from './discover.js';

/** Flags of every launch; the sandbox flag is added by chromiumArgs. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumArgs(sandbox: boolean): string[] {
  return [...(sandbox ? [] : ['--no-sandbox']), ...CHROMIUM_ARGS];
}

export type SandboxDecision = { sandbox: true } | { sandbox: false; reason: string };

/** What the kernel says about user namespaces, read from /proc/sys (undefined: the file is absent). */
export interface SandboxFacts {
  uid: number;
  /** /proc/sys/user/max_user_namespaces */
  maxUserNamespaces?: number;
  /** /proc/sys/kernel/unprivileged_userns_clone (Debian kernels) */
  unprivilegedUsernsClone?: number;
  /** /proc/sys/kernel/apparmor_restrict_unprivileged_userns (Ubuntu 23.10+) */
  apparmorRestrictsUserns?: number;
}

/** Whether to try Chromium's sandbox. A try can still fail (a seccomp profile): launchChromium falls back then. */
export function decideSandbox(f: SandboxFacts): SandboxDecision {
  if (f.uid === 0) return { sandbox: false, reason: 'running as root (Chromium refuses its sandbox as root)' };
  if (f.maxUserNamespaces === 0) return { sandbox: false, reason: 'user namespaces are disabled (user.max_user_namespaces=0)' };
  if (f.unprivilegedUsernsClone === 0)
    return { sandbox: false, reason: 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)' };
  if (f.apparmorRestrictsUserns === 1)
    return { sandbox: false, reason: 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)' };
  return { sandbox: true };
}

function sysctl(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export function sandboxFacts(): SandboxFacts {
  const opt = (k: keyof SandboxFacts, v: number | undefined) => (v === undefined ? {} : { [k]: v });
  return {
    uid: process.getuid?.() ?? 0,
    ...opt('maxUserNamespaces', sysctl('/proc/sys/user/max_user_namespaces')),
    ...opt('unprivilegedUsernsClone', sysctl('/proc/sys/kernel/unprivileged_userns_clone')),
    ...opt('apparmorRestrictsUserns', sysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')),
  };
}

export interface ChromiumOptions {
  executablePath?: string;
  headless?: boolean;
  /** Absent: decided from this process and the kernel (decideSandbox). */
  sandbox?: SandboxDecision;
  logger?: Logger;
}

/**
 * Starts Chromium. A browser that does not start is a fault of the machine (missing, broken, out of
 * memory), never of a job: it fails with BrowserUnavailableError, which the job handler hands back
 * instead of counting as a failed attempt.
 */
export async function launchChromium(opts: ChromiumOptions = {}): Promise<Browser> {
  const executablePath = opts.executablePath ?? '/usr/bin/chromium';
  let decision = opts.sandbox ?? decideSandbox(sandboxFacts());
  try {
    let browser: Browser;
    try {
      browser = await launch(executablePath, opts, decision.sandbox);
    } catch (err) {
      if (!decision.sandbox || !/sandbox|namespace|clone/i.test(err instanceof Error ? err.message : String(err))) throw err;
      decision = { sandbox: false, reason: 'the kernel or the container runtime refused the sandbox (user namespaces)' };
      browser = await launch(executablePath, opts, false);
    }
    if (decision.sandbox) opts.logger?.info({ sandbox: true }, 'launched Chromium with its sandbox');
    else opts.logger?.warn({ sandbox: false, reason: decision.reason }, 'launched Chromium without its sandbox');
    return browser;
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new BrowserUnavailableError(`Chromium at ${executablePath} could not start: ${first}`, undefined, { cause: err });
  }
}

function launch(executablePath: string, opts: ChromiumOptions, sandbox: boolean): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: opts.headless ?? true,
    args: chromiumArgs(sandbox),
    chromiumSandbox: sandbox,
    // The process owner decides what a signal means (hand jobs back, finish them); Playwright's own
    // handlers would close the browser under a running job and, for SIGINT, exit the process.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}
