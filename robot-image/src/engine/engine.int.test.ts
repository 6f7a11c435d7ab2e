// The engine against real Postgres (DBOS), real Chromium and the local test site, in one process.
// Crash and take-over across processes: takeover.int.test.ts.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { confirmationNumber, DEFAULT_USERS, type TestSite } from '../../../e2e/site/server.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { chromiumArgs, decideSandbox, sandboxFacts } from '../browser/chromium.js';
import type { AttemptResult, Engine } from './engine.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';
import { siteCredential } from './testing/credentials.js';
import { openAccountParams, openAccountWorkflow, SITE_SLOT } from './testing/workflows.js';

const [USER, PASSWORD] = Object.entries(DEFAULT_USERS)[0]!;
const TOKEN = 'tok-' + randomBytes(8).toString('hex');
const CREDS = { username: USER, password: PASSWORD, token: TOKEN };
const credentials = async (slot: string) => {
  if (slot !== SITE_SLOT) throw new Error(`unknown slot ${slot}`);
  return siteCredential(CREDS, site.url);
};

let bed: EngineBed;
let site: TestSite;
let dbUrl: string;
let engine: Engine;
const uid = testUid;

beforeAll(async () => {
  bed = await startEngineBed('engine-test');
  ({ site, dbUrl, engine } = bed);
}, 60_000);

afterAll(() => bed?.stop());

beforeEach(() => site.reset());

function succeeded(r: AttemptResult): Extract<AttemptResult, { status: 'succeeded' }> {
  if (r.status !== 'succeeded')
    throw new Error(`expected success, got ${JSON.stringify(r, (k, v) => (k === 'screenshot' ? '<png>' : v))}`);
  return r;
}

const isPng = (b: Buffer | undefined) =>
  b !== undefined && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

