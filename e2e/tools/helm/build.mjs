#!/usr/bin/env node
// Builds Helm from the Go module helm.sh/helm/v3 (pinned in go.mod next to this file) into
//   ~/.cache/aether/helm/<hash>/bin/helm
// where <hash> covers go.mod, go.sum and this script, so a version bump rebuilds and an unchanged
// checkout reuses the binary. Prints the binary's path as the last line of stdout.
//   node e2e/tools/helm/build.mjs            build if missing, print the path
//   node e2e/tools/helm/build.mjs --force    rebuild even if cached
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const moduleDir = dirname(fileURLToPath(import.meta.url));
const force = process.argv.includes('--force');

function fail(message) {
  console.error(`helm build failed: ${message}`);
  console.error(`retry with: node ${join('e2e', 'tools', 'helm', 'build.mjs')} --force   (needs Go >= 1.26 and the Go module proxy)`);
  process.exit(1);
}

function goList(args) {
  const r = spawnSync('go', ['list', ...args], { cwd: moduleDir, encoding: 'utf8' });
  if (r.error) fail(`cannot run go (${r.error.message}); install Go from https://go.dev/dl`);
  if (r.status !== 0) fail(`go list ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

const hash = createHash('sha256');
for (const f of ['go.mod', 'go.sum', 'build.mjs']) hash.update(f).update(readFileSync(join(moduleDir, f)));
const key = hash.digest('hex').slice(0, 16);
const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aether', 'helm');
const finalDir = join(cacheRoot, key);
const binary = join(finalDir, 'bin', 'helm');

if (existsSync(binary) && !force) {
  console.log(binary);
  process.exit(0);
}

// Same version stamping as Helm's Makefile: `helm version` and the default Capabilities.KubeVersion
// (used by `helm template` and `helm lint`) follow the client-go release Helm was built with.
const helmVersion = goList(['-m', '-f', '{{.Version}}', 'helm.sh/helm/v3']);
const clientGo = goList(['-m', '-f', '{{.Version}}', 'k8s.io/client-go']);
const [, minor] = /^v0\.(\d+)\./.exec(clientGo) ?? [];
if (!minor) fail(`unexpected k8s.io/client-go version ${clientGo}`);
const ldflags = [
  '-s',
  '-w',
  `-X helm.sh/helm/v3/internal/version.version=${helmVersion}`,
  `-X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
  `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1`,
  `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}`,
  `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1`,
  `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}`,
].join(' ');

mkdirSync(cacheRoot, { recursive: true });
const tmp = mkdtempSync(join(cacheRoot, `.build-${key}-`));
console.error(`building helm ${helmVersion} into ${finalDir} (a cold build downloads modules and takes a few minutes)`);
const started = Date.now();
const r = spawnSync(
  'go',
  ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', join(tmp, 'bin', 'helm'), 'helm.sh/helm/v3/cmd/helm'],
  { cwd: moduleDir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CGO_ENABLED: '0' } },
);
if (r.error || r.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  fail(r.error ? r.error.message : `go build exited with ${r.status} (see the compiler output above)`);
}
// Atomic publish: a concurrent build that finished first wins, ours is dropped.
rmSync(finalDir, { recursive: true, force: true });
try {
  renameSync(tmp, finalDir);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  if (!existsSync(binary)) fail(`could not move the build into ${finalDir}: ${err.message}`);
}
console.error(`built helm ${helmVersion} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(binary);
