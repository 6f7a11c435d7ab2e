// Tenancy end to end (issue 13.3): an operator (per-namespace database roles, the default) and a RobotPool
// whose robots run as local processes under the node simulator. The operator issues the namespace a
// database role in a Secret it owns; the robot Deployment reads that Secret, its robots run the jobs with
// the role (their DBOS checkpoints land in the namespace's own schema) and, with the very URL they were
// given, another namespace's rows, jobs and checkpoints stay out of reach and no DDL is possible.
// Before this, robots read a hand-copied Secret with the owner's URL: this test then failed (no Secret was
// issued, and that URL saw every namespace and could add any namespace's jobs).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { AppsV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import pg from 'pg';
import { testPayload } from '../../api/queue/fixtures.js';
import { taskIdentifier } from '../../api/queue/identifiers.js';
import { createProducer } from '../../api/queue/producer.js';
import { provisionTenant, tenantNames } from '../../api/tenancy/index.js';
import { deploymentName } from '../../operator/src/controllers/robotpool/deployment.js';
import type { Operator } from '../../operator/src/operator.js';
import {
  createObject,
  getObject,
  setUpEnv,
  silentLogger,
  startTestOperator,
  tearDownEnv,
  TEST_ROBOT_IMAGE,
  type TestEnv,
} from '../../operator/src/testing/operator-env.js';
import { ensureServiceAccount } from '../harness/kubeclient.js';
import { waitFor } from '../harness/wait.js';
import { NodeSimulator } from '../nodesim/simulator.js';
import { REPO_ROOT } from '../operator/operator-process.js';

jest.setTimeout(300_000);

const SECRET = 'aether-robot-database';
const OTHER = 'other-tenant';

