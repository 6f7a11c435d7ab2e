#!/usr/bin/env node
// `npm run setup` (also the first step of `npm test`): makes this machine able to run the test suite.
// Idempotent and quick when nothing is missing:
//   1. Debian packages (PostgreSQL >= 15, Chromium, fonts, openssl, prometheus for its promtool):
//      installed when run as root, `apt-get update` only when something is missing; the Prometheus
//      daemon that comes with promtool is left stopped and disabled;
//   2. npm ci when node_modules is missing or older than package-lock.json;
//   3. the test control plane (etcd, kube-apiserver, kube-controller-manager) built from e2e/kube
//      with Go, cached under ~/.cache/aether/kube/<hash> (a cold build takes minutes).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const isRoot = process.getuid?.() === 0;
const t0 = Date.now();

function say(msg) {
  console.error(`setup: ${msg}`);
}

function fail(what, howToFix) {
  console.error(`\nsetup FAILED: ${what}\n  ${howToFix}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}

// ---- 1. Debian packages ----

function dpkgInstalled(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .includes('install ok installed');
  } catch {
    return false;
  }
}

function postgresOk() {
  const dir = '/usr/lib/postgresql';
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((v) => Number(v) >= 15 && existsSync(join(dir, v, 'bin', 'postgres')));
}

const packages = [
  { name: 'postgresql', ok: postgresOk },
  { name: 'chromium', ok: () => existsSync('/usr/bin/chromium') },
  { name: 'fonts-liberation', ok: () => dpkgInstalled('fonts-liberation') },
  { name: 'openssl', ok: () => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 },
  // promtool checks the /metrics exposition and the chart's alert rules (e2e/observability).
  { name: 'prometheus', ok: () => existsSync('/usr/bin/promtool') },
];

/** PIDs of running Prometheus servers (the daemon of Debian's package). */
function prometheusPids() {
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readlinkSync(`/proc/${pid}/exe`) === '/usr/bin/prometheus';
    } catch {
      return false;
    }
  });
}

/**
 * Debian's prometheus package enables and (under systemd) starts a Prometheus server listening on :9090
 * of every interface. The tests need only its promtool: stop the daemon and keep it from starting at boot.
 */
function keepPrometheusDaemonOff() {
  if (existsSync('/run/systemd/system')) run('systemctl', ['disable', '--now', 'prometheus.service']);
  else if (existsSync('/etc/init.d/prometheus')) {
    run('/etc/init.d/prometheus', ['stop'], { stdio: 'ignore' });
    run('update-rc.d', ['prometheus', 'disable'], { stdio: 'ignore' });
  }
  const pids = prometheusPids();
  if (pids.length > 0)
    fail(`the Prometheus daemon installed with promtool is running (pid ${pids.join(', ')})`, 'stop it: systemctl disable --now prometheus (or kill it)');
  say('the prometheus package is installed for promtool; its daemon is stopped and disabled');
}
const missing = packages.filter((p) => !p.ok()).map((p) => p.name);
if (missing.length > 0) {
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot)
    fail(`missing Debian packages: ${missing.join(', ')}`, `as root run: ${cmd}   (then retry: npm run setup)`);
  if (!existsSync('/usr/bin/apt-get'))
    fail(`missing packages ${missing.join(', ')} and no apt-get`, 'install them with your package manager');
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update'], { env }))
    fail('apt-get update failed', `check the network and apt sources, then retry: ${cmd}`);
  if (!run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env }))
    fail(`apt-get install ${missing.join(' ')} failed`, `see apt's output above; retry: ${cmd}`);
  if (missing.includes('prometheus')) keepPrometheusDaemonOff();
  const still = packages.filter((p) => !p.ok()).map((p) => p.name);
  if (still.length)
    fail(
      `still missing after apt-get install: ${still.join(', ')}`,
      'PostgreSQL must be version 15 or newer (Debian 12 or newer has it)',
    );
} else {
  say('Debian packages present (postgresql, chromium, fonts-liberation, openssl, prometheus)');
}

// ---- 2. node_modules ----

const lock = join(root, 'package-lock.json');
const installedMarker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(installedMarker) || statSync(installedMarker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  say('running npm ci (node_modules missing or older than package-lock.json)');
  if (!run('npm', ['ci', '--no-audit', '--no-fund'])) fail('npm ci failed', 'see npm output above; retry: npm ci');
} else {
  say('node_modules up to date');
}

// ---- 3. the test control plane ----

const build = spawnSync('bash', [join(root, 'e2e', 'kube', 'build.sh')], {
  stdio: ['ignore', 'pipe', 'inherit'],
  cwd: root,
});
if (build.status !== 0)
  fail(
    'building the test control plane (Go) failed; the reason is printed above',
    'fix it, then retry: bash e2e/kube/build.sh',
  );
const binDir = build.stdout.toString().trim().split('\n').pop();

say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (kube binaries: ${binDir})`);
