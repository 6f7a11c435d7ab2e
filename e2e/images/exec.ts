// Running the build tools (mmdebstrap, umoci, npm, tar, runc): their output goes to a log file, and a
// failure throws with the command and the end of that log.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Output is appended here; stdout is also returned. */
  logFile: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly tail: string,
  ) {
    super(`${command} exited with ${code}:\n${tail}`);
    this.name = 'CommandError';
  }
}

/** Runs a command to its end; resolves with its stdout, rejects with CommandError. */
export function exec(command: string, args: string[], opts: ExecOptions): Promise<string> {
  const shown = [command, ...args].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  appendFileSync(opts.logFile, `\n$ ${shown}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      appendFileSync(opts.logFile, d);
    });
    child.stderr.on('data', (d: Buffer) => appendFileSync(opts.logFile, d));
    child.once('error', (err) => reject(new Error(`${command} could not be started: ${err.message}`, { cause: err })));
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new CommandError(shown, code, readFileSync(opts.logFile, 'utf8').split('\n').slice(-25).join('\n')));
    });
  });
}