async function attempt(db: pg.Pool, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await db.query(sql, params);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('tenancy end to end: robots run with the database role the operator issued to their namespace', () => {
  let env: TestEnv;
  let sim: NodeSimulator;
  let operator: Operator;
  const prefix = `e${randomBytes(4).toString('hex')}`;
  const roles: string[] = [];

  beforeAll(async () => {
    env = await setUpEnv('tenancy');
    const ns = env.namespace;
    await ensureServiceAccount(env.kc, ns, 'aether-robot');
    const rbac = env.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'robot' },
        rules: [
          { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs'], verbs: ['get'] },
          { apiGroups: ['rpa.aether.dev'], resources: ['rpajobs/status'], verbs: ['get', 'patch'] },
          // As the chart's robot Role: the checkpoint key (created by the operator) and audit Events.
          { apiGroups: [''], resources: ['secrets'], resourceNames: ['aether-checkpoint-key'], verbs: ['get'] },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'robot' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'robot' },
        subjects: [{ kind: 'ServiceAccount', name: 'aether-robot', namespace: ns }],
      },
    });
    sim = new NodeSimulator({
      kubeConfig: env.kc,
      nodeName: `sim-${ns}`,
      namespace: ns,
      images: {
        [TEST_ROBOT_IMAGE]: {
          command: 'sh',
          args: ['-c', 'AETHER_KUBECONFIG="$KUBECONFIG" exec node --import tsx robot-image/src/main.ts'],
          cwd: REPO_ROOT,
        },
      },
      restartBackoffMs: { base: 500, max: 5000 },
      log: silentLogger,
    });
    await sim.start();
    operator = await startTestOperator(env, {
      extraEnv: { AETHER_ROBOT_SERVICE_ACCOUNT: 'aether-robot', AETHER_ROBOT_DATABASE_ROLE_PREFIX: prefix },
    });
    roles.push(tenantNames(ns, { rolePrefix: prefix }).role);
    // Another namespace with queued work and a DBOS checkpoint of its own.
    const other = await provisionTenant({
      pool: env.db,
      databaseUrl: env.databaseUrl,
      namespace: OTHER,
      password: randomBytes(24).toString('base64url'),
      rolePrefix: prefix,
    });
    roles.push(other.names.role);
    await createProducer({ pool: env.db }).enqueue({ payload: testPayload({ namespace: OTHER, pool: 'p' }) });
    await env.db.query(
      `insert into ${pg.escapeIdentifier(other.names.dbosSchema)}.workflow_status (workflow_uuid, status, name) values ('rpa-other', 'SUCCESS', 'run')`,
    );
  });

  afterAll(async () => {
    await operator?.stop();
    await sim?.stop();
    // Roles belong to the PostgreSQL cluster, not to the test database: leave none behind.
    for (const r of roles)
      await env?.db
        .query(`drop owned by ${pg.escapeIdentifier(r)}; drop role ${pg.escapeIdentifier(r)}`)
        .catch(() => undefined);
    await tearDownEnv(env);
  });

  it('issues the Secret, runs the jobs with it, and that URL reaches nothing of another namespace', async () => {
    const ns = env.namespace;
    await createObject(env, 'RobotPool', 'web', {
      image: TEST_ROBOT_IMAGE,
      concurrencyPerRobot: 2,
      terminationGracePeriodSeconds: 10,
      autoscaling: { minReplicas: 0, maxReplicas: 1 },
      env: [
        { name: 'AETHER_METRICS_PORT', value: '0' },
        { name: 'AETHER_METRICS_HOST', value: '127.0.0.1' },
        { name: 'AETHER_SHUTDOWN_GRACE_SECONDS', value: '3' },
      ],
    });
    const workflow = { steps: [{ id: 'mark', action: 'setVariable', name: 'done', value: 'yes' }] };
    const uids = await Promise.all(
      ['job-a', 'job-b'].map(
        async (n) => (await createObject(env, 'RpaJob', n, { pool: 'web', workflow })).metadata.uid,
      ),
    );

    // The Secret: issued by the operator, with the namespace's role.
    const secret = await waitFor(
      'the database Secret to be issued',
      () => env.core.readNamespacedSecret({ name: SECRET, namespace: ns }).catch(() => undefined),
      { timeoutMs: 60_000 },
    );
    expect(secret.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'aether-operator',
      'app.kubernetes.io/component': 'robot-database',
    });
    const field = (k: string) => Buffer.from(secret.data![k]!, 'base64').toString('utf8');
    const names = tenantNames(ns, { rolePrefix: prefix });
    expect(field('username')).toBe(names.role);
    expect(field('dbosSchema')).toBe(names.dbosSchema);
    const robotUrl = field('url');
    expect(new URL(robotUrl).username).toBe(names.role);

    // The Deployment's robots read it.
    const dep = await waitFor(
      'the robot Deployment',
      () =>
        env.kc
          .makeApiClient(AppsV1Api)
          .readNamespacedDeployment({ name: deploymentName('web'), namespace: ns })
          .catch(() => undefined),
      { timeoutMs: 60_000 },
    );
    const envVars = Object.fromEntries(dep.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e]));
    expect(envVars.AETHER_DATABASE_URL!.valueFrom).toEqual({ secretKeyRef: { name: SECRET, key: 'url' } });

    // The jobs run through robots connected as that role.
    await waitFor(
      'both jobs to succeed',
      async () => {
        const phases = await Promise.all(
          ['job-a', 'job-b'].map(async (n) => (await getObject(env, 'RpaJob', n))?.status?.phase),
        );
        return phases.every((p) => p === 'Succeeded') ? phases : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    const runs = await env.db.query(`select state from aether.runs where uid = any($1::uuid[])`, [uids]);
    expect(runs.rows.map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    // Their checkpoints are in the namespace's own DBOS schema.
    const checkpoints = await env.db.query(
      `select count(*)::int as n from ${pg.escapeIdentifier(names.dbosSchema)}.workflow_status where workflow_uuid like any($1::text[])`,
      [uids.map((u) => `rpa-${u}%`)],
    );
    expect(checkpoints.rows[0].n).toBeGreaterThanOrEqual(2);

    // What that URL can reach.
    const asRobot = new pg.Pool({ connectionString: robotUrl, max: 1 });
    try {
      expect((await asRobot.query('select current_user as u')).rows[0].u).toBe(names.role);
      const seen = await asRobot.query<{ namespace: string }>('select distinct namespace from aether.runs');
      expect(seen.rows).toEqual([{ namespace: ns }]);
      expect((await env.db.query(`select count(distinct namespace)::int as n from aether.runs`)).rows[0].n).toBe(2);
      expect(
        await attempt(asRobot, `select graphile_worker.add_job($1::text, '{}'::json)`, [taskIdentifier(OTHER, 'p')]),
      ).toMatch(/row-level security/);
      expect(
        await attempt(
          asRobot,
          `select * from ${pg.escapeIdentifier(tenantNames(OTHER, { rolePrefix: prefix }).dbosSchema)}.workflow_status`,
        ),
      ).toMatch(/permission denied/);
      expect(await attempt(asRobot, 'create table aether.robot_table (x int)')).toMatch(/permission denied/);
      expect(
        await attempt(asRobot, `create table ${pg.escapeIdentifier(names.dbosSchema)}.robot_table (x int)`),
      ).toMatch(/permission denied/);
    } finally {
      await asRobot.end();
    }
  });
});
