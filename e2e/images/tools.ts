// The Debian packages `npm run images` needs (mmdebstrap, umoci, and the OCI runtime: runc or crun):
// installed when run as root, as `npm run setup` does for its packages; otherwise the command to run
// is printed.
import { spawnSync } from 'node:child_process';
import type { OciRuntime } from './container.js';

export const tools = (runtime: OciRuntime) => [
  { command: 'mmdebstrap', pkg: 'mmdebstrap' },
  { command: 'umoci', pkg: 'umoci' },
  { command: runtime, pkg: runtime },
];

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Returns null when every tool is there (installing what is missing as root), else what to tell the user. */
export function ensureTools(runtime: OciRuntime, say: (msg: string) => void): string | null {
  const TOOLS = tools(runtime);
  const missing = TOOLS.filter((t) => !has(t.command)).map((t) => t.pkg);
  const isRoot = process.getuid?.() === 0;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot) {
    return missing.length > 0
      ? `npm run images needs root (mmdebstrap --mode=root, ${runtime}) and missing Debian packages; as root run: ${cmd}   then: npm run images`
      : `npm run images needs root (mmdebstrap --mode=root makes the root file system, ${runtime} runs the container): run it as root`;
  }
  if (missing.length === 0) return null;
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env }).status ===
    0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (!install()) return `apt-get install ${missing.join(' ')} failed (see above); retry: ${cmd}`;
  }
  const still = TOOLS.filter((t) => !has(t.command)).map((t) => t.pkg);
  return still.length > 0 ? `still missing after apt-get install: ${still.join(', ')}` : null;
}
