// The robot process end to end: real Postgres, real API server, real Chromium, the local test site.
// RpaJobs are created on the API server and enqueued with the queue producer; a robot process
// (robot-image/src/main.ts, spawned as a child) runs them and reports on their status.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { workflowDigest } from '../../../api/queue/digest.js';
import { upsertQueue } from '../../../api/queue/items/queues.js';
import { addItems, listItems } from '../../../api/queue/items/store.js';
import { parseItems } from '../../../api/queue/items/validate.js';
import { testQueueRow } from '../../../api/queue/testing/queues.js';
import type { Producer } from '../../../api/queue/producer.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { freePort } from '../../../e2e/harness/ports.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { confirmationNumber, type TestSite } from '../../../e2e/site/server.js';
import { openAccountParams, openAccountWorkflow, SITE_SLOT } from '../engine/testing/workflows.js';
import { RPAJOB } from './reporter.js';
import { createRpaJob, readRpaJobStatus } from './testing/rpajob-crd.js';
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const POOL = 'e2e';

/** Chromium, DBOS and the API server on a shared 2-core machine: generous per-test limits. */
const LONG = 180_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('robot process (e2e)', () => {
  const ns = `robot-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(10).toString('hex')}`;
  const token = `tok-${randomBytes(10).toString('hex')}`;
  let kc: KubeConfig;
  let dbUrl: string;
  let db: pg.Pool;
  let producer: Producer;
  let site: TestSite;
  let robot: ChildProcess;
  let robotExit: Promise<number | null>;
  const logLines: string[] = [];
  let metricsUrl: string;

  let bed: RobotTestBed | undefined;

  beforeAll(async () => {
    bed = await startRobotTestBed({
      databasePrefix: 'robot',
      namespace: ns,
      users: { alice: password },
      loginSecret: { username: 'alice', password, token },
    });
    ({ kc, dbUrl, db, producer, site } = bed);

    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    robot = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'robot-image/src/main.ts')], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AETHER_DATABASE_URL: dbUrl,
        AETHER_POOL: POOL,
        AETHER_NAMESPACE: ns,
        AETHER_POD_NAME: 'robot-e2e-0',
        AETHER_KUBECONFIG: kubeconfigPath(),
        AETHER_METRICS_HOST: '127.0.0.1',
        AETHER_METRICS_PORT: String(port),
        AETHER_LOG_LEVEL: 'debug', // as much log text as possible for the secrets check
        AETHER_RETRY_BACKOFF_BASE_SECONDS: '1',
        AETHER_SHUTDOWN_GRACE_SECONDS: '5',
        // The test site is on loopback, which robots refuse unless their pool allows it.
        AETHER_NETWORK_ALLOW: JSON.stringify([new URL(site.url).host]),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [robot.stdout!, robot.stderr!]) {
      let rest = '';
      stream.on('data', (d: Buffer) => {
        const parts = (rest + d.toString()).split('\n');
        rest = parts.pop()!;
        logLines.push(...parts);
      });
    }
    robotExit = new Promise((resolve) => robot.once('exit', (code) => resolve(code)));
    await until('the robot to be ready', async () => {
      if (robot.exitCode !== null) throw new Error(`robot exited with ${robot.exitCode}:\n${logLines.join('\n')}`);
      const res = await fetch(`${metricsUrl}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  }, LONG);

  afterAll(async () => {
    if (robot && robot.exitCode === null) {
      robot.kill('SIGTERM');
      await Promise.race([robotExit, new Promise((r) => setTimeout(r, 20_000))]);
      if (robot.exitCode === null) robot.kill('SIGKILL');
    }
    await bed?.stop();
  }, LONG);

  async function submit(
    name: string,
    workflow: WorkflowSpec,
    params: Record<string, unknown>,
    maxAttempts: number,
  ): Promise<string> {
    const credentials: Record<string, { secretName: string }> = workflow.credentials?.length
      ? { [SITE_SLOT]: { secretName: 'site-login' } }
      : {};
    const { uid } = await createRpaJob(kc, ns, name, { pool: POOL, workflow, params, credentials, maxAttempts });
    const res = await producer.enqueue({
      payload: {
        version: 1,
        uid,
        namespace: ns,
        name,
        pool: POOL,
        workflow,
        workflowDigest: workflowDigest(workflow),
        params,
        credentials,
        maxAttempts,
        traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
      },
    });
    expect(res.enqueued).toBe(true);
    return uid;
  }

  const finished = (name: string) =>
    until(`RpaJob ${name} to finish`, async () => {
      const s = await readRpaJobStatus(kc, ns, name);
      return s && ['Succeeded', 'Failed', 'Cancelled'].includes(String(s.phase)) ? s : undefined;
    });

  let successUid = '';

  it(
    'runs a 21-step workflow (login with a Secret, 3-page form, table, screenshots) and puts its outputs on the RpaJob',
    async () => {
      const workflow = openAccountWorkflow();
      expect(workflow.steps.length).toBeGreaterThanOrEqual(8);
      const params = openAccountParams(site.url);
      successUid = await submit('open-account', workflow, params, 2);
      const status = await finished('open-account');

      const expectedConfirmation = confirmationNumber('alice', {
        fullName: 'Ada Lovelace',
        email: 'ada@example.org',
        plan: 'enterprise',
        terms: true,
        notes: 'Analytical engine',
      });
      expect(status).toMatchObject({
        phase: 'Succeeded',
        robot: 'robot-e2e-0',
        attempts: 1,
        progress: `${workflow.steps.length}/${workflow.steps.length}`,
      });
      expect(typeof status.startedAt).toBe('string');
      expect(typeof status.completionTime).toBe('string');
      const outputs = status.outputs as Record<string, unknown>;
      expect(outputs.confirmation).toBe(expectedConfirmation);
      expect(Array.isArray(outputs.orders)).toBe(true);
      expect((outputs.orders as unknown[]).length).toBeGreaterThan(0);
      expect(outputs.screenshots).toEqual({
        form: expect.stringMatching(/^postgres:aether\.screenshots\/\d+$/),
        orders: expect.stringMatching(/^postgres:aether\.screenshots\/\d+$/),
      });

      // The robot reports on the RpaJob and records the run row independently (the row's write is batched),
      // so the row may trail the status by a moment.
      const run = await waitFor(
        'the run row to be finished',
        async () => {
          const r = await db.query(`select state, outputs from aether.runs where uid = $1`, [successUid]);
          return r.rows[0]?.state === 'running' || r.rows[0]?.state === 'queued' ? undefined : r;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(run.rows[0].state).toBe('succeeded');
      expect(run.rows[0].outputs.confirmation).toBe(expectedConfirmation);
      const shot = await db.query(
        `select step_id, substring(image from 1 for 8) as magic from aether.screenshots where id = $1`,
        [
          String(outputs.screenshots && (outputs.screenshots as Record<string, string>).form)
            .split('/')
            .pop(),
        ],
      );
      expect(shot.rows[0]).toEqual({
        step_id: 'form',
        magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      });
      // Each form page was submitted exactly once.
      expect(site.hits()['POST /login']).toBe(1);
    },
    LONG,
  );

  it(
    'retries a failing step with backoff, then reports Failed with the error, the step and a screenshot reference',
    async () => {
      const workflow: WorkflowSpec = {
        steps: [
          { id: 'openHome', action: 'goto', url: `${site.url}/login` },
          // The page answers 500: the engine fails the step.
          { id: 'openBroken', action: 'goto', url: `${site.url}/fail` },
          { id: 'expectWelcome', action: 'assert', target: { css: '#welcome' }, text: 'Welcome', timeoutSeconds: 2 },
        ],
      } as WorkflowSpec;
      const before = site.hits()['GET /fail'] ?? 0;
      const uid = await submit('always-fails', workflow, {}, 2);
      const status = await finished('always-fails');

      expect(status).toMatchObject({
        phase: 'Failed',
        attempts: 2,
        error: { reason: 'StepFailed', stepId: 'openBroken', screenshot: `postgres:aether.runs/${uid}#screenshot` },
      });
      expect(String((status.error as { message: string }).message).length).toBeGreaterThan(0);
      expect(site.hits()['GET /fail']! - before).toBe(2); // one per attempt

      const run = await waitFor(
        'the run row to be dead-lettered',
        async () => {
          const r = await db.query(
            `select state, failed_attempts, screenshot_id, error from aether.runs where uid = $1`,
            [uid],
          );
          return r.rows[0]?.state === 'failed' ? r : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(run.rows[0]).toMatchObject({ state: 'failed', failed_attempts: 2, error: { stepId: 'openBroken' } });
      const shot = await db.query(
        `select step_id, octet_length(image) as bytes from aether.screenshots where id = $1`,
        [run.rows[0].screenshot_id],
      );
      expect(shot.rows[0].step_id).toBe('openBroken');
      expect(Number(shot.rows[0].bytes)).toBeGreaterThan(100);
    },
    LONG,
  );

  it(
    'a step failing three levels deep (forEach -> if -> step) with long ids ends Failed with its position',
    async () => {
      // Ids at the identifier limit (63): the nested path is ~200 characters, far past the 63 a step id may have.
      const loopId = `eachRow_${'x'.repeat(55)}`;
      const ifId = `checkRow_${'y'.repeat(54)}`;
      const leafId = `openBroken_${'z'.repeat(52)}`;
      const workflow: WorkflowSpec = {
        steps: [
          { id: 'rows', action: 'setVariable', name: 'rows', value: '{{ [1, 2] }}' },
          {
            id: loopId,
            action: 'forEach',
            items: 'vars.rows',
            steps: [
              {
                id: ifId,
                action: 'if',
                condition: 'item == 2',
                then: [{ id: leafId, action: 'goto', url: `${site.url}/fail` }],
              },
            ],
          },
        ],
      } as WorkflowSpec;
      const uid = await submit('nested-fails', workflow, {}, 1);
      const status = await finished('nested-fails');
      const path = `${loopId}[1].${ifId}.then.${leafId}`;
      expect(status).toMatchObject({
        phase: 'Failed',
        error: { reason: 'StepFailed', stepId: loopId, stepPath: path },
      });
      expect(String((status.error as { message: string }).message)).toContain('500');
      const run = await waitFor(
        'the run row to be dead-lettered',
        async () => {
          const r = await db.query(`select state, error from aether.runs where uid = $1`, [uid]);
          return r.rows[0]?.state === 'failed' ? r.rows[0] : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(run.error).toMatchObject({ stepId: path });
    },
    LONG,
  );

  it(
    'never lets a secret value out: logs, RpaJob status, run rows, DBOS checkpoints, queue payloads',
    async () => {
      expect(successUid).not.toBe('');
      const secrets = [password, token];
      const findings: string[] = [];
      const check = (where: string, text: string) => {
        for (const s of secrets) if (text.includes(s)) findings.push(`${where} contains a secret value`);
      };

      expect(logLines.length).toBeGreaterThan(10);
      logLines.forEach((line, i) => check(`log line ${i}`, line));

      const job = await kc
        .makeApiClient(CustomObjectsApi)
        .getNamespacedCustomObject({ ...RPAJOB, namespace: ns, name: 'open-account' });
      check('RpaJob open-account', JSON.stringify(job));

      // Every row of every table of the database: aether (runs, audit), DBOS's checkpoints, graphile-worker's jobs.
      const tables = await db.query<{ schema: string; name: string }>(
        `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      );
      const schemas = new Set(tables.rows.map((t) => t.schema));
      expect([...schemas]).toEqual(expect.arrayContaining(['aether', 'graphile_worker']));
      expect(tables.rows.some((t) => /operation_outputs/.test(t.name))).toBe(true);
      let rowsSeen = 0;
      for (const t of tables.rows) {
        const rows = await db.query<{ row: string }>(`select t::text as row from "${t.schema}"."${t.name}" t`);
        rowsSeen += rows.rowCount ?? 0;
        for (const r of rows.rows) check(`${t.schema}.${t.name}`, r.row);
      }
      expect(rowsSeen).toBeGreaterThan(20);
      // The run used the credential: the login succeeded with it.
      const checkpoints = await db.query(
        `select count(*)::int as n from dbos.operation_outputs where workflow_uuid like $1`,
        [`rpa-${successUid}-%`],
      );
      expect(checkpoints.rows[0].n).toBeGreaterThanOrEqual(21);
      expect(findings).toEqual([]);
    },
    LONG,
  );

  it(
    'takes the work items of its pool’s queues: each one a run of the queue’s workflow with the item’s data as params',
    async () => {
      const workflow = {
        params: [{ name: 'amount', type: 'number' as const, required: true }],
        steps: [
          { id: 'check', action: 'assert', condition: 'params.amount > 0', message: 'the amount must be positive' },
          { id: 'total', action: 'setVariable', name: 'total', value: '{{ params.amount * 2 }}' },
        ],
      };
      await upsertQueue(db, testQueueRow(ns, 'invoices', { pool: POOL, workflow, workflowDigest: workflowDigest(workflow) }));
      const added = await addItems(db, { namespace: ns, name: 'invoices' }, parseItems([1, 2, 3, -1].map((amount) => ({ reference: `inv-${amount}`, data: { amount } }))));
      const finished = await until('every item finished', async () => {
        const items = await listItems(db, { namespace: ns, queue: 'invoices' });
        return items.every((i) => i.status === 'Successful' || i.status === 'Failed') ? items : undefined;
      });
      expect(finished.map((i) => [i.reference, i.status, i.error?.kind ?? null])).toEqual([
        ['inv-1', 'Successful', null],
        ['inv-2', 'Successful', null],
        ['inv-3', 'Successful', null],
        ['inv--1', 'Failed', 'business'],
      ]);
      expect(finished.every((i) => i.robot?.startsWith('robot-e2e-0-'))).toBe(true);
      expect(added.map((a) => a.result)).toEqual(['added', 'added', 'added', 'added']);
    },
    LONG,
  );

  it(
    'serves metrics of what it did, and stops gracefully on SIGTERM',
    async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(text).toContain(`aether_jobs_total{pool="${POOL}",outcome="succeeded"} 1`);
      // always-fails (two attempts) and nested-fails (one).
      expect(text).toContain(`aether_jobs_total{pool="${POOL}",outcome="failed"} 3`);
      expect(text).toMatch(new RegExp(`aether_step_duration_seconds_count\\{pool="${POOL}",action="fill"\\} [1-9]`));
      expect(text).toContain(`aether_active_jobs{pool="${POOL}"} 0`);
      // The work items of the queue test: three Successful, one business failure.
      expect(text).toContain(`aether_queue_items_total{pool="${POOL}",queue="invoices",outcome="successful"} 3`);
      expect(text).toContain(`aether_queue_items_total{pool="${POOL}",queue="invoices",outcome="failed"} 1`);
      expect(text).toContain(`aether_queue_item_duration_seconds_count{pool="${POOL}",queue="invoices"} 4`);
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);

      robot.kill('SIGTERM');
      expect(await robotExit).toBe(0);
      const robots = await db.query(`select state from aether.robots where pod = 'robot-e2e-0'`);
      expect(robots.rows.map((r) => r.state)).not.toContain('alive');
    },
    LONG,
  );
});
