// A robot SIGKILLed right after a download step's checkpoint: the robot that takes the job over finds the
// artifact, does not download it again, and finishes the job with the same outputs (real processes,
// PostgreSQL and Chromium; the artifact row is written inside the step, before its checkpoint).
import { ORDERS_CSV, REPORT_PDF, sha256 } from '../../../e2e/site/files.js';
import { listArtifacts, readArtifactContent } from '../../../api/queue/sql/artifacts.js';
import { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { runChild } from './testing/attempt-child-run.js';
import { startTakeoverBed, type TakeoverBed } from './testing/takeover-bed.js';

let bed: TakeoverBed;

beforeAll(async () => {
  bed = await startTakeoverBed('files_takeover');
}, 60_000);
afterAll(() => bed?.stop());

const workflow = () =>
  WorkflowSpec.parse({
    steps: [
      { id: 'open', action: 'goto', url: `${bed.site.url}/files` },
      { id: 'pdf', action: 'download', artifact: 'report.pdf', target: { css: '#pdf' } },
      { id: 'csv', action: 'download', artifact: 'orders.csv', url: `${bed.site.url}/files/orders.csv` },
      { id: 'done', action: 'setVariable', name: 'done', value: 'yes' },
    ],
  });

describe('take-over after a download', () => {
  it.each([2, 3])('crash after step %i: nothing is downloaded twice and no file is lost', async (k) => {
    bed.site.reset();
    const runUid = await bed.newRun();
    const first = await runChild(bed.attempt(runUid, workflow(), { crashAfterStep: k }));
    expect(first.signal).toBe('SIGKILL');
    const second = await runChild(bed.attempt(runUid, workflow()));
    if (!second.result) throw new Error(`second child printed no result: ${second.stderr}`);
    expect(second.result).toMatchObject({ status: 'succeeded', takeOver: 'resume' });
    expect(second.result.ran).toEqual(['open', 'pdf', 'csv', 'done'].slice(k));
    expect(second.result.outputs).toMatchObject({
      pdf: { name: 'report.pdf', size: REPORT_PDF.length, sha256: sha256(REPORT_PDF), contentType: 'application/pdf' },
      csv: { name: 'orders.csv', size: ORDERS_CSV.length, sha256: sha256(ORDERS_CSV), contentType: 'text/csv' },
    });
    const hits = bed.site.hits();
    expect([hits['GET /files/report.pdf'], hits['GET /files/orders.csv']]).toEqual([1, 1]);
    expect((await listArtifacts(bed.db.pool, { runUid })).map((a) => a.name)).toEqual(['report.pdf', 'orders.csv']);
    expect((await readArtifactContent(bed.db.pool, { runUid, name: 'report.pdf' }))!.equals(REPORT_PDF)).toBe(true);
  }, 180_000);
});
