// The crash test over the test site's paginated list (flow-workflows.ts), shared by the loop and the call
// take-over tests: a child robot runs the workflow uninterrupted (the baseline), then for each case a child
// SIGKILLs itself right after checkpoint k and a second child takes the workflow over. It must go on at
// checkpoint k+1, run no step twice (each page's Acknowledge POST reaches the site once over both
// processes) and end with the baseline's outputs.
import { randomBytes } from 'node:crypto';
import { runChild, type ChildResult } from './attempt-child-run.js';
import { freshDatabase } from '../../../../e2e/harness/testenv.js';
import { startTestSite, type TestSite } from '../../../../e2e/site/server.js';

/** What a child runs besides the common fields: the workflow and, for calls, its callees. */
export type AttemptBody = (siteUrl: string) => Record<string, unknown>;

export function describePaginateTakeover(opts: {
  title: string;
  database: string;
  body: AttemptBody;
  /** [k, the path of checkpoint k in the baseline]. */
  cases: Array<[number, string]>;
}): void {
  /** Both processes are robots of one namespace: they share its checkpoint key. */
  const sessionKey = randomBytes(32).toString('base64');
  let site: TestSite;
  let dbUrl: string;
  let baseline: ChildResult;

  beforeAll(async () => {
    site = await startTestSite();
    dbUrl = await freshDatabase(opts.database);
  });
  afterAll(() => site?.stop());

  const attemptOf = (runUid: string, crashAfterStep?: number) => ({
    dbUrl,
    runUid,
    attempt: 1,
    ...opts.body(site.url),
    params: {},
    credentials: {},
    allow: [new URL(site.url).host],
    sessionKey,
    ...(crashAfterStep ? { crashAfterStep } : {}),
  });
  const acks = () => Object.entries(site.hits()).filter(([k]) => /^POST \/pages\/\d+\/ack$/.test(k));

  describe(opts.title, () => {
    it('runs the workflow uninterrupted in a child process (the baseline)', async () => {
      site.reset();
      const r = await runChild(attemptOf('base' + randomBytes(4).toString('hex')));
      if (!r.result) throw new Error(`child printed no result (code ${r.code}): ${r.stderr}`);
      expect(r.result.status).toBe('succeeded');
      expect((r.result.outputs?.pages as unknown[]).length).toBe(5);
      baseline = r.result;
    }, 120_000);

    it.each(opts.cases)('crash after checkpoint %i (%s): the next robot resumes at the right iteration and step', async (k, lastDone) => {
      site.reset();
      expect(baseline.ran[k - 1]).toBe(lastDone);
      const runUid = `crash${k}-${randomBytes(4).toString('hex')}`;
      const first = await runChild(attemptOf(runUid, k));
      expect(first.signal).toBe('SIGKILL');
      expect(first.result).toBeUndefined();

      const second = await runChild(attemptOf(runUid));
      if (!second.result) throw new Error(`second child printed no result (code ${second.code}): ${second.stderr}`);
      expect(second.result.takeOver).toBe('resume');
      expect(second.result.status).toBe('succeeded');
      expect(second.result.ran).toEqual(baseline.ran.slice(k));
      // Every page acknowledged exactly once over both processes.
      expect(acks().sort()).toEqual([1, 2, 3, 4, 5].map((n) => [`POST /pages/${n}/ack`, 1]));
      expect(second.result.outputs).toEqual(baseline.outputs);
    }, 180_000);
  });
}
