// Runs attempt-child.ts in a new process (a robot in miniature) and collects its `RESULT <json>` line.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');

export interface ChildExit<R> {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The parsed RESULT line; absent when the process died first. */
  result?: R;
  /** The last 8000 characters of its stderr. */
  stderr: string;
}

export function runAttemptChild<R>(attempt: Record<string, unknown>): Promise<ChildExit<R>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'attempt-child.ts')], {
      cwd: root,
      env: { ...process.env, AETHER_ATTEMPT: JSON.stringify(attempt) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code, signal, result: line ? (JSON.parse(line.slice(7)) as R) : undefined, stderr: err });
    });
  });
}
