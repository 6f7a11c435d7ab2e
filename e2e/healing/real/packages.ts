// Pinned npm packages of the real corpus, fetched on demand into a cache OUTSIDE the repository
// (~/.cache/aether/healing-real/<pkg>@<ver>); never project dependencies. Idempotent: a package whose
// folder is complete (marker file) is not fetched again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CACHE_DIR = process.env.AETHER_HEALING_REAL_CACHE ?? join(homedir(), '.cache', 'aether', 'healing-real');

/**
 * 'pack': the package's own tarball only (static bundles: swagger-ui-dist, redoc, jsoneditor);
 * 'install': the package with its dependencies (apps run as servers: node-red, verdaccio).
 */
export type FetchMode = 'pack' | 'install';

/** The folder holding the package's files (package.json at its root). */
export function ensurePackage(pkg: string, version: string, mode: FetchMode): string {
  const dir = join(CACHE_DIR, `${mode === 'pack' ? '' : 'inst-'}${pkg}@${version}`);
  const root = mode === 'pack' ? join(dir, 'package') : join(dir, 'node_modules', pkg);
  const done = join(dir, '.complete');
  if (existsSync(done)) return root;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const npm = (...args: string[]) => execFileSync('npm', args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  if (mode === 'pack') {
    npm('pack', `${pkg}@${version}`, '--silent');
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg}@${version} produced no tarball`);
    execFileSync('tar', ['xzf', tgz], { cwd: dir });
    rmSync(join(dir, tgz));
  } else {
    writeFileSync(join(dir, 'package.json'), '{"name":"healing-real-app","private":true}\n');
    npm('install', '--no-audit', '--no-fund', '--omit=dev', `${pkg}@${version}`);
  }
  if (!existsSync(join(root, 'package.json'))) throw new Error(`${pkg}@${version}: no package.json in ${root}`);
  writeFileSync(done, new Date().toISOString() + '\n');
  return root;
}
