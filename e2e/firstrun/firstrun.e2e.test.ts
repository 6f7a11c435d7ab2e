// The first run of a new user, for real: a fresh `git clone` of this checkout's HEAD in a directory
// only its owner may enter (mktemp -d, 0700 — like a clone under /root), `npm ci`, `npx aether run
// examples/rpajob.yaml`; the package `npm pack` makes, installed in an empty folder with its
// dependencies only; and a machine without a browser (AETHER_BROWSER_CANDIDATES names only paths that do
// not exist), as a user other than root. One clone, one `npm ci`, one install serve every test.
// Takes about 3-5 minutes (npm ci and npm install fetch from the npm cache or registry).
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO } from '../local/cli.js';

const isRoot = process.getuid?.() === 0;
const made: string[] = [];
let clone = '';
let installed = '';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], opts: SpawnOptions & { timeoutMs?: number }): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs a setup command; throws with its output when it fails. */
async function must(command: string, args: string[], cwd: string): Promise<Ran> {
  const r = await run(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' }, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The /var/tmp places a run printed (PostgreSQL's data or binaries), removed after the tests. */
function sharedPlaces(stderr: string): string[] {
  return [...stderr.matchAll(/(\/var\/tmp\/aether-[-0-9a-z]+)/g)].map((m) => m[1]!);
}

function tempDir(mode: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aether-firstrun-'));
  chmodSync(dir, mode);
  made.push(dir);
  return dir;
}

/** The user's environment, without what would steer the run elsewhere. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  for (const k of ['AETHER_CHROMIUM_PATH', 'AETHER_BROWSER_CANDIDATES', 'AETHER_LOCAL_DIR']) delete env[k];
  return env;
}

beforeAll(async () => {
  // The committed HEAD of this checkout, as a new user gets it.
  const home = tempDir(0o700);
  clone = path.join(home, 'aether');
  await must('git', ['clone', '--quiet', REPO, clone], home);
  await must('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], clone);

  // The package as published: built by prepack, installed with its dependencies only.
  const packs = tempDir(0o755);
  await must('npm', ['pack', '--silent', '--pack-destination', packs], clone);
  const tarball = readdirSync(packs).find((f) => f.endsWith('.tgz'))!;
  installed = tempDir(0o755);
  writeFileSync(
    path.join(installed, 'package.json'),
    '{ "name": "first-user", "version": "1.0.0", "private": true }\n',
  );
  await must('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(packs, tarball)], installed);
}, 900_000);

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('first run', () => {
  it('git clone into a 0700 directory, npm ci, npx aether run examples/rpajob.yaml: exit 0, and a second run finds the first', async () => {
    expect(statSync(path.dirname(clone)).mode & 0o777).toBe(0o700);
    const first = await run('npx', ['aether', 'run', 'examples/rpajob.yaml'], { cwd: clone, env: cliEnv() });
    made.push(...sharedPlaces(first.stderr));
    expect({ code: first.code, stderr: first.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('succeeded'),
    });
    expect((JSON.parse(first.stdout) as { accepted?: boolean }).accepted).toBe(true);
    if (isRoot) {
      // PostgreSQL runs as another user, which cannot enter the clone: the place it got is printed once.
      expect(first.stderr).toMatch(
        /cannot enter .*\/aether\/\.aether\/local: its data is in \/var\/tmp\/aether-[0-9a-f]{16}/,
      );
      expect(first.stderr).toMatch(/using a copy of its binaries in \/var\/tmp\/aether-pg-[0-9a-f]{16}/);
    }

    // The same database again: the first run is finished, so this one gets the next run's UID.
    const second = await run('npx', ['aether', 'run', 'examples/rpajob.yaml'], { cwd: clone, env: cliEnv() });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('/var/tmp/');
    const uid = (r: Ran) => /queued run ([0-9a-f-]{36})/.exec(r.stderr)?.[1];
    expect(uid(first)).toBeDefined();
    expect(uid(second)).toBeDefined();
    expect(uid(second)).not.toBe(uid(first));
  }, 240_000);

  it('npm pack, installed in an empty folder with dependencies only: npx aether run exits 0', async () => {
    // Nothing of the development setup is there: no tsx, no TypeScript sources.
    expect(existsSync(path.join(installed, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(path.join(installed, 'node_modules/aether/robot-image/src/local/cli.ts'))).toBe(false);
    const r = await run('npx', ['aether', 'run', 'node_modules/aether/examples/rpajob.yaml'], {
      cwd: installed,
      env: cliEnv(),
    });
    made.push(...sharedPlaces(r.stderr));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('succeeded') });
    expect((JSON.parse(r.stdout) as { accepted?: boolean }).accepted).toBe(true);
  }, 240_000);

  it('without a browser, as a user other than root: exits 2 at once with the command that installs one, nothing started', async () => {
    const user = isRoot ? { uid: 65534, gid: 65534 } : {}; // nobody
    const work = tempDir(0o777);
    const bin = path.join(installed, 'node_modules/.bin/aether');
    const r = await run(bin, ['run', path.join(installed, 'node_modules/aether/examples/rpajob.yaml')], {
      cwd: work,
      ...user,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        AETHER_BROWSER_CANDIDATES: '/nonexistent/chromium:/nonexistent/google-chrome',
      },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.stderr).toContain(
      'no Chromium or Chrome found (looked at /nonexistent/chromium, /nonexistent/google-chrome)',
    );
    const apt = spawnSync('test', ['-x', '/usr/bin/apt-get']).status === 0;
    expect(r.stderr).toContain(
      apt
        ? "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'"
        : 'npx playwright-core install chromium',
    );
    // Nothing was started or queued: no data directory, no site, no progress.
    expect(existsSync(path.join(work, '.aether'))).toBe(false);
    expect(r.stderr).not.toMatch(/serving|queued|installing/);
  }, 60_000);
});
