// Crash proofs with real robot processes (robot-image/src/main.ts), the real API server, Postgres,
// Chromium and the local test site; the operator's sweeper runs in this process.
//
// One RpaJob of the 21-step workflow is crashed three times by three robot processes, each with the
// test hook AETHER_TEST_CRASH_AFTER_STEP=k (k = 2, 5, n-1): each SIGKILLs itself right after step k's
// checkpoint; once the sweeper releases the job, the next robot (which joined only after the previous
// one held the job, so it could not take it first) resumes the same durable run and runs steps k+1..
// up to its own crash point; a fourth robot finishes. Then the same robot runs the job uninterrupted,
// and the outputs must agree. Finally the test itself SIGKILLs a robot in the middle of a slow step.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { createLogger } from '../../../api/log.js';
import type { Producer } from '../../../api/queue/producer.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { confirmationNumber, type TestSite } from '../../../e2e/site/server.js';
import { createSweeper, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { workflowIdFor } from '../durable/ids.js';
import { openAccountParams, openAccountWorkflow, SITE_SLOT } from '../engine/testing/workflows.js';
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';
import { finishedStatus, startRobot, submitJob, tail, type RobotProcess } from './testing/robot-process.js';

const POOL = 'crash';
/** Several robot processes, Chromium and the API server on a shared 2-core machine. */
const LONG = 420_000;
const FORM_POSTS = ['POST /login', 'POST /form/1', 'POST /form/2', 'POST /form/3'];
const silent = createLogger({
  name: 'test',
  level: 'warn',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

const EXPECTED_CONFIRMATION = confirmationNumber('alice', {
  fullName: 'Ada Lovelace',
  email: 'ada@example.org',
  plan: 'enterprise',
  terms: true,
  notes: 'Analytical engine',
});

describe('robot processes that crash mid-job (e2e)', () => {
  const ns = `crash-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(10).toString('hex')}`;
  let kc: KubeConfig;
  let dbUrl: string;
  let db: pg.Pool;
  let producer: Producer;
  let site: TestSite;
  let sweeper: Sweeper;
  const robots: RobotProcess[] = [];

  let bed: RobotTestBed | undefined;

  beforeAll(async () => {
    bed = await startRobotTestBed({
      databasePrefix: 'robotcrash',
      namespace: ns,
      users: { alice: password },
      loginSecret: { username: 'alice', password, token: `tok-${randomBytes(8).toString('hex')}` },
    });
    ({ kc, dbUrl, db, producer, site } = bed);
    // What the operator runs: dead robots' jobs are released once their lease (5 s) has expired.
    sweeper = createSweeper({ pool: db, logger: silent, intervalMs: 500 });
    sweeper.start();
  }, LONG);

  afterAll(async () => {
    await sweeper?.stop();
    await Promise.all(robots.map((r) => r.stop()));
    await bed?.stop();
  }, LONG);

  async function robot(pod: string, crashAfterStep?: number): Promise<RobotProcess> {
    const r = await startRobot({
      databaseUrl: dbUrl,
      pool: POOL,
      namespace: ns,
      pod,
      kubeconfig: kubeconfigPath(),
      allow: [new URL(site.url).host],
      ...(crashAfterStep !== undefined && { crashAfterStep }),
    });
    robots.push(r);
    return r;
  }

  const submit = (name: string, workflow: WorkflowSpec) =>
    submitJob({
      kc,
      producer,
      namespace: ns,
      pool: POOL,
      name,
      workflow,
      params: openAccountParams(site.url),
      credentials: { [SITE_SLOT]: { secretName: 'site-login' } },
    });

  const startedAttempt = (r: RobotProcess, uid: string) =>
    waitFor(`${r.pod} to start the attempt`, async () => r.startedAttempt(uid) || undefined, {
      timeoutMs: 120_000,
      failFast: () =>
        r.child.exitCode !== null || r.child.signalCode !== null ? `${r.pod} exited\n${tail(r)}` : undefined,
    });

  const workflow = openAccountWorkflow();
  const stepIds = workflow.steps.map((s) => s.id);
  const n = stepIds.length;
  let chainOutputs: Record<string, unknown> | undefined;
  let finisher: RobotProcess;

  it(
    'crashes one job after steps 2, 5 and n-1 in three robot processes; each successor runs only the steps after the crash',
    async () => {
      expect(n).toBeGreaterThanOrEqual(8);
      const crashPoints = [2, 5, n - 1];
      site.reset();
      let holder = await robot('robot-crash-k2', crashPoints[0]);
      const uid = await submit('crash-chain', workflow);
      const crashed: RobotProcess[] = [];
      const hitsAtCrash: Array<Record<string, number>> = [];
      for (const [i, k] of crashPoints.entries()) {
        await startedAttempt(holder, uid);
        // The next robot joins only once the job is held: it cannot claim it before the crash.
        const nextK = crashPoints[i + 1];
        const next = await robot(nextK !== undefined ? `robot-crash-k${nextK}` : 'robot-finisher', nextK);
        const exit = await holder.exited;
        expect([holder.pod, exit.signal]).toEqual([holder.pod, 'SIGKILL']);
        // The durable run has exactly k checkpoints: the hook fired right after step k's.
        const cps = await db.query(`select count(*)::int as n from dbos.operation_outputs where workflow_uuid = $1`, [
          workflowIdFor(uid, 1),
        ]);
        expect([holder.pod, cps.rows[0].n]).toEqual([holder.pod, k]);
        hitsAtCrash.push(site.hits());
        crashed.push(holder);
        holder = next;
      }
      finisher = holder;

      const status = await finishedStatus(kc, ns, 'crash-chain');
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-finisher', attempts: 1, progress: `${n}/${n}` });

      // Each process ran only the steps between the previous crash and its own (the debug log of each).
      const bounds = [0, ...crashPoints, n];
      const ranBy = [...crashed, finisher].map((r) => [r.pod, r.stepsStarted(uid)]);
      expect(ranBy).toEqual([...crashed, finisher].map((r, i) => [r.pod, stepIds.slice(bounds[i], bounds[i + 1])]));

      // The site saw each form page submitted once: steps done before a crash never ran again.
      const hits = site.hits();
      for (const key of FORM_POSTS) expect([key, hits[key]]).toEqual([key, 1]);
      for (const snapshot of hitsAtCrash)
        for (const [key, count] of Object.entries(snapshot))
          if (key.startsWith('POST ')) expect([key, hits[key]]).toEqual([key, count]);
      // Crash on the login page (k=2): the successor reloads it once to restore the session.
      expect(hitsAtCrash[1]!['GET /login']).toBe(hitsAtCrash[0]!['GET /login']! + 1);
      // Crashes after signing in (k=5, n-1): the successors are still logged in, never sent to /login.
      expect(hits['GET /login']).toBe(hitsAtCrash[1]!['GET /login']);

      const outputs = status.outputs as Record<string, unknown>;
      expect(outputs.confirmation).toBe(EXPECTED_CONFIRMATION);
      chainOutputs = outputs;

      // Crashes are not failed attempts; every robot that died was declared dead by the sweeper.
      const run = await db.query(`select state, failed_attempts, attempts, robot from aether.runs where uid = $1`, [
        uid,
      ]);
      expect(run.rows[0]).toMatchObject({ state: 'succeeded', failed_attempts: 0, attempts: crashPoints.length + 1 });
      const dead = await db.query(`select pod from aether.robots where state = 'dead' order by pod`);
      expect(dead.rows.map((r) => r.pod)).toEqual(crashed.map((r) => r.pod).sort());
      for (const r of crashed)
        expect(r.lines.some((l) => l.includes('crashing on purpose after the checkpoint'))).toBe(true);
    },
    LONG,
  );

  it(
    'produces the same outputs as the same job run without a crash',
    async () => {
      expect(chainOutputs).toBeDefined();
      site.reset();
      const uid = await submit('uninterrupted', workflow);
      const status = await finishedStatus(kc, ns, 'uninterrupted');
      expect(status).toMatchObject({ phase: 'Succeeded', robot: 'robot-finisher', attempts: 1 });
      expect(finisher.stepsStarted(uid)).toEqual(stepIds);
      const outputs = status.outputs as Record<string, unknown>;
      // Screenshots are stored per run: same names, different rows.
      const { screenshots: chainShots, ...chainRest } = chainOutputs!;
      const { screenshots: shots, ...rest } = outputs;
      expect(chainRest).toEqual(rest);
      expect(Object.keys(chainShots as object).sort()).toEqual(Object.keys(shots as object).sort());
      for (const key of FORM_POSTS) expect([key, site.hits()[key]]).toEqual([key, 1]);
    },
    LONG,
  );

  it(
    'a robot SIGKILLed by the test in the middle of a slow step: the next robot reruns that step and the rest, nothing before it',
    async () => {
      // The workflow with an 8 s pause after the first form page was submitted.
      const at = stepIds.indexOf('next1') + 1;
      const slow: WorkflowSpec = {
        ...workflow,
        steps: [
          ...workflow.steps.slice(0, at),
          { id: 'pause', action: 'waitFor', seconds: 8 },
          ...workflow.steps.slice(at),
        ],
      };
      const slowIds = slow.steps.map((s) => s.id);
      site.reset();
      const victim = finisher; // idle, no crash hook
      const uid = await submit('killed-mid-step', slow);
      await startedAttempt(victim, uid);
      const taker = await robot('robot-taker');
      await waitFor(
        'the victim to be inside the slow step',
        async () => (victim.stepsStarted(uid).at(-1) === 'pause' ? true : undefined),
        {
          timeoutMs: 120_000,
        },
      );
      await victim.kill();
      const hitsAtKill = site.hits();
      // Killed inside the step: it has no checkpoint, the step before it has.
      const cps = await db.query<{ name: string }>(
        `select function_name as name from dbos.operation_outputs where workflow_uuid = $1 order by function_id`,
        [workflowIdFor(uid, 1)],
      );
      expect(cps.rows.map((r) => r.name)).toEqual(slowIds.slice(0, at));
      expect(hitsAtKill['POST /form/1']).toBe(1);
      expect(hitsAtKill['POST /form/2']).toBeUndefined();

      const status = await finishedStatus(kc, ns, 'killed-mid-step');
      expect(status).toMatchObject({
        phase: 'Succeeded',
        robot: 'robot-taker',
        attempts: 1,
        progress: `${slowIds.length}/${slowIds.length}`,
      });
      expect(victim.stepsStarted(uid)).toEqual(slowIds.slice(0, at + 1));
      // The interrupted step had no checkpoint, so it runs again; the ones before it do not.
      expect(taker.stepsStarted(uid)).toEqual(slowIds.slice(at));
      const hits = site.hits();
      for (const key of FORM_POSTS) expect([key, hits[key]]).toEqual([key, 1]);
      expect(hits['GET /login']).toBe(hitsAtKill['GET /login']); // still logged in after the restore
      const { screenshots: _s, ...rest } = status.outputs as Record<string, unknown>;
      const { screenshots: _c, ...chainRest } = chainOutputs!;
      expect(rest).toEqual(chainRest);

      const run = await db.query(`select state, failed_attempts, attempts from aether.runs where uid = $1`, [uid]);
      expect(run.rows[0]).toMatchObject({ state: 'succeeded', failed_attempts: 0, attempts: 2 });
      const dead = await db.query(`select state from aether.robots where pod = $1`, [victim.pod]);
      expect(dead.rows.map((r) => r.state)).toEqual(['dead']);
    },
    LONG,
  );
});
