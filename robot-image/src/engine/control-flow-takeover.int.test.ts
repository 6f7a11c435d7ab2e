// Crash inside a loop: a robot process SIGKILLs itself right after a checkpoint on page 3 of 5 of an
// until loop; a second process takes the workflow over and goes on at the same iteration and step. No
// step runs twice (each page's Acknowledge POST reaches the site once over both processes).
import { randomBytes } from 'node:crypto';
import { runChild, type ChildResult } from './testing/attempt-child-run.js';
import { freshDatabase } from '../../../e2e/harness/testenv.js';
import { startTestSite, type TestSite } from '../../../e2e/site/server.js';
import { paginateWorkflow } from './testing/flow-workflows.js';

/** Both processes are robots of one namespace: they share its checkpoint key. */
const SESSION_KEY = randomBytes(32).toString('base64');

let site: TestSite;
let dbUrl: string;
let baseline: ChildResult;

beforeAll(async () => {
  site = await startTestSite();
  dbUrl = await freshDatabase('flow_takeover');
});
afterAll(() => site?.stop());

const attemptOf = (runUid: string, crashAfterStep?: number) => ({
  dbUrl,
  runUid,
  attempt: 1,
  workflow: paginateWorkflow(site.url),
  params: {},
  credentials: {},
  allow: [new URL(site.url).host],
  sessionKey: SESSION_KEY,
  ...(crashAfterStep ? { crashAfterStep } : {}),
});

const acks = () => Object.entries(site.hits()).filter(([k]) => /^POST \/pages\/\d+\/ack$/.test(k));

describe('take-over inside an until loop', () => {
  it('runs the paginated workflow uninterrupted in a child process (the baseline)', async () => {
    site.reset();
    const r = await runChild(attemptOf('flowbase' + randomBytes(4).toString('hex')));
    if (!r.result) throw new Error(`child printed no result (code ${r.code}): ${r.stderr}`);
    expect(r.result.status).toBe('succeeded');
    expect((r.result.outputs?.pages as unknown[]).length).toBe(5);
    baseline = r.result;
  }, 120_000);

  // Checkpoints: open, pages, then 6 per iteration (ack, items, hasNext, maybeNext, next, the until
  // decision). 15: Acknowledge on page 3 was just posted; 16: page 3's items read; 19: Next on page 3
  // clicked (the browser is on page 4).
  it.each([
    [15, 'pages[2].ack'],
    [16, 'pages[2].items'],
    [19, 'pages[2].maybeNext.then.next'],
  ])('crash after checkpoint %i (%s): the next robot resumes at the right iteration and step', async (k, lastDone) => {
    site.reset();
    expect(baseline.ran[k - 1]).toBe(lastDone);
    const runUid = `flowcrash${k}-${randomBytes(4).toString('hex')}`;
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
