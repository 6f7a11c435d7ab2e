// A robot SIGKILLed while a pop-up tab is the active one (after waitForPopup, after switchTab, after the
// pop-up's POST) or right after a download: the robot that takes the job over reopens the tabs with the
// pop-up active, keeps the downloaded artifact, and runs no step twice — the pop-up's POST reaches the
// site once over both processes, and the pop-up can still close itself (real processes, PostgreSQL and
// Chromium).
import { randomBytes } from 'node:crypto';
import { REPORT_PDF, sha256 } from '../../../e2e/site/files.js';
import { listArtifacts, readArtifactContent } from '../../../api/queue/sql/artifacts.js';
import { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { runChild, type ChildResult } from './testing/attempt-child-run.js';
import { startTakeoverBed, type TakeoverBed } from './testing/takeover-bed.js';

/** Both processes are robots of one namespace: they share its checkpoint key. */
const SESSION_KEY = randomBytes(32).toString('base64');

let bed: TakeoverBed;
let baseline: ChildResult;

beforeAll(async () => {
  bed = await startTakeoverBed('tabs_takeover');
}, 60_000);
afterAll(() => bed?.stop());

const workflow = () =>
  WorkflowSpec.parse({
    // The machine is shared and noisy: a slow page is not what this test is about.
    timeouts: { stepSeconds: 60 },
    steps: [
      { id: 'open', action: 'goto', url: `${bed.site.url}/files` },
      { id: 'pdf', action: 'download', artifact: 'report.pdf', target: { css: '#pdf' } },
      { id: 'tabs', action: 'goto', url: `${bed.site.url}/browser/tabs` },
      { id: 'popup', action: 'waitForPopup', target: { role: 'link', name: 'Open help' } },
      { id: 'home', action: 'switchTab', index: 0 },
      { id: 'help', action: 'switchTab', title: 'Help 1' },
      { id: 'where', action: 'extractText', target: { css: '#child' } },
      { id: 'send', action: 'click', target: { css: '#send' } },
      { id: 'sent', action: 'extractText', target: { css: '#sent' } },
      // The pop-up closes itself (window.close()); steps go on in the tab that opened it.
      { id: 'close', action: 'click', target: { role: 'button', name: 'Close me' } },
      { id: 'back', action: 'extractText', target: { css: 'h1' } },
    ],
  });

const attemptOf = (runUid: string, crashAfterStep?: number) =>
  bed.attempt(runUid, workflow(), { sessionKey: SESSION_KEY, ...(crashAfterStep && { crashAfterStep }) });

/** Effects on the site that must happen once per job, however many robots ran it. */
const effects = () => {
  const hits = bed.site.hits();
  return { pdf: hits['GET /files/report.pdf'], sends: hits['POST /browser/tab-child/send'] };
};

async function expectOneArtifact(runUid: string): Promise<void> {
  expect((await listArtifacts(bed.db.pool, { runUid })).map((a) => a.name)).toEqual(['report.pdf']);
  expect((await readArtifactContent(bed.db.pool, { runUid, name: 'report.pdf' }))!.equals(REPORT_PDF)).toBe(true);
}

describe('take-over with a pop-up tab open and a file downloaded', () => {
  it('runs the workflow uninterrupted in a child process (the baseline)', async () => {
    bed.site.reset();
    const runUid = await bed.newRun();
    const r = await runChild(attemptOf(runUid));
    if (!r.result) throw new Error(`child printed no result (code ${r.code}): ${r.stderr}`);
    expect(r.result).toMatchObject({ status: 'succeeded', ran: ['open', 'pdf', 'tabs', 'popup', 'home', 'help', 'where', 'send', 'sent', 'close', 'back'] });
    expect(r.result.outputs).toMatchObject({
      pdf: { name: 'report.pdf', size: REPORT_PDF.length, sha256: sha256(REPORT_PDF), contentType: 'application/pdf' },
      popup: { index: 1, url: `${bed.site.url}/browser/tab-child?n=1`, title: 'Help 1' },
      home: { index: 0, title: 'Tabs' },
      help: { index: 1, title: 'Help 1' },
      where: 'Help page 1',
      sent: 'Report sent',
      back: 'Tabs',
    });
    expect(effects()).toEqual({ pdf: 1, sends: 1 });
    await expectOneArtifact(runUid);
    baseline = r.result;
  }, 120_000);

  // Checkpoints are the steps in order: 2 = the file was just downloaded; 4 = the pop-up was just opened
  // (it is active); 6 = switched back to it; 8 = its POST was just sent (its page navigated); 10 = it has
  // just closed itself (the opener is the only tab: the take-over must not reopen the pop-up).
  it.each([
    [2, 'pdf'],
    [4, 'popup'],
    [6, 'help'],
    [8, 'send'],
    [10, 'close'],
  ])('crash after checkpoint %i (%s): tabs and file restored, nothing runs twice', async (k, lastDone) => {
    bed.site.reset();
    expect(baseline.ran[k - 1]).toBe(lastDone);
    const runUid = await bed.newRun();
    const first = await runChild(attemptOf(runUid, k));
    expect(first.signal).toBe('SIGKILL');
    expect(first.result).toBeUndefined();

    const second = await runChild(attemptOf(runUid));
    if (!second.result) throw new Error(`second child printed no result (code ${second.code}): ${second.stderr}`);
    // With the error in the diff when it failed.
    expect({ ...second.result, stderr: second.result.status === 'succeeded' ? '' : second.stderr.slice(-2000) }).toMatchObject({ status: 'succeeded', takeOver: 'resume', stderr: '' });
    expect(second.result.ran).toEqual(baseline.ran.slice(k));
    // The steps after the crash saw the same tabs: the pop-up active (where, sent), then the opener again
    // once the pop-up had closed itself (back).
    expect(second.result.outputs).toEqual(baseline.outputs);
    expect(effects()).toEqual({ pdf: 1, sends: 1 });
    await expectOneArtifact(runUid);
  }, 180_000);
});
