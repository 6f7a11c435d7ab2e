// The operator's `migrate` (the chart's hook Job, and the first thing the operator does) started while
// PostgreSQL is away: it waits and migrates once the database is back, instead of exiting into a crash
// loop; past AETHER_DB_STARTUP_WAIT_SECONDS it exits non-zero naming the variable. The real process
// (operator/src/main.ts) against real PostgreSQL behind a proxy the test takes down and up.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { freshDatabase } from '../../e2e/harness/testenv.js';
import { startPgProxy, targetOf, type PgProxy } from '../../e2e/harness/pg-proxy.js';
import { REPO_ROOT } from '../../e2e/operator/operator-process.js';

let url: string;
let proxy: PgProxy;

beforeAll(async () => {
  url = await freshDatabase('startwait');
  proxy = await startPgProxy(targetOf(url));
});
afterAll(async () => {
  await proxy.stop();
});

function runMigrate(env: Record<string, string>): { exited: Promise<{ code: number | null; out: string }>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'operator/src/main.ts', 'migrate'], {
    cwd: REPO_ROOT,
    env: { ...process.env, AETHER_DATABASE_URL: proxy.url(url), AETHER_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { exited: new Promise((resolve) => child.on('exit', (code) => resolve({ code, out }))), output: () => out };
}

it('waits for a database that is away at start, then migrates', async () => {
  await proxy.down();
  const run = runMigrate({ AETHER_DB_STARTUP_WAIT_SECONDS: '120' });
  // Until it has been refused at least once (the process itself needs seconds to load, more on a loaded machine).
  const deadline = Date.now() + 60_000;
  while (!run.output().includes('database unreachable at start; waiting') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1_000));
  await proxy.up();
  const { code, out } = await run.exited;
  expect(out).toContain('database unreachable at start; waiting');
  expect(out).toContain('database reachable');
  expect(code).toBe(0);
  const direct = new pg.Client({ connectionString: url });
  await direct.connect();
  try {
    const { rows } = await direct.query<{ n: string }>(
      "select count(*) as n from information_schema.tables where table_schema = 'aether'",
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  } finally {
    await direct.end();
  }
}, 90_000);

it('exits non-zero past its budget, naming the setting', async () => {
  await proxy.down();
  const { code, out } = await runMigrate({ AETHER_DB_STARTUP_WAIT_SECONDS: '2' }).exited;
  await proxy.up();
  expect(code).not.toBe(0);
  expect(out).toMatch(/PostgreSQL could not be reached for \d+ s \(AETHER_DB_STARTUP_WAIT_SECONDS\)/);
}, 60_000);
