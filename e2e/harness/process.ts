// Child processes of the test harness: output to a log file, stopped with SIGTERM then SIGKILL, and
// killed when this process exits so that a crashed test run does not leave servers behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Exit code or signal once it exited, else null. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** The last bytes of its log, for error messages. */
  tail(bytes?: number): string;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export function startProcess(opts: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): ManagedProcess {
  installExitHook();
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
    // Same process group as the test run: a Ctrl-C in the terminal stops the servers too.
    detached: false,
  });
  closeSync(fd);
  child.unref();
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      exit = { code: -1, signal: null };
      live.delete(child);
      appendFileSync(opts.logFile, `${opts.name}: failed to start: ${err.message}\n`);
      resolve();
    });
  });
  live.add(child);
  const tail = (bytes = 3000) => {
    try {
      return readFileSync(opts.logFile, 'utf8').slice(-bytes);
    } catch {
      return '';
    }
  };
  return {
    name: opts.name,
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    child,
    exited: () => exit,
    tail,
    async stop(graceMs = 10_000) {
      if (exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
