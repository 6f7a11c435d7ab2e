// What `aether run` needs from the machine, checked before anything is queued: a browser (installed
// with apt-get when run as root on Debian/Ubuntu, as `npm run setup` does) and a database that starts.
// A missing part is a bad environment (exit 2), never a failed attempt of the job.
import { spawnSync } from 'node:child_process';
import { BrowserUnavailableError, findBrowser, installAdvice, isExecutableFile } from '../browser/discover.js';

/** The machine lacks something the run needs; the message says what and how to get it. */
export class EnvironmentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

/** The browser's path; installs Debian's chromium first when there is none and we may. */
export async function ensureBrowser(opts: {
  env: Record<string, string | undefined>;
  explicitPath?: string;
  say: (line: string) => void;
}): Promise<string> {
  const find = () => findBrowser({ env: opts.env, ...(opts.explicitPath && { explicitPath: opts.explicitPath }) });
  try {
    return (await find()).path;
  } catch (err) {
    if (!(err instanceof BrowserUnavailableError)) throw err;
    const advice = installAdvice({ isRoot: process.getuid?.() === 0, hasAptGet: isExecutableFile('/usr/bin/apt-get') });
    const explicit = opts.explicitPath !== undefined || Boolean(opts.env.AETHER_CHROMIUM_PATH?.trim());
    if (explicit || !advice.install) throw new EnvironmentError(err.message, { cause: err });
    opts.say(`no browser found: installing Debian's chromium (${advice.command})`);
    aptInstallChromium(opts.env, advice.command);
    try {
      return (await find()).path;
    } catch (again) {
      throw new EnvironmentError(`installed chromium, but still ${(again as Error).message}`, { cause: again });
    }
  }
}

function aptInstallChromium(env: Record<string, string | undefined>, command: string): void {
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { env: aptEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n').slice(-8).join('\n');
      throw new EnvironmentError(
        `apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${out}\nfix that, then run: ${command}`,
      );
    }
  }
}
