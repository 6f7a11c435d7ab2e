// Database outages with real robot processes (robot-image/src/main.ts), the real API server, PostgreSQL,
// Chromium and the local test site. Robots and the operator's sweeper (run in this process, as in
// crash.e2e.test.ts) reach PostgreSQL through a TCP proxy the test takes down (a stopped server: every
// connection cut, new ones refused) and brings back; the test reads the database directly.
//
//   (a) outages of 8 s and 20 s in the middle of a running job: the job succeeds on the same robot, no
//       robot is fenced, no attempt is failed or taken over, every step runs once;
//   (c) an outage longer than the robot's outage budget: the robot holding the job stops its browser work
//       and exits non-zero (3); an idle robot rides the same outage out and, once the sweeper releases the
//       job, resumes it after its last checkpoint — one take-over, no failed attempt;
//   (e) a checkpoint write that PostgreSQL refuses (a statement timeout behind a lock): a crash, not a
//       failed attempt — the robot exits 3 and another resumes the job.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { createPool } from '../../../api/db/pool.js';
import { createLogger } from '../../../api/log.js';
import type { Producer } from '../../../api/queue/producer.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { startPgProxy, targetOf, type PgProxy } from '../../../e2e/harness/pg-proxy.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import type { TestSite } from '../../../e2e/site/server.js';
import { createSweeper, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { openAccountParams, openAccountWorkflow, SITE_SLOT } from '../engine/testing/workflows.js';
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';
import { finishedStatus, startRobot, submitJob, tail, type RobotProcess } from './testing/robot-process.js';

const LONG = 420_000;
const FORM_POSTS = ['POST /login', 'POST /form/1', 'POST /form/2', 'POST /form/3'];
const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('robots through database outages (e2e)', () => {
  const ns = `dbout-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(10).toString('hex')}`;
  let bed: RobotTestBed | undefined;
  let kc: KubeConfig;
  let db: pg.Pool;
  let producer: Producer;
  let site: TestSite;
  let proxy: PgProxy;
  let proxiedUrl: string;
  let sweeperPool: pg.Pool;
  let sweeper: Sweeper;
  const robots: RobotProcess[] = [];

  beforeAll(async () => {
    bed = await startRobotTestBed({
      databasePrefix: 'dbout',
      namespace: ns,
      users: { alice: password },
      loginSecret: { username: 'alice', password, token: `tok-${randomBytes(8).toString('hex')}` },
    });
    ({ kc, db, producer, site } = bed);
    proxy = await startPgProxy(targetOf(bed.dbUrl));
    proxiedUrl = proxy.url(bed.dbUrl);
    // The operator's sweeper, on the far side of the same outage.
    sweeperPool = createPool({
      connectionString: proxiedUrl,
      max: 2,
      settings: { connectTimeoutMs: 1000, statementTimeoutMs: 3000, queryTimeoutMs: 4000, idleInTransactionTimeoutMs: 10_000, keepAliveInitialDelayMs: 1000 },
      logger: silent,
      name: 'sweeper',
    });
    sweeper = createSweeper({ pool: sweeperPool, logger: silent, intervalMs: 500 });
    sweeper.start();
  }, LONG);

  afterAll(async () => {
    if (process.env.AETHER_TEST_ROBOT_LOGS) for (const r of robots) writeFileSync(`${process.env.AETHER_TEST_ROBOT_LOGS}/${r.pod}.log`, r.lines.join('\n'));
    await proxy?.up();
    await sweeper?.stop();
    await Promise.all(robots.map((r) => r.stop()));
    await sweeperPool?.end();
    await proxy?.stop();
    await bed?.stop();
  }, LONG);

  async function robot(pod: string, pool: string, env: Record<string, string> = {}): Promise<RobotProcess> {
    const r = await startRobot({
      databaseUrl: proxiedUrl,
      pool,
      namespace: ns,
      pod,
      kubeconfig: kubeconfigPath(),
      allow: [new URL(site.url).host],
      env,
    });
    robots.push(r);
    return r;
  }

  /** The 21-step workflow with a pause after the first form page was submitted. */
  const base = openAccountWorkflow();
  const at = base.steps.findIndex((s) => s.id === 'next1') + 1;
  const withPause = (seconds: number): WorkflowSpec => ({
    ...base,
    steps: [...base.steps.slice(0, at), { id: 'pause', action: 'waitFor', seconds }, ...base.steps.slice(at)],
  });

  const submit = (name: string, pool: string, workflow: WorkflowSpec) =>
    submitJob({
      kc,
      producer,
      namespace: ns,
      pool,
      name,
      workflow,
      params: openAccountParams(site.url),
      credentials: { [SITE_SLOT]: { secretName: 'site-login' } },
    });

  const exitedEarly = (r: RobotProcess) => (r.child.exitCode !== null || r.child.signalCode !== null ? `${r.pod} exited\n${tail(r)}` : undefined);
  const inPause = (r: RobotProcess, uid: string) =>
    waitFor(`${r.pod} to be inside the pause`, async () => (r.stepsStarted(uid).at(-1) === 'pause' ? true : undefined), {
      timeoutMs: 120_000,
      failFast: () => exitedEarly(r),
    });
  const runRow = async (uid: string) =>
    (await db.query(`select state, failed_attempts, attempts, crash_count, robot from aether.runs where uid = $1`, [uid])).rows[0];
  const robotDeaths = async (r: RobotProcess) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from aether.audit_log where action = 'robot.dead' and details->>'pod' = $1`, [r.pod])).rows[0]!.n;
  const fencedLines = (r: RobotProcess) => r.lines.filter((l) => l.includes('robot fenced') || l.includes('declared dead'));

  let steady: RobotProcess;

  it.each([8, 20])(
    'a %i s outage while a job runs: the job succeeds on the same robot, no fence, no failed attempt, each step once',
    async (outageSeconds) => {
      steady ??= await robot('robot-steady', 'outage');
      site.reset();
      const workflow = withPause(3);
      const ids = workflow.steps.map((s) => s.id);
      const name = `outage-${outageSeconds}`;
      const uid = await submit(name, 'outage', workflow);
      await inPause(steady, uid);

      await proxy.down();
      try {
        await sleep(outageSeconds * 1000);
        expect(exitedEarly(steady)).toBeUndefined();
      } finally {
        await proxy.up();
      }

      const status = await finishedStatus(kc, ns, name, 240_000);
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-steady', attempts: 1, progress: `${ids.length}/${ids.length}` });
      expect(steady.stepsStarted(uid)).toEqual(ids);
      const hits = site.hits();
      for (const key of FORM_POSTS) expect([key, hits[key]]).toEqual([key, 1]);
      await waitFor('the run row to be written', async () => ((await runRow(uid))?.state === 'succeeded' ? true : undefined), { timeoutMs: 30_000 });
      expect(await runRow(uid)).toMatchObject({ state: 'succeeded', failed_attempts: 0, attempts: 1, crash_count: 0 });
      expect(await robotDeaths(steady)).toBe(0);
      expect(fencedLines(steady)).toEqual([]);
      const row = await db.query(`select state from aether.robots where pod = $1`, [steady.pod]);
      expect(row.rows.map((r) => r.state)).toEqual(['alive']);
      expect(exitedEarly(steady)).toBeUndefined();
    },
    LONG,
  );

  it(
    'an outage longer than the budget: the robot holding the job exits 3, an idle robot rides it out and resumes the job',
    async () => {
      await steady?.stop();
      site.reset();
      const budget = { AETHER_DB_OUTAGE_BUDGET_SECONDS: '6' };
      const holder = await robot('robot-budget-holder', 'budget', budget);
      // Long enough for the idle robot to start and the outage to pass the budget inside it.
      const workflow = withPause(14);
      const ids = workflow.steps.map((s) => s.id);
      const uid = await submit('over-budget', 'budget', workflow);
      await inPause(holder, uid);
      // Joins only now, so it cannot have claimed the job first; idle through the outage.
      const idle = await robot('robot-budget-idle', 'budget', budget);

      await proxy.down();
      const downAt = Date.now();
      try {
        const exit = await Promise.race([holder.exited, sleep(30_000).then(() => null)]);
        const exitedAfterMs = Date.now() - downAt;
        expect([tail(holder, 30), exit]).toEqual([tail(holder, 30), { code: 3, signal: null }]);
        // The budget counts from the last beat that reached the database (up to a beat interval before the cut).
        expect(exitedAfterMs).toBeGreaterThanOrEqual(6000 - 1500 - 250);
        // ...and it exits while the database is still away (the outage lasts 14 s).
        expect(exitedAfterMs).toBeLessThan(14_000);
        expect(holder.lines.some((l) => l.includes('outage-budget-exceeded'))).toBe(true);
        await sleep(14_000 - (Date.now() - downAt));
        expect(exitedEarly(idle)).toBeUndefined();
      } finally {
        await proxy.up();
      }

      const status = await finishedStatus(kc, ns, 'over-budget', 120_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${tail(holder, 15)}\n${tail(idle, 60)}`);
      });
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-budget-idle', attempts: 1, progress: `${ids.length}/${ids.length}` });
      // The holder stopped inside the pause (no checkpoint): the taker runs it and what follows, nothing before.
      const pauseAt = ids.indexOf('pause');
      expect(holder.stepsStarted(uid)).toEqual(ids.slice(0, pauseAt + 1));
      expect(idle.stepsStarted(uid)).toEqual(ids.slice(pauseAt));
      const hits = site.hits();
      for (const key of FORM_POSTS) expect([key, hits[key]]).toEqual([key, 1]);
      await waitFor('the run row to be written', async () => ((await runRow(uid))?.state === 'succeeded' ? true : undefined), { timeoutMs: 30_000 });
      expect(await runRow(uid)).toMatchObject({ state: 'succeeded', failed_attempts: 0, crash_count: 1, robot: expect.stringMatching(/^robot-budget-idle-/) });
      expect(await robotDeaths(holder)).toBe(1);
      expect(await robotDeaths(idle)).toBe(0);
      expect(exitedEarly(idle)).toBeUndefined();
      await idle.stop();
    },
    LONG,
  );

  it(
    'a checkpoint write PostgreSQL refuses is a crash: the robot exits 3 and another resumes the job, no failed attempt',
    async () => {
      site.reset();
      // The checkpoint insert waits behind a lock and is cancelled by the statement timeout (57014), an
      // error DBOS does not retry.
      const env = { AETHER_DB_STATEMENT_TIMEOUT_SECONDS: '2' };
      const holder = await robot('robot-write-holder', 'dbosfault', env);
      const workflow = withPause(3);
      const ids = workflow.steps.map((s) => s.id);
      const uid = await submit('refused-write', 'dbosfault', workflow);
      await inPause(holder, uid);
      const locker = await db.connect();
      try {
        await locker.query('begin');
        await locker.query('lock table dbos.operation_outputs in share mode');
        const exit = await Promise.race([holder.exited, sleep(30_000).then(() => null)]);
        expect([holder.pod, exit]).toEqual([holder.pod, { code: 3, signal: null }]);
      } finally {
        await locker.query('rollback').catch(() => undefined);
        locker.release();
      }
      expect(holder.lines.some((l) => l.includes('durable-fault'))).toBe(true);
      const taker = await robot('robot-write-taker', 'dbosfault', env);

      const status = await finishedStatus(kc, ns, 'refused-write', 240_000);
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-write-taker', progress: `${ids.length}/${ids.length}` });
      const pauseAt = ids.indexOf('pause');
      expect(taker.stepsStarted(uid)).toEqual(ids.slice(pauseAt));
      const hits = site.hits();
      for (const key of FORM_POSTS) expect([key, hits[key]]).toEqual([key, 1]);
      await waitFor('the run row to be written', async () => ((await runRow(uid))?.state === 'succeeded' ? true : undefined), { timeoutMs: 30_000 });
      expect(await runRow(uid)).toMatchObject({ state: 'succeeded', failed_attempts: 0, crash_count: 1 });
    },
    LONG,
  );
});
