// Cancellation and deadlines with a real robot process (robot-image/src/main.ts), the real API
// server, Postgres, Chromium and the local test site: a running job that is cancelled through the
// producer (what the operator does when an RpaJob is deleted), or whose activeDeadlineSeconds passes,
// stops at the next step boundary and is reported Cancelled / Failed(DeadlineExceeded).
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import type { Producer } from '../../../api/queue/producer.js';
import { jobKey } from '../../../api/v1alpha1/names.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import type { TestSite } from '../../../e2e/site/server.js';
import { workflowIdFor } from '../durable/ids.js';
import { SITE_SLOT } from '../engine/testing/workflows.js';
import { readRpaJobStatus } from './testing/rpajob-crd.js';
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';
import { finishedStatus, startRobot, submitJob, tail, type RobotProcess } from './testing/robot-process.js';

const POOL = 'cancel';
const LONG = 240_000;

/** Sign in, a slow step, then the form's first page: the steps after the pause must never run. */
function pausingWorkflow(pauseSeconds: number): WorkflowSpec {
  return {
    params: [{ name: 'baseUrl', type: 'string', required: true }],
    credentials: [{ name: SITE_SLOT, keys: ['username', 'password'] }],
    timeouts: { stepSeconds: 60 },
    steps: [
      { id: 'openLogin', action: 'goto', url: '{{ params.baseUrl }}/login' },
      { id: 'typeUser', action: 'fill', target: { label: 'Username' }, value: '{{ credentials.site.username }}' },
      { id: 'typePassword', action: 'fill', target: { label: 'Password' }, value: '{{ credentials.site.password }}' },
      { id: 'signIn', action: 'click', target: { role: 'button', name: 'Sign in' } },
      { id: 'pause', action: 'waitFor', seconds: pauseSeconds },
      { id: 'openForm', action: 'goto', url: '{{ params.baseUrl }}/form/1' },
      { id: 'typeName', action: 'fill', target: { label: 'Full name' }, value: 'Ada Lovelace' },
      { id: 'typeEmail', action: 'fill', target: { label: 'Email' }, value: 'ada@example.org' },
      { id: 'next1', action: 'click', target: { role: 'button', name: 'Next' } },
    ],
  } as WorkflowSpec;
}
const BEFORE_PAUSE = ['openLogin', 'typeUser', 'typePassword', 'signIn', 'pause'];

