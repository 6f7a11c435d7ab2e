// The "grep of every output" proof (issue 13, point 5) with real robot processes, the API server,
// Postgres, Chromium and the local test site. A job signs in with a bound credential, has a robot
// SIGKILLed right after signing in, and is taken over by a second robot which never reads the credential
// for a step before it extracts the greeting (it holds the username); it then sends the token and the
// password (JSON-escaped) to the site's echo endpoint, masks the confirmation number (`mask.output`),
// copies it into an unmasked output, and fails a continue-on-error step whose message holds the password.
// Afterwards every output is searched for every value in every common encoding: the robots' logs,
// a pg_dump of the whole database (all schemas: aether, graphile_worker, dbos), the RpaJob objects
// (status included) and the namespace's Events.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { createLogger } from '../../../api/log.js';
import type { Producer } from '../../../api/queue/producer.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { postgresBinDir } from '../../../e2e/harness/postgres.js';
import { kubeconfigPath } from '../../../e2e/harness/testenv.js';
import { waitFor } from '../../../e2e/harness/wait.js';
import { confirmationNumber, type TestSite } from '../../../e2e/site/server.js';
import { createSweeper, type Sweeper } from '../../../operator/src/queue/sweeper.js';
import { MASKED } from '../engine/redact.js';
import { SITE_SLOT } from '../engine/testing/workflows.js';
import { RPAJOB } from './reporter.js';
import { startRobotTestBed, type RobotTestBed } from './testing/test-bed.js';
import { finishedStatus, startRobot, submitJob, tail, type RobotProcess } from './testing/robot-process.js';

