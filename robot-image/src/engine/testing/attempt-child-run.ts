// Runs testing/attempt-child.ts as a separate robot process (crash and take-over tests) and reads its RESULT line.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');

export interface ChildResult {
  status: string;
  outputs?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  screenshots?: Record<string, string>;
  takeOver?: string;
  ran: string[];
  error?: unknown;
}

export function runChild(
  attempt: Record<string, unknown>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; result?: ChildResult; stderr: string }> {
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
      resolve({ code, signal, result: line ? (JSON.parse(line.slice(7)) as ChildResult) : undefined, stderr: err });
    });
  });
}
