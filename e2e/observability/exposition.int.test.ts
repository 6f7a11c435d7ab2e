// Both /metrics endpoints, scraped over HTTP from the real servers after real work, pass
// `promtool check metrics` (parsing and lint): the operator (buildOperator's Manager HTTP server, on the
// test API server and PostgreSQL, with a RobotPool that has queued jobs) and a robot process
// (robot-image/src/main.ts, real Chromium) that has run a job.
import { randomBytes, randomUUID } from 'node:crypto';
import type { WorkflowSpec } from '../../api/v1alpha1/workflow.js';
import { testPayload } from '../../api/queue/fixtures.js';
import type { Operator } from '../../operator/src/operator.js';
import { createObject, setUpEnv, startTestOperator, tearDownEnv, waitForObject, type TestEnv } from '../../operator/src/testing/operator-env.js';
import { finishedStatus, startRobot, submitJob, type RobotProcess } from '../../robot-image/src/agent/testing/robot-process.js';
import { startRobotTestBed, type RobotTestBed } from '../../robot-image/src/agent/testing/test-bed.js';
import { kubeconfigPath } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';
import { checkMetrics } from './promtool.js';

const LONG = 180_000;

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('promtool check metrics', () => {
  test('finds what it must: a counter without _total and a malformed line', () => {
    expect(checkMetrics('# HELP jobs Jobs.\n# TYPE jobs counter\njobs 1\n')).toEqual(['jobs counter metrics should have "_total" suffix']);
    expect(checkMetrics('# HELP x X.\n# TYPE x gauge\nx{a="1" 2\n').join('\n')).toMatch(/pars/);
  });
});

describe('operator /metrics', () => {
  let env: TestEnv;
  let operator: Operator;

  beforeAll(async () => {
    env = await setUpEnv('exposition');
    operator = await startTestOperator(env);
  }, LONG);
  afterAll(async () => {
    await operator?.stop();
    await tearDownEnv(env);
  }, LONG);

  test(
    'with pool, reconcile and work-queue series populated, passes promtool',
    async () => {
      await createObject(env, 'RobotPool', 'scraped', { image: 'aether.dev/robot:test', autoscaling: { minReplicas: 0, maxReplicas: 3 } });
      await operator.producer.enqueueMany([randomUUID(), randomUUID()].map((uid) => ({ payload: testPayload({ uid, namespace: env.namespace, pool: 'scraped' }) })));
      const { status } = await waitForObject(env, 'RobotPool', 'scraped', 'the scaler saw the jobs', (o) => o.status?.queue?.ready === 2);
      const pool = `namespace="${env.namespace}",pool="scraped"`;
      const url = `http://127.0.0.1:${operator.manager.httpPort}`;
      // The gauges are set right after the status write the wait above saw.
      const text = await waitFor('the pool gauges', async () => {
        const t = await scrape(url);
        return t.includes(`aether_pool_queue_depth{${pool},state="ready"} 2`) ? t : undefined;
      });
      for (const series of [
        `aether_pool_desired_replicas{${pool}} ${status!.desiredReplicas}`,
        `aether_pool_actual_replicas{${pool}} 0`,
        `aether_queue_oldest_ready_age_seconds{${pool}} `,
        'aether_reconcile_total{controller="robotpool",result=',
        'aether_reconcile_duration_seconds_bucket{le="0.005",controller="robotpool"}',
        'aether_workqueue_depth{controller="rpajob"} ',
        'aether_leader 1',
        'process_cpu_seconds_total ',
      ])
        expect(text).toContain(series);
      expect(checkMetrics(text)).toEqual([]);
    },
    LONG,
  );
});

describe('robot /metrics', () => {
  const ns = `expo-${randomBytes(4).toString('hex')}`;
  const pool = 'scraped';
  let bed: RobotTestBed;
  let robot: RobotProcess;

  beforeAll(async () => {
    bed = await startRobotTestBed({ databasePrefix: 'exposition', namespace: ns, users: { alice: 'pw' }, loginSecret: { username: 'alice' } });
    robot = await startRobot({ databaseUrl: bed.dbUrl, pool, namespace: ns, pod: 'robot-expo-0', kubeconfig: kubeconfigPath(), allow: [new URL(bed.site.url).host] });
  }, LONG);
  afterAll(async () => {
    await robot?.stop();
    await bed?.stop();
  }, LONG);

  test(
    'after a job, with job, step and active-job series populated, passes promtool',
    async () => {
      const workflow: WorkflowSpec = {
        params: [{ name: 'baseUrl', type: 'string', required: true }],
        steps: [
          { id: 'open', action: 'goto', url: '{{ params.baseUrl }}/login' },
          { id: 'user', action: 'fill', target: { label: 'Username' }, value: 'alice' },
          { id: 'snap', action: 'screenshot', name: 'login' },
        ],
      };
      await submitJob({ kc: bed.kc, producer: bed.producer, namespace: ns, pool, name: 'scraped', workflow, params: { baseUrl: bed.site.url } });
      expect((await finishedStatus(bed.kc, ns, 'scraped')).phase).toBe('Succeeded');

      const text = await scrape(robot.url);
      for (const series of [
        `aether_jobs_total{pool="${pool}",outcome="succeeded"} 1`,
        `aether_job_duration_seconds_count{pool="${pool}",outcome="succeeded"} 1`,
        `aether_step_duration_seconds_bucket{le="+Inf",pool="${pool}",action="fill"} 1`,
        `aether_active_jobs{pool="${pool}"} 0`,
        `aether_browser_restarts_total{pool="${pool}"} 0`,
        'nodejs_heap_size_used_bytes ',
      ])
        expect(text).toContain(series);
      expect(checkMetrics(text)).toEqual([]);
    },
    LONG,
  );
});
