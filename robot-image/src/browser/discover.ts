// Where a robot (and `aether run`) finds its browser. The choice is a pure function of the candidate
// paths and a file-exists predicate; `findBrowser` feeds it this machine's candidates:
//   1. an explicit path (`--chromium`, AETHER_CHROMIUM_PATH) — used as given, never skipped;
//   2. AETHER_BROWSER_CANDIDATES (paths separated by ":"), which REPLACES the list below (tests use it
//      to act as a machine without a browser);
//   3. Playwright's installed Chromium (`npx playwright-core install chromium`, PLAYWRIGHT_BROWSERS_PATH);
//   4. the usual places: /usr/bin/chromium, chromium-browser, google-chrome(-stable), snap, macOS apps;
//   5. the same names on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A browser that cannot be found or started: a fault of the machine, never of a job. */
export class BrowserUnavailableError extends Error {
  constructor(
    message: string,
    /** The command that installs one, when known. */
    readonly installCommand?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BrowserUnavailableError';
  }
}

export type BrowserPick =
  | { kind: 'found'; path: string; source: string }
  /** The explicit path does not exist: an error, not a reason to look elsewhere. */
  | { kind: 'explicit-missing'; path: string; source: string }
  | { kind: 'none'; looked: string[] };

export interface BrowserCandidates {
  explicit?: { path: string; source: string };
  /** In order of preference. */
  candidates: Array<{ path: string; source: string }>;
}

/** The first candidate that exists (an explicit one must). */
export function pickBrowser(c: BrowserCandidates, exists: (path: string) => boolean): BrowserPick {
  if (c.explicit) {
    return exists(c.explicit.path) ? { kind: 'found', ...c.explicit } : { kind: 'explicit-missing', ...c.explicit };
  }
  for (const cand of c.candidates) if (exists(cand.path)) return { kind: 'found', ...cand };
  return { kind: 'none', looked: [...new Set(c.candidates.map((x) => x.path))] };
}

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const WELL_KNOWN = [
  ...NAMES.map((n) => `/usr/bin/${n}`),
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** This machine's candidates, from the environment and Playwright's expected install path. */
export function browserCandidates(opts: {
  env: Record<string, string | undefined>;
  /** `--chromium PATH` (wins over AETHER_CHROMIUM_PATH). */
  explicitPath?: string;
  /** Where Playwright's own Chromium would be, if playwright-core knows. */
  playwrightPath?: string;
}): BrowserCandidates {
  const { env } = opts;
  const explicit = opts.explicitPath
    ? { path: opts.explicitPath, source: '--chromium' }
    : env.AETHER_CHROMIUM_PATH?.trim()
      ? { path: env.AETHER_CHROMIUM_PATH.trim(), source: 'AETHER_CHROMIUM_PATH' }
      : undefined;
  const listed = env.AETHER_BROWSER_CANDIDATES?.split(':').filter(Boolean);
  const candidates = listed
    ? listed.map((path) => ({ path, source: 'AETHER_BROWSER_CANDIDATES' }))
    : [
        ...(opts.playwrightPath ? [{ path: opts.playwrightPath, source: "Playwright's installed Chromium" }] : []),
        ...WELL_KNOWN.map((path) => ({ path, source: path })),
        ...(env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .flatMap((dir) => NAMES.map((n) => ({ path: join(dir, n), source: 'PATH' }))),
      ];
  return { ...(explicit && { explicit }), candidates };
}

/** What to do without a browser: install it here (root with apt-get), or tell the user the command. */
export function installAdvice(opts: { isRoot: boolean; hasAptGet: boolean }): { install: boolean; command: string } {
  const apt = 'apt-get update && apt-get install -y --no-install-recommends chromium';
  if (opts.hasAptGet && opts.isRoot) return { install: true, command: apt };
  if (opts.hasAptGet) return { install: false, command: `sudo sh -c '${apt}'` };
  return { install: false, command: 'npx playwright-core install chromium' };
}

/** An executable regular file. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where playwright-core would keep its own Chromium; undefined when it cannot say. */
export async function playwrightChromiumPath(): Promise<string | undefined> {
  try {
    const { chromium } = await import('playwright-core');
    return chromium.executablePath() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The browser of this machine, or a BrowserUnavailableError that names where it looked and the
 * command that installs one.
 */
export async function findBrowser(opts: {
  env: Record<string, string | undefined>;
  explicitPath?: string;
  exists?: (path: string) => boolean;
}): Promise<{ path: string; source: string }> {
  const playwrightPath = await playwrightChromiumPath();
  const pick = pickBrowser(
    browserCandidates({
      env: opts.env,
      ...(opts.explicitPath && { explicitPath: opts.explicitPath }),
      ...(playwrightPath && { playwrightPath }),
    }),
    opts.exists ?? isExecutableFile,
  );
  if (pick.kind === 'found') return { path: pick.path, source: pick.source };
  const advice = installAdvice({ isRoot: process.getuid?.() === 0, hasAptGet: isExecutableFile('/usr/bin/apt-get') });
  if (pick.kind === 'explicit-missing')
    throw new BrowserUnavailableError(
      `${pick.source} names ${pick.path}, which is not an executable file`,
      advice.command,
    );
  throw new BrowserUnavailableError(
    `no Chromium or Chrome found (looked at ${pick.looked.slice(0, 6).join(', ')}${pick.looked.length > 6 ? ', …' : ''}); install one with:\n  ${advice.command}\nor point AETHER_CHROMIUM_PATH at a browser`,
    advice.command,
  );
}
