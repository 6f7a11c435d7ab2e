// Crash and take-over across real processes: a robot process runs the job and SIGKILLs itself
// right after step k's checkpoint; a second process takes the same workflow over, rebuilds the
// browser session from the checkpoint and runs only steps k+1..n.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runChild, type ChildResult } from './testing/attempt-child-run.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { DEFAULT_USERS, startTestSite, type TestSite } from '../../../e2e/site/server.js';
import { openAccountParams, openAccountWorkflow, SITE_SLOT } from './testing/workflows.js';

const [USER, PASSWORD] = Object.entries(DEFAULT_USERS)[0]!;
const CREDENTIALS = {
  [SITE_SLOT]: { username: USER, password: PASSWORD, token: 'tok-' + randomBytes(8).toString('hex') },
};
const STEP_IDS = openAccountWorkflow().steps.map((s) => s.id);
/** Both processes are robots of one namespace: they share its checkpoint key. */
const SESSION_KEY = randomBytes(32).toString('base64');

let site: TestSite;
let dbUrl: string;
let baseline: ChildResult;

beforeAll(async () => {
  site = await startTestSite();
  dbUrl = await freshDatabase('takeover');
});
afterAll(() => site?.stop());

const attemptOf = (runUid: string, crashAfterStep?: number) => ({
  dbUrl,
  runUid,
  attempt: 1,
  workflow: openAccountWorkflow(),
  params: openAccountParams(site.url),
  credentials: CREDENTIALS,
  allow: [new URL(site.url).host],
  sessionKey: SESSION_KEY,
  ...(crashAfterStep ? { crashAfterStep } : {}),
});

describe('take-over after SIGKILL', () => {
  it('runs the workflow uninterrupted in a child process (the baseline)', async () => {
    site.reset();
    const r = await runChild(attemptOf('base' + randomBytes(4).toString('hex')));
    if (!r.result) throw new Error(`child printed no result (code ${r.code}): ${r.stderr}`);
    expect(r.result.status).toBe('succeeded');
    expect(r.result.ran).toEqual(STEP_IDS);
    baseline = r.result;
  }, 120_000);

  // k = 2: a field typed on the login page must be refilled; 9: a credential field on the form;
  // 5, 12: right after a navigation and in the middle of the form.
  it.each([2, 5, 9, 12])(
    'crash after step %i: the second robot runs only the remaining steps, once, with the same outputs',
    async (k) => {
      site.reset();
      const runUid = `crash${k}-${randomBytes(4).toString('hex')}`;
      const first = await runChild(attemptOf(runUid, k));
      expect(first.signal).toBe('SIGKILL');
      expect(first.result).toBeUndefined();
      const hitsAtCrash = site.hits();

      const second = await runChild(attemptOf(runUid));
      if (!second.result) throw new Error(`second child printed no result (code ${second.code}): ${second.stderr}`);
      expect(second.result.takeOver).toBe('resume');
      expect(second.result.status).toBe('succeeded');
      // Only steps k+1..n ran in the second process.
      expect(second.result.ran).toEqual(STEP_IDS.slice(k));
      // Each action endpoint was hit exactly once over both processes: steps 1..k did not run again.
      const hits = site.hits();
      for (const action of ['POST /login', 'POST /form/1', 'POST /form/2', 'POST /form/3'])
        expect([action, hits[action]]).toEqual([action, 1]);
      // The actions done before the crash are not repeated: their counters did not move.
      for (const [key, n] of Object.entries(hitsAtCrash))
        if (key.startsWith('POST ')) expect([key, hits[key]]).toEqual([key, n]);
      // Crashed after signing in (step 4): still logged in after the restore, no visit to the login page.
      if (k >= 4) expect(hits['GET /login']).toBe(hitsAtCrash['GET /login']);
      // Crashed on the login page: the restore reloads it once, and the login still happens once.
      else expect(hits['GET /login']).toBe(hitsAtCrash['GET /login']! + 1);
      expect(second.result.outputs).toEqual(baseline.outputs);
      expect(second.result.vars).toEqual(baseline.vars);
      // The session crossed processes sealed: no checkpoint shows the cookie or the storage state.
      const db = new pg.Pool({ connectionString: dbUrl, max: 1 });
      try {
        const rows = await db.query<{ output: string }>(`select output from dbos.operation_outputs where workflow_uuid like $1`, [`%${runUid}%`]);
        expect(rows.rows.length).toBeGreaterThanOrEqual(k);
        const all = rows.rows.map((r) => r.output).join('\n');
        expect(all).toContain('"sealed":"v1.');
        expect(all).not.toMatch(/storageState|sid=|"sid"/);
      } finally {
        await db.end();
      }
    },
    120_000,
  );
});
