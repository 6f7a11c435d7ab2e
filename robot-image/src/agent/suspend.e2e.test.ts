// Suspending a RUNNING RpaJob end to end: the operator (in this process), a real robot process
// (robot-image/src/main.ts), the real API server, Postgres, Chromium and the local test site.
//
// `kubectl patch rpajob x --type merge -p '{"spec":{"suspend":true}}'` while a slow step runs: the robot
// finishes that step and stops at the next boundary, the run is parked ('suspended', no attempt used),
// the RpaJob shows Pending with Queued=False/Suspended and a Suspended Event, the robot is idle. Back to
// false: the job is queued again (a Resumed Event) and the robot resumes the same durable attempt at the
// step it stopped before — every step ran exactly once, and the outputs equal an uninterrupted run.
// Deleting a suspended job cancels its run and releases the finalizer.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { jobKey } from '../../../api/v1alpha1/names.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { confirmationNumber, startTestSite, type TestSite } from '../../../e2e/site/server.js';
import type { Operator } from '../../../operator/src/operator.js';
import {
  createObject,
  eventsFor,
  getObject,
  objectPath,
  setUpEnv,
  startTestOperator,
  tearDownEnv,
  waitForGone,
  waitForObject,
  type AnyObject,
  type TestEnv,
} from '../../../operator/src/testing/operator-env.js';
import { workflowIdFor } from '../durable/ids.js';
import { siteScopeAnnotations } from '../engine/testing/credentials.js';
import { openAccountParams, openAccountWorkflow, SITE_SLOT } from '../engine/testing/workflows.js';
import { startRobot, tail, type RobotProcess } from './testing/robot-process.js';

const POOL = 'suspend';
const LONG = 300_000;
const FORM_POSTS = ['POST /login', 'POST /form/1', 'POST /form/2', 'POST /form/3'];
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The 21-step open-account job with a slow step right after signing in. */
function slowWorkflow(pauseSeconds: number): WorkflowSpec {
  const wf = openAccountWorkflow();
  const at = wf.steps.findIndex((s) => s.id === 'checkWelcome') + 1;
  wf.steps.splice(at, 0, { id: 'pause', action: 'waitFor', seconds: pauseSeconds } as WorkflowSpec['steps'][number]);
  return wf;
}
const STEP_IDS = slowWorkflow(1).steps.map((s) => s.id);
const THROUGH_PAUSE = STEP_IDS.slice(0, STEP_IDS.indexOf('pause') + 1);