describe('cancelling a running job and running past its deadline (e2e)', () => {
  const ns = `cancel-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(10).toString('hex')}`;
  let kc: KubeConfig;
  let dbUrl: string;
  let db: pg.Pool;
  let producer: Producer;
  let site: TestSite;
  let robot: RobotProcess;

  let bed: RobotTestBed | undefined;

  beforeAll(async () => {
    bed = await startRobotTestBed({
      databasePrefix: 'robotcancel',
      namespace: ns,
      users: { alice: password },
      loginSecret: { username: 'alice', password },
    });
    ({ kc, dbUrl, db, producer, site } = bed);
    robot = await startRobot({
      databaseUrl: dbUrl,
      pool: POOL,
      namespace: ns,
      pod: 'robot-cancel-0',
      kubeconfig: kubeconfigPath(),
      allow: [new URL(site.url).host],
    });
  }, LONG);

  afterAll(async () => {
    await robot?.stop();
    await bed?.stop();
  }, LONG);

  const submit = (name: string, workflow: WorkflowSpec, activeDeadlineSeconds?: number) =>
    submitJob({
      kc,
      producer,
      namespace: ns,
      pool: POOL,
      name,
      workflow,
      params: { baseUrl: site.url },
      credentials: { [SITE_SLOT]: { secretName: 'site-login' } },
      maxAttempts: 3,
      ...(activeDeadlineSeconds !== undefined && { activeDeadlineSeconds }),
    });

  /** Checkpoint names of the attempt's durable run, in order. */
  const checkpoints = async (uid: string) =>
    (
      await db.query<{ name: string }>(
        `select function_name as name from dbos.operation_outputs where workflow_uuid = $1 order by function_id`,
        [workflowIdFor(uid, 1)],
      )
    ).rows.map((r) => r.name);

  /** No graphile-worker job is left for the run: it will not run again. */
  const queuedJobs = async (uid: string) =>
    (await db.query(`select count(*)::int as n from graphile_worker.jobs where key = $1`, [jobKey(uid)])).rows[0]
      .n as number;

  it(
    'a job cancelled while a step runs stops at the next step boundary and is reported Cancelled',
    async () => {
      site.reset();
      const uid = await submit('cancel-me', pausingWorkflow(8));
      await waitFor(
        'the robot to be inside the slow step',
        async () => (robot.stepsStarted(uid).at(-1) === 'pause' ? true : undefined),
        {
          timeoutMs: 120_000,
          failFast: () => (robot.child.exitCode !== null ? `robot exited\n${tail(robot)}` : undefined),
        },
      );
      const running = await readRpaJobStatus(kc, ns, 'cancel-me');
      expect(running?.phase).toBe('Running');

      // What the operator does when the RpaJob is deleted.
      expect(await producer.cancel(uid)).toBe('requested');

      const status = await finishedStatus(kc, ns, 'cancel-me');
      expect(status).toMatchObject({
        phase: 'Cancelled',
        robot: 'robot-cancel-0',
        error: { reason: 'Cancelled', message: 'the RpaJob was cancelled', stepId: 'openForm' },
      });
      expect(typeof status.completionTime).toBe('string');
      // The slow step finished; the next one stopped at its boundary without running.
      expect(robot.stepsStarted(uid)).toEqual(BEFORE_PAUSE);
      expect(await checkpoints(uid)).toEqual([...BEFORE_PAUSE, 'openForm']);
      const hits = site.hits();
      expect(hits['POST /login']).toBe(1);
      expect(hits['GET /form/1']).toBeUndefined();
      expect(hits['POST /form/1']).toBeUndefined();

      const run = await waitFor('the run row to be cancelled', async () => {
        const r = await producer.getRun(uid);
        return r?.state === 'cancelled' ? r : undefined;
      });
      expect(run.failedAttempts).toBe(0);
      expect(await queuedJobs(uid)).toBe(0);
      const audit = await db.query(`select action from aether.audit_log where run_uid = $1 order by id`, [uid]);
      expect(audit.rows.map((r) => r.action)).toContain('run.cancelRequested');
    },
    LONG,
  );

  it(
    'an attempt that runs past timeouts.jobSeconds stops at the next boundary: JobTimeout, retried, then Failed',
    async () => {
      // Each attempt has 3 s; its first step alone takes 5 s. retry.from start: each attempt runs it again
      // (with the default failedStep, the retry would reuse the finished pause and succeed).
      const workflow: WorkflowSpec = {
        timeouts: { jobSeconds: 3 },
        steps: [
          { id: 'pause', action: 'waitFor', seconds: 5 },
          { id: 'after', action: 'setVariable', name: 'x', value: '1' },
        ],
      } as WorkflowSpec;
      const uid = await submitJob({ kc, producer, namespace: ns, pool: POOL, name: 'job-timeout', workflow, maxAttempts: 2, retryFrom: 'start' });
      const status = await finishedStatus(kc, ns, 'job-timeout');
      expect(status).toMatchObject({ phase: 'Failed', attempts: 2, error: { reason: 'JobTimeout', stepId: 'after' } });
      expect(String((status.error as { message: string }).message)).toMatch(/timeouts\.jobSeconds \(3 s\)/);
      const run = await waitFor('the run row to be failed', async () => {
        const r = await producer.getRun(uid);
        return r?.state === 'failed' ? r : undefined;
      });
      // Each attempt had its own budget and used it up: two failed attempts, as maxAttempts allows.
      expect(run).toMatchObject({ failedAttempts: 2, error: { code: 'JobTimeout', stepId: 'after' } });
    },
    LONG,
  );

  it(
    'a job whose activeDeadlineSeconds passes during a step stops at the next boundary and is reported Failed with DeadlineExceeded',
    async () => {
      site.reset();
      // The deadline (12 s after creation) passes while the 20 s pause runs.
      const uid = await submit('too-slow', pausingWorkflow(20), 12);
      const status = await finishedStatus(kc, ns, 'too-slow');
      expect(status).toMatchObject({
        phase: 'Failed',
        robot: 'robot-cancel-0',
        attempts: 1,
        error: { reason: 'DeadlineExceeded', stepId: 'openForm' },
      });
      expect(String((status.error as { message: string }).message)).toMatch(/deadline/);
      expect(robot.stepsStarted(uid)).toEqual(BEFORE_PAUSE);
      expect(await checkpoints(uid)).toEqual([...BEFORE_PAUSE, 'openForm']);
      const hits = site.hits();
      expect(hits['POST /login']).toBe(1);
      expect(hits['GET /form/1']).toBeUndefined();
      expect(hits['POST /form/1']).toBeUndefined();

      // Not retried: a deadline is final, whatever maxAttempts says.
      const run = await waitFor('the run row to be failed', async () => {
        const r = await producer.getRun(uid);
        return r?.state === 'failed' ? r : undefined;
      });
      expect(run).toMatchObject({ failedAttempts: 1, error: { code: 'DeadlineExceeded' } });
      expect(await queuedJobs(uid)).toBe(0);
    },
    LONG,
  );
});