const POOL = 'masking';
const LONG = 420_000;
const silent = createLogger({ name: 'test', level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** The forms a value takes on its way out, built here independently of redact.ts. */
function encodings(v: string): Record<string, string> {
  const b64 = Buffer.from(v).toString('base64');
  const html = v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return {
    raw: v,
    encodeURIComponent: encodeURIComponent(v),
    'form (+ for space)': encodeURIComponent(v).replace(/%20/g, '+'),
    'form (URLSearchParams)': new URLSearchParams({ v }).toString().slice(2),
    base64: b64,
    'base64 unpadded': b64.replace(/=+$/, ''),
    base64url: Buffer.from(v).toString('base64url'),
    'JSON-escaped': JSON.stringify(v).slice(1, -1),
    'JSON in JSON': JSON.stringify(JSON.stringify(v)).slice(3, -3),
    'HTML (&#39;)': html.replace(/'/g, '&#39;'),
    'HTML (&#x27;)': html.replace(/'/g, '&#x27;'),
  };
}

/** Every (value, form) found in a text, as `value/form@where`. */
function findings(where: string, text: string, values: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(values))
    for (const [form, encoded] of Object.entries(encodings(value))) if (text.includes(encoded)) out.push(`${name}/${form}@${where}`);
  return [...new Set(out)];
}

describe('masking: a grep of every output after a suite with a take-over (e2e)', () => {
  const ns = `masking-${randomBytes(4).toString('hex')}`;
  const username = `u${randomBytes(6).toString('hex')}`;
  // Quotes, <&>, apostrophe, plus, slash, space: every encoding differs from the raw value.
  const password = `P@ss "${randomBytes(5).toString('hex')}" <&>'+/ =`;
  const token = `tok-${randomBytes(10).toString('hex')}`;
  let kc: KubeConfig;
  let dbUrl: string;
  let db: pg.Pool;
  let producer: Producer;
  let site: TestSite;
  let sweeper: Sweeper;
  let bed: RobotTestBed | undefined;
  const robots: RobotProcess[] = [];

  beforeAll(async () => {
    bed = await startRobotTestBed({
      databasePrefix: 'masking',
      namespace: ns,
      users: { [username]: password },
      loginSecret: { username, password, token },
      // The echo step sends the token in its URL and the password in its body: the Secret's owner allows both.
      scopeUsages: ['fill', 'url', 'body'],
    });
    ({ kc, dbUrl, db, producer, site } = bed);
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

  const cred = (key: string) => `{{ credentials.${SITE_SLOT}.${key} }}`;
  const workflow: WorkflowSpec = {
    params: [{ name: 'baseUrl', type: 'string', required: true }],
    credentials: [{ name: SITE_SLOT, keys: ['username', 'password', 'token'] }],
    timeouts: { stepSeconds: 15 },
    steps: [
      { id: 'openLogin', action: 'goto', url: '{{ params.baseUrl }}/login' },
      { id: 'typeUser', action: 'fill', target: { label: 'Username' }, value: cred('username') },
      { id: 'typePassword', action: 'fill', target: { label: 'Password' }, value: cred('password') },
      { id: 'signIn', action: 'click', target: { role: 'button', name: 'Sign in' } },
      { id: 'checkWelcome', action: 'assert', target: { css: '#welcome' }, text: 'Welcome' },
      // Robot 1 dies here (after 5 checkpoints). Robot 2 reads no credential for a step before this one:
      { id: 'greeting', action: 'extractText', target: { css: '#welcome' } },
      {
        id: 'echo',
        action: 'http',
        method: 'POST',
        url: `{{ params.baseUrl }}/api/echo?t=${cred('token')}`,
        body: `{"p": {{ credentials.${SITE_SLOT}.password | json }}}`,
      },
      { id: 'openForm', action: 'goto', url: '{{ params.baseUrl }}/form/1' },
      { id: 'typeName', action: 'fill', target: { label: 'Full name' }, value: 'Ada Lovelace' },
      { id: 'typeEmail', action: 'fill', target: { label: 'Email' }, value: 'ada@example.org' },
      { id: 'typeToken', action: 'fill', target: { label: 'Account token' }, value: cred('token') },
      { id: 'next1', action: 'click', target: { role: 'button', name: 'Next' } },
      { id: 'choosePlan', action: 'select', target: { label: 'Plan' }, value: 'enterprise' },
      { id: 'acceptTerms', action: 'check', target: { label: 'Accept the terms' } },
      { id: 'next2', action: 'click', target: { role: 'button', name: 'Next' } },
      { id: 'typeNotes', action: 'fill', target: { label: 'Notes' }, value: 'Analytical engine' },
      { id: 'submit', action: 'click', target: { role: 'button', name: 'Submit' } },
      { id: 'confirmation', action: 'extractText', target: { testId: 'confirmation' }, mask: { output: true } },
      // An unmasked copy of the masked value, sent out and echoed back into an output.
      { id: 'copy', action: 'http', method: 'POST', url: '{{ params.baseUrl }}/api/echo', body: 'ref {{ steps.confirmation.output }}' },
      {
        id: 'mustFail',
        action: 'assert',
        target: { testId: 'confirmation' },
        text: `no ${cred('password')} here`,
        timeoutSeconds: 2,
        onError: { policy: 'continue' },
      },
    ],
  };
  const CRASH_AFTER = 5;

  it(
    'finds no credential value and no masked output in logs, pg_dump, RpaJobs or Events',
    async () => {
      const confirmation = confirmationNumber(username, {
        fullName: 'Ada Lovelace',
        email: 'ada@example.org',
        plan: 'enterprise',
        terms: true,
        notes: 'Analytical engine',
      });
      const first = await robot('robot-mask-1', CRASH_AFTER);
      const uid = await submitJob({
        kc,
        producer,
        namespace: ns,
        pool: POOL,
        name: 'masked-job',
        workflow,
        params: { baseUrl: site.url },
        credentials: { [SITE_SLOT]: { secretName: 'site-login' } },
      });
      await waitFor('robot 1 to start the attempt', async () => first.startedAttempt(uid) || undefined, { timeoutMs: 120_000 });
      const taker = await robot('robot-mask-2');
      const exit = await first.exited;
      expect(exit.signal).toBe('SIGKILL');

      const status = await finishedStatus(kc, ns, 'masked-job');
      expect([status.phase, status.robot, tail(taker)]).toEqual(['Succeeded', 'robot-mask-2', tail(taker)]);
      // The take-over really happened: robot 2 ran only the steps after the crash.
      expect(taker.stepsStarted(uid)).toEqual(workflow.steps.slice(CRASH_AFTER).map((s) => s.id));

      // The job did its work with the real values; what left the robot shows them masked.
      const outputs = status.outputs as Record<string, unknown>;
      expect(outputs.confirmation).toBe(MASKED);
      expect(outputs.copy).toMatchObject({ status: 200, body: { body: expect.stringContaining(MASKED) as unknown } });
      expect(outputs.greeting).toBe('Welcome, [redacted]');
      expect(outputs.echo).toMatchObject({ status: 200 });
      expect(site.hits()['POST /form/3']).toBe(1);

      // Let the last log lines out, then stop the robots so every line is captured.
      await Promise.all(robots.map((r) => r.stop()));

      const values = { username, password, token, confirmation };
      const core = kc.makeApiClient(CoreV1Api);
      const jobs = await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...RPAJOB, namespace: ns });
      const events = await core.listNamespacedEvent({ namespace: ns });
      const dump = execFileSync(join(postgresBinDir(), 'pg_dump'), ['--no-owner', '--data-only', dbUrl], {
        maxBuffer: 512 * 1024 * 1024,
      }).toString('utf8');
      expect(dump).toContain('COPY dbos.operation_outputs');
      expect(dump).toContain(uid);

      const found = [
        ...robots.flatMap((r) => findings(`log of ${r.pod}`, r.lines.join('\n'), values)),
        // Per table, so a finding names where it is.
        ...dump.split(/^COPY /m).flatMap((part) => findings(`pg_dump ${part.split(' ', 1)[0]}`, part, values)),
        ...findings('RpaJobs', JSON.stringify(jobs), values),
        ...findings('Events', JSON.stringify(events), values),
      ];
      expect(found).toEqual([]);
      // The search itself works: the logs it read are the robots' whole output, and a planted value is found.
      expect(robots.every((r) => r.lines.length > 10)).toBe(true);
      expect(findings('probe', `x ${encodeURIComponent(password)} y`, values)).toEqual(['password/encodeURIComponent@probe']);
    },
    LONG,
  );
});