describe('engine', () => {
  let first: Extract<AttemptResult, { status: 'succeeded' }>;
  const runUid = uid();

  it('runs the 21-step open-account workflow: login with a credential, 3-page form, table, screenshots', async () => {
    const progress: string[] = [];
    const r = succeeded(
      await engine.runAttempt({
        runUid,
        attempt: 1,
        workflow: openAccountWorkflow(),
        params: openAccountParams(site.url),
        credentials,
        progress: (k, n, id) => progress.push(`${k}/${n} ${id}`),
      }),
    );
    first = r;
    expect(r.takeOver).toBe('start');
    expect(r.workflowId).toBe(`rpa-${runUid}-a1`);
    expect(r.outputs.confirmation).toBe(
      confirmationNumber(USER, {
        fullName: 'Ada Lovelace',
        email: 'ada@example.org',
        plan: 'enterprise',
        terms: true,
        notes: 'Analytical engine',
      }),
    );
    expect(r.outputs.orders).toHaveLength(4);
    expect((r.outputs.orders as Array<Record<string, string>>)[0]).toEqual({
      Order: '1001',
      Customer: 'Ada Lovelace',
      Amount: '120.50',
      Status: 'shipped',
    });
    expect(r.vars.orderCount).toBe(4);
    expect(Object.keys(r.screenshots).sort()).toEqual(['form', 'orders']);
    expect(isPng(r.screenshots.orders)).toBe(true);
    expect(progress[0]).toBe('1/21 openLogin');
    expect(progress).toHaveLength(21);
    // Every action endpoint was hit exactly once.
    expect(site.hits()).toMatchObject({ 'POST /login': 1, 'POST /form/1': 1, 'POST /form/2': 1, 'POST /form/3': 1 });
  });

  it('returns the recorded outcome of a finished attempt without running anything again', async () => {
    const again = succeeded(
      await engine.runAttempt({
        runUid,
        attempt: 1,
        workflow: openAccountWorkflow(),
        params: openAccountParams(site.url),
        credentials,
      }),
    );
    expect(again.takeOver).toBe('take-result');
    expect(again.outputs).toEqual(first.outputs);
    expect(site.hits()).toEqual({});
  });

  it('paints credential-filled fields over in screenshots and leaves others visible', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs(decideSandbox(sandboxFacts()).sandbox) });
    try {
      // Find where the fields sit on the form page (same viewport as the robot's context).
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(site.url + '/login');
      await page.getByLabel('Username').fill(USER);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.goto(site.url + '/form/1');
      const tokenBox = (await page.getByLabel('Account token').boundingBox())!;
      const nameBox = (await page.getByLabel('Full name').boundingBox())!;
      // Read pixels of the robot's screenshot in a canvas.
      const png = first.screenshots.form!.toString('base64');
      const pixel = async (x: number, y: number) =>
        page.evaluate(
          async ({ png, x, y }) => {
            const img = new Image();
            img.src = 'data:image/png;base64,' + png;
            await img.decode();
            const c = document.createElement('canvas');
            c.width = img.width;
            c.height = img.height;
            const g = c.getContext('2d')!;
            g.drawImage(img, 0, 0);
            return Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
          },
          { png, x: Math.round(x), y: Math.round(y) },
        );
      expect(await pixel(tokenBox.x + 4, tokenBox.y + tokenBox.height / 2)).toEqual([255, 0, 255]);
      expect(await pixel(tokenBox.x + tokenBox.width - 4, tokenBox.y + 4)).toEqual([255, 0, 255]);
      expect(await pixel(nameBox.x + nameBox.width - 4, nameBox.y + nameBox.height / 2)).not.toEqual([255, 0, 255]);
    } finally {
      await browser.close();
    }
  });

  it('never records a credential value in any DBOS table', async () => {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const tables = await c.query<{ schema: string; name: string }>(
        `select table_schema as schema, table_name as name from information_schema.tables where table_schema = 'dbos' and table_type = 'BASE TABLE'`,
      );
      expect(tables.rows.map((t) => t.name)).toEqual(expect.arrayContaining(['workflow_status', 'operation_outputs']));
      let rows = 0;
      for (const t of tables.rows) {
        const r = await c.query<{ j: string }>(`select row_to_json(x)::text as j from "${t.schema}"."${t.name}" x`);
        rows += r.rows.length;
        for (const row of r.rows) {
          expect(row.j).not.toContain(PASSWORD);
          expect(row.j).not.toContain(TOKEN);
        }
      }
      // The checkpoints are there (so the grep looked at something): one per step.
      const steps = await c.query(`select 1 from dbos.operation_outputs where workflow_uuid = $1`, [first.workflowId]);
      expect(steps.rowCount).toBe(21);
      expect(rows).toBeGreaterThan(21);
    } finally {
      await c.end();
    }
  });

  it('fails a step with its id, message and a screenshot of the page', async () => {
    const workflow: WorkflowSpec = {
      steps: [
        { id: 'open', action: 'goto', url: `${site.url}/login` },
        { id: 'typeUser', action: 'fill', target: { label: 'Username' }, value: '{{ credentials.site.password }}' },
        { id: 'clickMissing', action: 'click', target: { role: 'button', name: 'No such button' }, timeoutSeconds: 1 },
        { id: 'never', action: 'goto', url: `${site.url}/home` },
      ],
    };
    const r = await engine.runAttempt({ runUid: uid(), attempt: 1, workflow, credentials });
    if (r.status !== 'failed') throw new Error(`expected failure, got ${r.status}`);
    expect(r.error.stepId).toBe('clickMissing');
    expect(r.error.message).toMatch(/timeout|No such button/i);
    expect(r.error.message).not.toContain(PASSWORD);
    expect(isPng(r.screenshot)).toBe(true);
    expect(site.hits()['GET /home']).toBeUndefined();
  });

  it('retries a flaky step with backoff, and goes on past a failing step whose policy is continue', async () => {
    const workflow: WorkflowSpec = {
      steps: [
        {
          id: 'flaky',
          action: 'goto',
          url: `${site.url}/flaky?key=r1&fails=2`,
          onError: { policy: 'retry', retries: 3, backoff: { initialSeconds: 0.05 } },
        },
        { id: 'broken', action: 'goto', url: `${site.url}/fail`, onError: { policy: 'continue' } },
        { id: 'after', action: 'extractText', target: { css: '#message' } },
      ],
    };
    const r = succeeded(await engine.runAttempt({ runUid: uid(), attempt: 1, workflow }));
    expect(site.hits()['GET /flaky?key=r1']).toBe(3);
    expect(r.outputs.flaky).toMatchObject({ status: 200 });
    expect(r.outputs.broken).toBeUndefined();
    expect(r.outputs.after).toBe('This page always fails');
  });

  it('gives every forEach iteration and if-branch step its own checkpoint', async () => {
    const workflow: WorkflowSpec = {
      steps: [
        { id: 'names', action: 'setVariable', name: 'names', value: '{{ ["ada", "alan", "grace"] }}' },
        {
          id: 'each',
          action: 'forEach',
          items: 'vars.names',
          as: 'who',
          steps: [
            { id: 'greet', action: 'setVariable', name: 'last', value: 'hi {{ who }} #{{ loop.number }}' },
            {
              id: 'isAlan',
              action: 'if',
              condition: 'who == "alan"',
              then: [{ id: 'mark', action: 'setVariable', name: 'found', value: '{{ loop.index }}' }],
            },
          ],
        },
      ],
    };
    const r = succeeded(await engine.runAttempt({ runUid: uid(), attempt: 1, workflow }));
    expect(r.vars).toMatchObject({ last: 'hi grace #3', found: 1 });
    const names = (await DBOS.listWorkflowSteps(r.workflowId))!.map((s) => s.name);
    expect(names).toEqual([
      'names',
      'each',
      'each[0].greet',
      'each[0].isAlan',
      'each[1].greet',
      'each[1].isAlan',
      'each[1].isAlan.then.mark',
      'each[2].greet',
      'each[2].isAlan',
    ]);
  });

  it('stops at the next step boundary when asked', async () => {
    let asked = 0;
    const workflow: WorkflowSpec = {
      steps: [
        { id: 'a', action: 'setVariable', name: 'a', value: '1' },
        { id: 'b', action: 'setVariable', name: 'b', value: '2' },
        { id: 'c', action: 'setVariable', name: 'c', value: '3' },
      ],
    };
    const r = await engine.runAttempt({
      runUid: uid(),
      attempt: 1,
      workflow,
      shouldStop: async () => (++asked >= 2 ? 'deadline' : null),
    });
    expect(r).toMatchObject({ status: 'stopped', reason: 'deadline', stepId: 'b' });
  });
});
