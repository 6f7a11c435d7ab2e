// Expression functions in real runs (issue 16): values computed from a table the robot read in real
// Chromium from the test site travel through variables, an assert and an http request; and now() is
// the attempt's recorded clock, so a robot that takes a job over after a SIGKILL sees the same time.
import { randomBytes } from 'node:crypto';
import { DEFAULT_USERS } from '../../../e2e/site/server.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { validateWorkflow } from '../../../api/v1alpha1/index.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';
import { siteCredential } from './testing/credentials.js';
import { runAttemptChild } from './testing/run-attempt-child.js';
import { SITE_SLOT } from './testing/workflows.js';

const [USER, PASSWORD] = Object.entries(DEFAULT_USERS)[0]!;
const CREDS = { username: USER, password: PASSWORD };

let bed: EngineBed;

beforeAll(async () => {
  bed = await startEngineBed('expressions-test');
}, 60_000);

afterAll(() => bed?.stop());

const signIn: WorkflowSpec['steps'] = [
  { id: 'openLogin', action: 'goto', url: '{{ params.baseUrl }}/login' },
  { id: 'typeUser', action: 'fill', target: { label: 'Username' }, value: '{{ credentials.site.username }}' },
  { id: 'typePassword', action: 'fill', target: { label: 'Password' }, value: '{{ credentials.site.password }}' },
  { id: 'signIn', action: 'click', target: { role: 'button', name: 'Sign in' } },
];

/** Reads the orders table and computes with it; the site's /api/echo returns the report it was sent. */
function ordersReport(): WorkflowSpec {
  return {
    params: [
      { name: 'baseUrl', type: 'string', required: true },
      { name: 'threshold', type: 'number', default: 100 },
      { name: 'zone', type: 'string', default: 'Pacific/Auckland' },
    ],
    credentials: [{ name: SITE_SLOT, keys: ['username', 'password'] }],
    timeouts: { stepSeconds: 15 },
    steps: [
      ...signIn,
      { id: 'openOrders', action: 'goto', url: '{{ params.baseUrl }}/table' },
      { id: 'orders', action: 'extractTable', target: { css: '#orders' } },
      { id: 'total', action: 'setVariable', name: 'total', value: '{{ sum(steps.orders.output, o => o.Amount) }}' },
      {
        id: 'shipped',
        action: 'setVariable',
        name: 'shipped',
        value: '{{ steps.orders.output | filter: (o => o.Status == "shipped") | map: (o => o.Customer) }}',
      },
      {
        id: 'big',
        action: 'setVariable',
        name: 'big',
        value: '{{ filter(steps.orders.output, o => o.Amount * 1 > params.threshold) | length }}',
      },
      { id: 'day', action: 'setVariable', name: 'day', value: '{{ formatDate(now(), "yyyy-MM-dd", params.zone) }}' },
      {
        id: 'check',
        action: 'assert',
        condition: 'vars.total == 547.75 and round(vars.total / 4, 2) == 136.94 and date(vars.day, "yyyy-MM-dd", params.zone) <= now()',
      },
      {
        id: 'report',
        action: 'http',
        method: 'POST',
        url: '{{ params.baseUrl }}/api/echo',
        body: '{{ {total: vars.total, shipped: vars.shipped, big: vars.big, day: vars.day, code: replace(upper(slice(vars.shipped[0], 0, 3)), "A", "4")} }}',
      },
    ],
  };
}

/** The calendar day of `ms` in `zone`, as formatDate's yyyy-MM-dd would write it. */
function dayIn(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

describe('expression functions in a real run', () => {
  it('computes a report from the table read in Chromium and sends it as a JSON object', async () => {
    expect(validateWorkflow(ordersReport())).toEqual([]);
    const before = Date.now();
    const r = await bed.engine.runAttempt({
      runUid: testUid(),
      attempt: 1,
      workflow: ordersReport(),
      params: { baseUrl: bed.site.url },
      credentials: async (slot) => {
        if (slot !== SITE_SLOT) throw new Error(`unknown slot ${slot}`);
        return siteCredential(CREDS, bed.site.url);
      },
    });
    const after = Date.now();
    if (r.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(r).slice(0, 2000)}`);
    expect(r.vars.total).toBe(547.75);
    expect(r.vars.shipped).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(r.vars.big).toBe(2);
    expect([dayIn(before, 'Pacific/Auckland'), dayIn(after, 'Pacific/Auckland')]).toContain(r.vars.day);
    const echo = r.outputs.report as { status: number; body: { method: string; body: string } };
    expect(echo.status).toBe(200);
    // The site reads every POST body as a form and echoes it re-encoded: the JSON text is its one key.
    const sent = [...new URLSearchParams(echo.body.body).keys()];
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!)).toEqual({
      total: 547.75,
      shipped: ['Ada Lovelace', 'Grace Hopper'],
      big: 2,
      day: r.vars.day,
      code: '4D4',
    });
  }, 120_000);

  it('fails the step with the expression error, not a crash, when a function is given bad data', async () => {
    const workflow: WorkflowSpec = {
      params: [{ name: 'n', type: 'string', default: 'zero' }],
      steps: [{ id: 'divide', action: 'setVariable', name: 'q', value: '{{ 10 / (params.n | number | default: 0) }}' }],
    };
    const r = await bed.engine.runAttempt({ runUid: testUid(), attempt: 1, workflow, params: {} });
    expect(r.status).toBe('failed');
    if (r.status === 'failed') {
      expect(r.error.stepId).toBe('divide');
      expect(r.error.message).toContain('division by zero');
    }
  }, 60_000);
});

// ---- now() across a take-over: two robot processes, the first SIGKILLed after step 1 ----

interface ChildResult {
  status: string;
  vars?: Record<string, unknown>;
  takeOver?: string;
  ran: string[];
}

describe('now() is the attempt clock', () => {
  it('a step run by the robot that took the job over sees the time the first robot recorded', async () => {
    const workflow: WorkflowSpec = {
      params: [{ name: 'baseUrl', type: 'string', required: true }],
      steps: [
        { id: 'started', action: 'setVariable', name: 'started', value: '{{ now() }}' },
        { id: 'open', action: 'goto', url: '{{ params.baseUrl }}/login' },
        { id: 'later', action: 'setVariable', name: 'later', value: '{{ now() }}' },
        { id: 'stamp', action: 'setVariable', name: 'stamp', value: '{{ formatDate(now(), "HH:mm:ss.SSS") }}' },
      ],
    };
    const dbUrl = await freshDatabase('clock');
    const runUid = 'clock' + randomBytes(4).toString('hex');
    const attempt = { dbUrl, runUid, attempt: 1, workflow, params: { baseUrl: bed.site.url }, credentials: {}, allow: [new URL(bed.site.url).host] };
    const before = Date.now();
    const first = await runAttemptChild<ChildResult>({ ...attempt, crashAfterStep: 1 });
    expect(first.signal).toBe('SIGKILL');
    const second = await runAttemptChild<ChildResult>(attempt);
    if (!second.result) throw new Error(`second child printed no result: ${second.stderr}`);
    expect(second.result.takeOver).toBe('resume');
    expect(second.result.status).toBe('succeeded');
    expect(second.result.ran).toEqual(['open', 'later', 'stamp']);
    const vars = second.result.vars ?? {};
    const [started, later, stamp] = [String(vars.started), String(vars.later), String(vars.stamp)];
    expect(Date.parse(started)).toBeGreaterThanOrEqual(before);
    // Evaluated in another process after a crash and a restart, yet the same instant.
    expect(later).toBe(started);
    expect(stamp).toBe(started.slice(11, 23));
  }, 180_000);
});
