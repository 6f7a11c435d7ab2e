// Runs the `aether` command as a user would: a child process of robot-image/src/local/bin.mjs.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'robot-image/src/local/bin.mjs');

export interface CliRun {
  child: ChildProcess;
  /** Resolves when stderr contains `text` (e.g. a progress line). */
  stderrContains(text: string): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `env` adds to this process's environment (e.g. KUBECONFIG and AETHER_DATABASE_URL for a cluster). */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NODE_OPTIONS: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters.filter((x) => stderr.includes(x.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    done,
    stderrContains: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void done.then(() => reject(new Error(`the CLI exited before printing "${text}":\n${stderr}`)));
      }),
  };
}

/**
 * A data directory for one test. The embedded PostgreSQL runs as another user when the tests run as
 * root, so the directory must be enterable by everyone.
 */
export function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aether-local-'));
  chmodSync(dir, 0o755);
  return path.join(dir, 'data');
}
