// Suspending an attempt with real Postgres (DBOS), real Chromium and the local test site, in one process:
// a suspend parks the attempt at the next step boundary (its DBOS workflow CANCELLED, nothing recorded
// past the last finished step); running the same attempt again resumes it at that step with the browser
// session restored, and every step has run exactly once. A cancel of a suspended attempt ends it.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_USERS, type TestSite } from '../../../e2e/site/server.js';
import { workflowIdFor } from '../durable/ids.js';
import type { AttemptRequest, AttemptResult, Engine } from './engine.js';
import { startEngineBed, testUid, type EngineBed } from './testing/engine-bed.js';
import { siteCredential } from './testing/credentials.js';
import { openAccountParams, openAccountWorkflow } from './testing/workflows.js';

const [USER, PASSWORD] = Object.entries(DEFAULT_USERS)[0]!;
const CREDS = { username: USER, password: PASSWORD, token: 'tok-' + randomBytes(8).toString('hex') };
const FORM_POSTS = ['POST /login', 'POST /form/1', 'POST /form/2', 'POST /form/3'];
const STEP_IDS = openAccountWorkflow().steps.map((s) => s.id);
const SESSION_KEY = randomBytes(32);

let bed: EngineBed;
let site: TestSite;
let db: pg.Pool;
let engine: Engine;
const uid = testUid;

beforeAll(async () => {
  bed = await startEngineBed('suspend-test');
  ({ site, engine } = bed);
  db = new pg.Pool({ connectionString: bed.dbUrl, max: 2 });
}, 60_000);

afterAll(async () => {
  await db?.end();
  await bed?.stop();
});

/**
 * One run of attempt 1 of the open-account job; `ran` collects the steps that really ran (not replayed).
 * `suspendAfter`: a suspend is requested once that step has started, so the attempt parks right after it.
 */
function attempt(runUid: string, opts: { suspendAfter?: string } & Partial<AttemptRequest> = {}): { ran: string[]; run: () => Promise<AttemptResult> } {
  const ran: string[] = [];
  const { suspendAfter, ...extra } = opts;
  return {
    ran,
    run: () =>
      engine.runAttempt({
        runUid,
        attempt: 1,
        workflow: openAccountWorkflow(),
        params: openAccountParams(site.url),
        credentials: async () => siteCredential(CREDS, site.url),
        sessionKey: SESSION_KEY,
        progress: (_k, _n, path) => ran.push(path),
        ...(suspendAfter !== undefined && { suspendRequested: () => ran.includes(suspendAfter) }),
        ...extra,
      }),
  };
}

const checkpoints = async (runUid: string) =>
  (await db.query<{ name: string }>(`select function_name as name from dbos.operation_outputs where workflow_uuid = $1 order by function_id`, [workflowIdFor(runUid, 1)])).rows.map(
    (r) => r.name,
  );

describe('suspending an attempt', () => {
  let baseline: Extract<AttemptResult, { status: 'succeeded' }>;

  it('runs the job uninterrupted (the baseline)', async () => {
    site.reset();
    const a = attempt(uid());
    const r = await a.run();
    if (r.status !== 'succeeded') throw new Error(`baseline ${r.status}`);
    baseline = r;
    expect(a.ran).toEqual(STEP_IDS);
  }, 120_000);

  // 4: right after signing in (cookies only); 11: mid-form, the server-side form state and the page URL
  // must carry over; 13: a checkbox ticked on the current page must be refilled after the restore.
  it.each([4, 11, 13])(
    'suspended after step %i: parks at the next boundary, resumes there, every step once, same outputs',
    async (k) => {
      site.reset();
      const runUid = uid();
      const first = attempt(runUid, { suspendAfter: STEP_IDS[k - 1]! });
      const suspended = await first.run();
      expect(suspended).toMatchObject({ status: 'suspended', stepId: STEP_IDS[k], takeOver: 'start' });
      expect(first.ran).toEqual(STEP_IDS.slice(0, k));
      // Parked resumably: CANCELLED in DBOS, and nothing recorded beyond the k finished steps.
      expect((await DBOS.getWorkflowStatus(workflowIdFor(runUid, 1)))?.status).toBe('CANCELLED');
      expect(await checkpoints(runUid)).toEqual(STEP_IDS.slice(0, k));
      const hitsAtSuspend = site.hits();

      const second = attempt(runUid, { cancelRequested: () => false });
      const resumed = await second.run();
      if (resumed.status !== 'succeeded') throw new Error(`resumed ${JSON.stringify(resumed)}`);
      expect(resumed.takeOver).toBe('resume');
      expect(second.ran).toEqual(STEP_IDS.slice(k));
      expect(await checkpoints(runUid)).toEqual(STEP_IDS);
      const hits = site.hits();
      for (const action of FORM_POSTS) expect([action, hits[action]]).toEqual([action, 1]);
      for (const [key, n] of Object.entries(hitsAtSuspend)) if (key.startsWith('POST ')) expect([key, hits[key]]).toEqual([key, n]);
      // Still signed in after the restore: the login page was not visited again.
      expect(hits['GET /login']).toBe(hitsAtSuspend['GET /login']);
      expect(resumed.outputs).toEqual(baseline.outputs);
      expect(resumed.vars).toEqual(baseline.vars);
    },
    120_000,
  );

  it('suspended twice in one job, then finished: still every step once', async () => {
    site.reset();
    const runUid = uid();
    const one = attempt(runUid, { suspendAfter: 'signIn' });
    expect(await one.run()).toMatchObject({ status: 'suspended', stepId: 'checkWelcome' });
    const two = attempt(runUid, { cancelRequested: () => false, suspendAfter: 'next2' });
    const r2 = await two.run();
    expect(r2).toMatchObject({ status: 'suspended', stepId: 'typeNotes', takeOver: 'resume' });
    const three = attempt(runUid, { cancelRequested: () => false });
    const r3 = await three.run();
    expect(r3.status).toBe('succeeded');
    expect([...one.ran, ...two.ran, ...three.ran]).toEqual(STEP_IDS);
    for (const action of FORM_POSTS) expect([action, site.hits()[action]]).toEqual([action, 1]);
    expect((r3 as Extract<AttemptResult, { status: 'succeeded' }>).outputs).toEqual(baseline.outputs);
  }, 180_000);

  it('a suspended attempt picked up while its run is being cancelled is cancelled, running nothing', async () => {
    site.reset();
    const runUid = uid();
    expect(await attempt(runUid, { suspendAfter: 'openLogin' }).run()).toMatchObject({ status: 'suspended', stepId: 'typeUser' });
    const hits = site.hits();
    const again = attempt(runUid, { cancelRequested: () => true });
    expect(await again.run()).toMatchObject({ status: 'stopped', reason: 'cancel', takeOver: 'cancelled' });
    expect(again.ran).toEqual([]);
    expect(site.hits()).toEqual(hits);
  }, 120_000);
});
