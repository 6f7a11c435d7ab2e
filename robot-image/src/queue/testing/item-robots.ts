// Test support for work-item robots in their own processes (fixtures/item-*-child.ts): start one, collect
// the lines it prints with a given prefix, wait until it is READY; kill them all at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** Polls fn until it returns something truthy; throws after timeoutMs. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ItemRobot {
  child: ChildProcess;
  /** The printed lines that started with the prefix, without it. */
  lines: string[];
  exited: Promise<void>;
}

export class ItemRobots {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly fixture: URL) {}

  async start(id: string, env: Record<string, string>, prefix: string): Promise<ItemRobot> {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(this.fixture)], {
      cwd: ROOT,
      env: { ...process.env, AETHER_ROBOT_ID: id, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    const lines: string[] = [];
    let ready = false;
    let stderr = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.stdout!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) {
        if (l === 'READY') ready = true;
        else if (l.startsWith(prefix)) lines.push(l.slice(prefix.length));
      }
    });
    await waitUntil(`robot ${id} ready`, () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`robot ${id} exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
      return ready;
    });
    return { child, lines, exited };
  }

  async kill(robot: ItemRobot): Promise<void> {
    robot.child.kill('SIGKILL');
    await robot.exited;
  }

  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
