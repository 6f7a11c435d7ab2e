// Stops and restarts the chaos suite's own PostgreSQL (never the shared one of the test run) with
// pg_ctl on its data directory, as an operator restarting or failing over a database would. After
// the first restart the server is no longer the harness's child, so shutdown() goes through pg_ctl too.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresBinDir, runAs, type RunningPostgres } from '../harness/postgres.js';

const run = promisify(execFile);

export interface PostgresOutages {
  /** Stops the server (`fast`: a clean shutdown that ends every session; `immediate`: like a crash). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops whatever server runs on the data directory now, and removes the directory. */
  shutdown(): Promise<void>;
}

/** The postmaster's PID from postmaster.pid, if a server runs on the data directory. */
function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function postgresOutages(pg: RunningPostgres): PostgresOutages {
  const pgCtl = join(postgresBinDir(), 'pg_ctl');
  const user = runAs();
  const ctl = async (args: string[]) => {
    try {
      await run(pgCtl, [...args, '-D', pg.dataDir], { ...user, timeout: 90_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string };
      throw new Error(`pg_ctl ${args[0]} failed: ${(e.stderr || e.stdout || String(err)).trim()}`, { cause: err });
    }
  };
  // A run that dies between a restart and shutdown() must not leave a server behind.
  const onExit = () => {
    const pid = postmasterPid(pg.dataDir);
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* gone */
      }
    }
  };
  process.on('exit', onExit);
  let restarted = false;
  return {
    stop: (mode) => ctl(['stop', '-m', mode, '-w', '-t', '60']),
    async start() {
      restarted = true;
      await ctl(['start', '-w', '-t', '60', '-l', join(pg.dataDir, 'restarted.log')]);
    },
    async shutdown() {
      process.off('exit', onExit);
      // pg.stop() signals the PID the harness started, which after a restart may belong to anyone.
      if (!restarted) return pg.stop();
      if (postmasterPid(pg.dataDir))
        await ctl(['stop', '-m', 'fast', '-w', '-t', '30']).catch(() => ctl(['stop', '-m', 'immediate', '-w']));
      rmSync(pg.dataDir, { recursive: true, force: true });
    },
  };
}
