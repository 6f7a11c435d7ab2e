// A container run by an OCI runtime (runc or crun: the same command line) from an unpacked bundle, in
// the foreground: its output is collected line by line; stop() is SIGTERM, then SIGKILL after a grace
// period, as the kubelet does.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { exec } from './exec.js';

export interface Container {
  id: string;
  lines: string[];
  exited: Promise<number | null>;
  exitCode(): number | null | undefined;
  /** The user and group ids of the container's first process, read from /proc on the host. */
  processIds(): Promise<{ pid: number; uid: number; gid: number; comm: string }[]>;
  stop(graceMs?: number): Promise<number | null>;
}

export type OciRuntime = 'runc' | 'crun';

const live = new Map<string, OciRuntime>();

/** Force-deletes every container this process started that is still there (on SIGINT/SIGTERM). */
export function deleteLiveContainers(): void {
  for (const [id, runtime] of live) spawnSync(runtime, ['delete', '--force', id], { stdio: 'ignore' });
  live.clear();
}

export function runContainer(opts: { runtime: OciRuntime; bundle: string; id: string; logFile: string }): Container {
  const rt = opts.runtime;
  const child = spawn(rt, ['run', '--bundle', opts.bundle, opts.id], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.set(opts.id, rt);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      appendFileSync(opts.logFile, d);
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve((code = c)));
    child.once('error', (err) => {
      lines.push(`${rt} could not be started: ${err.message}`);
      resolve((code = null));
    });
  });
  const log = { logFile: opts.logFile };
  return {
    id: opts.id,
    lines,
    exited,
    exitCode: () => code,
    async processIds() {
      const out = await exec(rt, ['ps', '--format', 'json', opts.id], log);
      return (JSON.parse(out) as number[]).map((pid) => {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)![1]);
        return { pid, uid: field('Uid'), gid: field('Gid'), comm: /^Name:\s+(.*)$/m.exec(status)![1]! };
      });
    },
    async stop(graceMs = 20_000) {
      if (code === undefined) {
        await exec(rt, ['kill', opts.id, 'TERM'], log).catch(() => undefined);
        const timer = setTimeout(() => void exec(rt, ['kill', opts.id, 'KILL'], log).catch(() => undefined), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await exec(rt, ['delete', '--force', opts.id], log).catch(() => undefined);
      live.delete(opts.id);
      return code ?? null;
    },
  };
}
