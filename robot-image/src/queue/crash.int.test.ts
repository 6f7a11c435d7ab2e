// A robot process is SIGKILLed while it holds a job: the operator's sweeper releases the job once the
// robot's lease has expired (or at once when its pod is reported deleted) and another robot claims it,
// without counting a failed attempt.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import type { Producer } from '../../../api/queue/producer.js';
import { createSweeper, DEFAULT_SWEEP_INTERVAL_MS, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_LEASE_SECONDS, startConsumer, type Consumer } from './consumer.js';
import type { JobContext } from './handler.js';
import { migratedQueueDatabase } from '../../../api/queue/testing/database.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/consumer-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const logger = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let url: string;
let pool: pg.Pool;
let producer: Producer;
const children: ChildProcess[] = [];
const consumers: Consumer[] = [];
let sweeper: Sweeper | null = null;

beforeAll(async () => {
  ({ url, pool, producer } = await migratedQueueDatabase('crash'));
});
afterEach(async () => {
  await sweeper?.stop();
  sweeper = null;
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(consumers.splice(0).map((c) => c.stop({ deadlineMs: 0 })));
});
afterAll(async () => {
  await pool.end();
});

/** Starts the fixture robot; resolves once it is consuming. `lines` collects its stdout lines. */
async function spawnRobot(env: Record<string, string>): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  await waitFor('robot process ready', () => {
    if (child.exitCode !== null) throw new Error(`robot process exited with ${child.exitCode}: ${stderr}`);
    return lines.some((l) => l.startsWith('READY'));
  }, 30_000);
  return { child, lines };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function takeOverConsumer(ns: string, seen: JobContext[]): Promise<Consumer> {
  const c = await startConsumer({
    databaseUrl: url,
    namespace: ns,
    pool: 'p',
    robotId: 'robot-b',
    logger,
    handler: async (ctx) => {
      seen.push(ctx);
      return { status: 'succeeded', outputs: { by: 'robot-b' } };
    },
  });
  consumers.push(c);
  return c;
}

describe('a robot killed while it holds a job', () => {
  it('loses the job to another robot within lease + sweep interval, without a failed attempt', async () => {
    const ns = 'crash';
    const a = await spawnRobot({ AETHER_NAMESPACE: ns, AETHER_POOL: 'p', AETHER_ROBOT_ID: 'robot-a' });
    sweeper = createSweeper({ pool, logger });
    sweeper.start();
    const p = testPayload({ namespace: ns, pool: 'p', maxAttempts: 2 });
    await producer.enqueue({ payload: p });
    await waitFor('robot a claimed the job', () => a.lines.includes(`CLAIMED ${p.uid}`));
    // The claim is written once the handler has run for markRunningAfterMs.
    await waitFor('run marked running', async () => (await producer.getRun(p.uid))?.state === 'running');
    expect(await producer.getRun(p.uid)).toMatchObject({ state: 'running', robot: 'robot-a', attempts: 1 });

    await killAndWait(a.child);
    const killedAt = Date.now();
    const seen: JobContext[] = [];
    await takeOverConsumer(ns, seen);

    // Defaults: the lease, plus one sweep interval, plus a heartbeat interval of staleness at the kill.
    const bound = DEFAULT_LEASE_SECONDS * 1000 + DEFAULT_SWEEP_INTERVAL_MS + DEFAULT_HEARTBEAT_INTERVAL_MS;
    expect(bound).toBeLessThan(10_000);
    await waitFor('robot b claimed the job', () => seen.length > 0, bound + 1000);
    const tookMs = Date.now() - killedAt;
    process.stdout.write(`take-over after SIGKILL: ${tookMs} ms (bound ${bound} ms)\n`);

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ runUid: p.uid, attempt: 1, claims: 2, previousRobot: 'robot-a' });
    const run = await waitFor('run succeeded', async () => {
      const r = await producer.getRun(p.uid);
      return r?.state === 'succeeded' && r;
    });
    expect(run).toMatchObject({ failedAttempts: 0, attempts: 2, robot: 'robot-b', outputs: { by: 'robot-b' } });
    const robotA = await pool.query(`select state from aether.robots where id = 'robot-a'`);
    expect(robotA.rows[0].state).toBe('dead');
    const audit = await pool.query(`select details->>'robot' as robot from aether.audit_log where action = 'robot.dead'`);
    expect(audit.rows.map((r) => r.robot)).toEqual(['robot-a']);
  });

  it('is released, once its pod is reported deleted, only when its lease expired (a killed robot never acknowledges)', async () => {
    const ns = 'poddel';
    const a = await spawnRobot({ AETHER_NAMESPACE: ns, AETHER_POOL: 'p', AETHER_ROBOT_ID: 'robot-pod', AETHER_POD: 'robot-pod-x1' });
    // No periodic sweeper: only markPodDead and the sweeps of this test may release the job.
    const sweep = createSweeper({ pool, logger });
    sweeper = sweep;
    const p = testPayload({ namespace: ns, pool: 'p' });
    await producer.enqueue({ payload: p });
    await waitFor('robot claimed the job', () => a.lines.includes(`CLAIMED ${p.uid}`));
    await waitFor('run marked running', async () => (await producer.getRun(p.uid))?.state === 'running');
    await killAndWait(a.child);
    const seen: JobContext[] = [];
    await takeOverConsumer(ns, seen);

    // The lease has not expired: a sweep changes nothing yet.
    const early = await sweep.sweepOnce();
    expect(early.deadRobots).toEqual([]);
    // The pod is gone, but its process might not be (force deletion, a lost node): the robot is asked to
    // stop, and nothing is released before it acknowledged or its lease expired.
    const asked = await sweep.markPodDead(ns, 'robot-pod-x1');
    expect(asked.deadRobots).toEqual([]);
    const released = await waitFor('the lease to expire', async () => {
      const r = await sweep.sweepOnce();
      return r.deadRobots.length > 0 ? r : undefined;
    }, DEFAULT_LEASE_SECONDS * 1000 + 3000);
    expect(released.deadRobots.map((r) => r.id)).toEqual(['robot-pod']);
    expect(released.requeuedRuns).toBe(1);
    await waitFor('taken over', () => seen.length > 0);
    expect(seen[0]).toMatchObject({ runUid: p.uid, previousRobot: 'robot-pod', attempt: 1 });
    expect((await producer.getRun(p.uid))?.failedAttempts).toBe(0);
  });
});
