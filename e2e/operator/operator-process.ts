// Runs the operator as its own OS process (operator/src/main.ts through tsx), as a test or bench
// would see a deployed replica: its log goes to a file, its /metrics and /readyz to a local port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../harness/ports.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface OperatorProcess {
  identity: string;
  port: number;
  proc: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  metric(name: string): Promise<number | undefined>;
  ready(): Promise<boolean>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts operator/src/main.ts through tsx, or, with `compiledRoot`, the compiled dist/operator/src/main.js
 * under that folder (what the image runs; see compileOperator). `root`: another checkout whose operator
 * runs (a bench's A/B run against a base commit); default this one.
 */
export async function startOperatorProcess(opts: { identity: string; env: Record<string, string>; logDir: string; compiledRoot?: string; root?: string }): Promise<OperatorProcess> {
  const root = opts.root ?? REPO_ROOT;
  const port = await freePort();
  const logFile = join(opts.logDir, `operator-${opts.identity}.log`);
  const fd = openSync(logFile, 'a');
  const args = opts.compiledRoot ? [join(opts.compiledRoot, 'operator/src/main.js')] : ['--import', 'tsx', join(root, 'operator/src/main.ts')];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AETHER_METRICS_HOST: '127.0.0.1',
      AETHER_METRICS_PORT: String(port),
      AETHER_LEADER_ELECTION_IDENTITY: opts.identity,
      ...opts.env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const get = async (path: string) => fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return {
    identity: opts.identity,
    port,
    proc,
    logFile,
    exited,
    async metric(name) {
      const res = await get('/metrics');
      if (!res?.ok) return undefined;
      const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(' ')[1]) : undefined;
    },
    async ready() {
      return (await get('/readyz'))?.status === 200;
    },
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Compiles the project with tsc into `<repo>/.aether/bench-dist` (git-ignored; inside the repo so that
 * node_modules and "type": "module" resolve) with the migrations' SQL beside them, as the Dockerfile
 * does; returns that folder. Type errors elsewhere in the tree do not stop the emit.
 */
export function compileOperator(): string {
  const out = join(REPO_ROOT, '.aether', 'bench-dist');
  rmSync(out, { recursive: true, force: true });
  spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', out, '--noEmitOnError', 'false', '--sourceMap', 'false'], { cwd: REPO_ROOT, stdio: 'ignore' });
  if (!existsSync(join(out, 'operator/src/main.js'))) throw new Error(`tsc did not emit ${out}/operator/src/main.js`);
  cpSync(join(REPO_ROOT, 'migrations/sql'), join(out, 'migrations/sql'), { recursive: true });
  return out;
}
