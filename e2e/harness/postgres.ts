import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

/** The newest PostgreSQL server binaries installed from Debian's packages. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) {
    throw new Error('PostgreSQL is not installed: run `npm run setup` (installs Debian package postgresql)');
  }
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0 || Number(versions[0]) < 15) {
    throw new Error(`PostgreSQL 15 or newer is required under ${root}; found ${versions.join(', ') || 'none'}`);
  }
  return join(root, versions[0]!, 'bin');
}

/** initdb and postgres refuse to run as root: run them as the `postgres` OS user then. */
export function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * Starts a throwaway PostgreSQL on 127.0.0.1 with a fresh data directory. Durability is off
 * (fsync, synchronous_commit): the data is thrown away after the run.
 */
export async function startPostgres(opts: { port?: number; maxConnections?: number } = {}): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'aether-pg-'));
  const user = runAs();
  if (user.uid !== undefined) chownSync(dataDir, user.uid, user.gid!);
  execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    ...user,
    stdio: 'pipe',
  });
  writeFileSync(
    join(dataDir, 'postgresql.auto.conf'),
    [
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${dataDir}'`,
      `max_connections = ${opts.maxConnections ?? 800}`,
      `shared_buffers = '256MB'`,
      `fsync = off`,
      `synchronous_commit = off`,
      `full_page_writes = off`,
      `log_min_messages = warning`,
    ].join('\n') + '\n',
  );
  if (user.uid !== undefined) chownSync(join(dataDir, 'postgresql.auto.conf'), user.uid, user.gid!);
  const child: ChildProcess = spawn(join(bin, 'postgres'), ['-D', dataDir], {
    ...user,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${stderr}`);
    try {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.end();
      break;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections within 30 s: ${stderr}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    port,
    dataDir,
    pid: child.pid!,
    async stop() {
      await stopPid(child.pid!);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** SIGINT is PostgreSQL's "fast shutdown". */
export async function stopPid(pid: number, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Creates an empty database on the server and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name: ${name}`);
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = '/' + name;
  return u.toString();
}