describe('suspending a running RpaJob (e2e)', () => {
  const password = `pw-${randomBytes(10).toString('hex')}`;
  let env: TestEnv;
  let site: TestSite;
  let operator: Operator;
  let robot: RobotProcess;

  beforeAll(async () => {
    env = await setUpEnv('suspend');
    site = await startTestSite({ users: { alice: password } });
    await env.core.createNamespacedSecret({
      namespace: env.namespace,
      body: {
        metadata: { name: 'site-login', annotations: siteScopeAnnotations(site.url) },
        stringData: { username: 'alice', password, token: `tok-${randomBytes(8).toString('hex')}` },
      },
    });
    operator = await startTestOperator(env, { extraEnv: { AETHER_QUEUED_EVENTS: 'true' } });
    robot = await startRobot({ databaseUrl: env.databaseUrl, pool: POOL, namespace: env.namespace, pod: 'robot-suspend-0', kubeconfig: kubeconfigPath(), allow: [new URL(site.url).host] });
  }, LONG);

  afterAll(async () => {
    await robot?.stop();
    await operator?.stop();
    await site?.stop();
    await tearDownEnv(env);
  }, LONG);

  const create = async (name: string, pauseSeconds: number) =>
    (
      await createObject(env, 'RpaJob', name, {
        pool: POOL,
        workflow: slowWorkflow(pauseSeconds),
        params: openAccountParams(site.url),
        credentials: { [SITE_SLOT]: { secretName: 'site-login' } },
        maxAttempts: 3,
      })
    ).metadata.uid;
  const setSuspend = (name: string, suspend: boolean) =>
    env.custom.patchNamespacedCustomObject({ ...objectPath('RpaJob', env.namespace, name), body: { spec: { suspend } } }, mergePatch);
  const queuedCondition = (o: AnyObject) => (o.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Queued');
  const finished = (name: string) =>
    waitForObject(env, 'RpaJob', name, 'finished', (o) => ['Succeeded', 'Failed', 'Cancelled'].includes(o.status?.phase), 150_000);
  const run = async (uid: string) =>
    (await env.db.query(`select state, attempts, failed_attempts as "failedAttempts", suspend_requested as "suspendRequested" from aether.runs where uid = $1`, [uid])).rows[0];
  const graphileJobs = async (uid: string) => (await env.db.query(`select count(*)::int as n from graphile_worker.jobs where key = $1`, [jobKey(uid)])).rows[0].n as number;
  const checkpoints = async (uid: string) =>
    (await env.db.query<{ name: string }>(`select function_name as name from dbos.operation_outputs where workflow_uuid = $1 order by function_id`, [workflowIdFor(uid, 1)])).rows.map(
      (r) => r.name,
    );
  const robotJobsHeld = async () => (await env.db.query(`select jobs_held as n from aether.robots where pod = $1 and state <> 'dead'`, [robot.pod])).rows[0]?.n as number | undefined;
  const insidePause = (uid: string) =>
    waitFor('the robot to be inside the slow step', async () => (robot.stepsStarted(uid).at(-1) === 'pause' ? true : undefined), {
      timeoutMs: 120_000,
      failFast: () => (robot.child.exitCode !== null ? `robot exited\n${tail(robot)}` : undefined),
    });
  const withoutScreenshots = (outputs: Record<string, unknown>) => {
    const { screenshots: _shots, ...rest } = outputs;
    return rest;
  };

  let baseline: Record<string, unknown>;

  it(
    'runs the job uninterrupted (the baseline)',
    async () => {
      site.reset();
      const uid = await create('straight', 1);
      const job = await finished('straight');
      expect(job.status!.phase).toBe('Succeeded');
      expect(robot.stepsStarted(uid)).toEqual(STEP_IDS);
      baseline = job.status!.outputs as Record<string, unknown>;
      expect(baseline.confirmation).toBe(
        confirmationNumber('alice', { fullName: 'Ada Lovelace', email: 'ada@example.org', plan: 'enterprise', terms: true, notes: 'Analytical engine' }),
      );
    },
    LONG,
  );

  it(
    'suspend while a step runs: it stops at the next boundary and is parked; unsuspend: it resumes there and finishes, every step once',
    async () => {
      site.reset();
      const uid = await create('pausable', 8);
      await insidePause(uid);
      expect((await getObject(env, 'RpaJob', 'pausable'))?.status?.phase).toBe('Running');

      await setSuspend('pausable', true);
      // The robot is still inside the slow step: the operator shows it is stopping.
      const suspending = await waitForObject(env, 'RpaJob', 'pausable', 'Suspending', (o) => queuedCondition(o)?.reason === 'Suspending');
      expect(suspending.status!.phase).toBe('Running');
      expect(queuedCondition(suspending)).toMatchObject({ status: 'False' });

      const parked = await waitForObject(env, 'RpaJob', 'pausable', 'Pending and Suspended', (o) => o.status?.phase === 'Pending' && queuedCondition(o)?.reason === 'Suspended', 60_000);
      expect(queuedCondition(parked)).toMatchObject({ status: 'False', reason: 'Suspended' });
      expect(parked.status!.attempts).toBe(1);
      // The slow step finished; the next one did not start, nothing past the slow step is recorded.
      expect(robot.stepsStarted(uid)).toEqual(THROUGH_PAUSE);
      expect(await checkpoints(uid)).toEqual(THROUGH_PAUSE);
      expect(await run(uid)).toEqual({ state: 'suspended', attempts: 1, failedAttempts: 0, suspendRequested: false });
      expect(await graphileJobs(uid)).toBe(0);
      expect((await env.db.query(`select status from dbos.workflow_status where workflow_uuid = $1`, [workflowIdFor(uid, 1)])).rows[0].status).toBe('CANCELLED');
      await waitFor('the robot to be idle', async () => ((await robotJobsHeld()) === 0 ? true : undefined), { timeoutMs: 30_000 });
      const hitsWhileParked = site.hits();
      expect(hitsWhileParked['GET /form/1']).toBeUndefined();
      expect((await eventsFor(env, 'pausable')).map((e) => e.reason)).toEqual(expect.arrayContaining(['Queued', 'Suspending', 'Suspended']));

      await setSuspend('pausable', false);
      const done = await finished('pausable');
      expect(done.status).toMatchObject({ phase: 'Succeeded', attempts: 1, robot: 'robot-suspend-0' });
      expect(withoutScreenshots(done.status!.outputs)).toEqual(withoutScreenshots(baseline));
      // Every step ran exactly once over both claims: the resumed attempt started at the step after the pause.
      expect(robot.stepsStarted(uid)).toEqual(STEP_IDS);
      const hits = site.hits();
      for (const action of FORM_POSTS) expect([action, hits[action]]).toEqual([action, 1]);
      // Still signed in after the restore: the login page was not visited again.
      expect(hits['GET /login']).toBe(hitsWhileParked['GET /login']);
      const finalRun = await waitFor('the run row to be succeeded', async () => {
        const r = await run(uid);
        return r?.state === 'succeeded' ? r : undefined;
      });
      expect(finalRun).toMatchObject({ failedAttempts: 0, suspendRequested: false });
      // The Succeeded event is recorded by whoever reports the phase, after the status write: wait for it.
      const reasons = await waitFor('the Resumed and Succeeded events', async () => {
        const seen = (await eventsFor(env, 'pausable')).map((e) => e.reason);
        return seen.includes('Resumed') && seen.includes('Succeeded') ? seen : undefined;
      }, { timeoutMs: 15_000 });
      expect(reasons).toEqual(expect.arrayContaining(['Resumed', 'Succeeded']));
      const audit = await env.db.query(`select action from aether.audit_log where run_uid = $1 order by id`, [uid]);
      expect(audit.rows.map((r) => r.action).filter((a) => a.startsWith('run.'))).toEqual(['run.suspendRequested', 'run.suspended', 'run.resumed']);
      // The credential uses are audited too (counted rows; see robot-image/src/audit/sink.ts).
      expect(audit.rows.map((r) => r.action)).toContain('credential.used');
    },
    LONG,
  );

  it(
    'deleting a suspended job cancels its run and releases the finalizer; the robot runs nothing more',
    async () => {
      site.reset();
      const uid = await create('parked-then-deleted', 8);
      await insidePause(uid);
      await setSuspend('parked-then-deleted', true);
      await waitForObject(env, 'RpaJob', 'parked-then-deleted', 'Pending and Suspended', (o) => o.status?.phase === 'Pending' && queuedCondition(o)?.reason === 'Suspended', 60_000);
      expect((await run(uid))?.state).toBe('suspended');

      await env.custom.deleteNamespacedCustomObject(objectPath('RpaJob', env.namespace, 'parked-then-deleted'));
      await waitForGone(env, 'RpaJob', 'parked-then-deleted');
      expect(await run(uid)).toMatchObject({ state: 'cancelled', failedAttempts: 0 });
      expect(await graphileJobs(uid)).toBe(0);
      expect(robot.stepsStarted(uid)).toEqual(THROUGH_PAUSE);
      expect(site.hits()['GET /form/1']).toBeUndefined();
      // jobs_held comes with the heartbeat (every 1.5 s).
      await waitFor('the robot to be idle', async () => ((await robotJobsHeld()) === 0 ? true : undefined), { timeoutMs: 30_000 });
    },
    LONG,
  );
});
