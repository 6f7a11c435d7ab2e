// download and upload steps against real Chromium, the local test site and real PostgreSQL (artifacts in
// aether.artifacts of a migrated database; DBOS in the engine bed's own).
import type pg from 'pg';
import { ORDERS_CSV, REPORT_PDF, sha256, type ReceivedUpload } from '../../../e2e/site/files.js';
import { testPayload } from '../../../api/queue/fixtures.js';
import { migratedQueueDatabase, type QueueTestDatabase } from '../../../api/queue/testing/database.js';
import { insertArtifact, listArtifacts, readArtifactContent } from '../../../api/queue/sql/artifacts.js';
import type { WorkflowSpecInput } from '../../../api/v1alpha1/workflow.js';
import { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { DEFAULT_ARTIFACT_CAPS, type ArtifactCaps } from '../../../api/v1alpha1/artifacts.js';
import { jobArtifacts } from '../artifacts/store.js';
import type { AttemptResult } from './engine.js';
import { startEngineBed, type EngineBed } from './testing/engine-bed.js';

let bed: EngineBed;
let jobs: QueueTestDatabase;

beforeAll(async () => {
  bed = await startEngineBed('files-test');
  jobs = await migratedQueueDatabase('files');
}, 60_000);
afterAll(async () => {
  await bed?.stop();
  await jobs?.pool.end();
});
beforeEach(() => bed.site.reset());

/** A queued run of namespace team-a (artifacts belong to a run row). */
async function newRun(): Promise<string> {
  const payload = testPayload({ namespace: 'team-a' });
  await jobs.producer.enqueue({ payload });
  return payload.uid;
}

async function run(runUid: string, steps: WorkflowSpecInput['steps'], caps: ArtifactCaps = DEFAULT_ARTIFACT_CAPS, extra: { configMapFile?: (r: { name: string; key: string }) => Promise<Buffer> } = {}): Promise<AttemptResult> {
  return bed.engine.runAttempt({
    runUid,
    attempt: 1,
    workflow: WorkflowSpec.parse({ steps }),
    files: jobArtifacts({ db: jobs.pool, runUid, namespace: 'team-a', caps, ...extra }),
  });
}

function succeeded(r: AttemptResult): Extract<AttemptResult, { status: 'succeeded' }> {
  if (r.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(r, (k, v) => (k === 'screenshot' ? '<png>' : v))}`);
  return r;
}
function failed(r: AttemptResult): Extract<AttemptResult, { status: 'failed' }> {
  if (r.status !== 'failed') throw new Error(`expected a failure, got ${r.status}`);
  return r;
}

const received = async (): Promise<ReceivedUpload[]> => (await fetch(`${bed.site.url}/files/received`)).json() as Promise<ReceivedUpload[]>;
const rows = (db: pg.Pool, runUid: string) => listArtifacts(db, { runUid });

describe('download and upload steps', () => {
  it('downloads a PDF by a click and a CSV by opening its URL, stores both and returns name, size, sha256, type', async () => {
    const runUid = await newRun();
    const r = succeeded(
      await run(runUid, [
        { id: 'open', action: 'goto', url: `${bed.site.url}/files` },
        { id: 'pdf', action: 'download', artifact: 'report.pdf', target: { css: '#pdf' } },
        { id: 'csv', action: 'download', artifact: "{{ 'orders' }}.csv", url: `${bed.site.url}/files/orders.csv` },
      ]),
    );
    expect(r.outputs.pdf).toEqual({ name: 'report.pdf', size: REPORT_PDF.length, sha256: sha256(REPORT_PDF), contentType: 'application/pdf' });
    expect(r.outputs.csv).toEqual({ name: 'orders.csv', size: ORDERS_CSV.length, sha256: sha256(ORDERS_CSV), contentType: 'text/csv' });
    expect((await rows(jobs.pool, runUid)).map((a) => [a.name, a.stepPath])).toEqual([
      ['report.pdf', 'pdf'],
      ['orders.csv', 'csv'],
    ]);
    expect((await readArtifactContent(jobs.pool, { runUid, name: 'report.pdf' }))!.equals(REPORT_PDF)).toBe(true);
    expect((await readArtifactContent(jobs.pool, { runUid, name: 'orders.csv' }))!.equals(ORDERS_CSV)).toBe(true);
  }, 60_000);

  it('uploads a downloaded CSV, a ConfigMap file and inline content; the server receives the exact bytes', async () => {
    const runUid = await newRun();
    const configMapBytes = Buffer.from('id;value\n7;seven\n', 'utf8');
    const asked: string[] = [];
    const r = succeeded(
      await run(
        runUid,
        [
          { id: 'csv', action: 'download', artifact: 'orders.csv', url: `${bed.site.url}/files/orders.csv` },
          { id: 'form', action: 'goto', url: `${bed.site.url}/files/upload` },
          { id: 'up', action: 'upload', target: { label: 'Data file' }, file: { artifact: 'orders.csv' } },
          { id: 'send', action: 'click', target: { role: 'button', name: 'Send' } },
          { id: 'form2', action: 'goto', url: `${bed.site.url}/files/upload` },
          { id: 'up2', action: 'upload', target: { css: '#file' }, file: { configMapKeyRef: { name: 'inputs', key: 'data.csv' } } },
          { id: 'send2', action: 'click', target: { role: 'button', name: 'Send' } },
          { id: 'form3', action: 'goto', url: `${bed.site.url}/files/upload` },
          { id: 'up3', action: 'upload', target: { css: '#file' }, file: { content: 'a,b\n{{ steps.csv.output.size }},3\n', name: 'inline.csv' } },
          { id: 'send3', action: 'click', target: { role: 'button', name: 'Send' } },
          { id: 'sha', action: 'extractText', target: { css: '.sha' } },
        ],
        DEFAULT_ARTIFACT_CAPS,
        {
          configMapFile: async (ref) => {
            asked.push(`${ref.name}/${ref.key}`);
            return configMapBytes;
          },
        },
      ),
    );
    const inline = Buffer.from(`a,b\n${ORDERS_CSV.length},3\n`);
    const got = await received();
    expect(got.map((g) => [g.field, g.fileName, g.contentType, g.size, g.sha256])).toEqual([
      ['file', 'orders.csv', 'text/csv', ORDERS_CSV.length, sha256(ORDERS_CSV)],
      ['file', 'data.csv', 'text/csv', configMapBytes.length, sha256(configMapBytes)],
      ['file', 'inline.csv', 'text/csv', inline.length, sha256(inline)],
    ]);
    expect(asked).toEqual(['inputs/data.csv']);
    expect(r.outputs.up).toEqual({ name: 'orders.csv', size: ORDERS_CSV.length, contentType: 'text/csv' });
    expect(r.outputs.sha).toBe(sha256(inline));
  }, 60_000);

  it('refuses a file over artifacts.maxFileBytes and a job over artifacts.maxJobBytes, naming the limit; nothing stored', async () => {
    const runUid = await newRun();
    const caps = { maxFileBytes: 1024 * 1024, maxJobBytes: 2 * 1024 * 1024 };
    const big = failed(await run(runUid, [{ id: 'big', action: 'download', artifact: 'big.bin', url: `${bed.site.url}/files/big.bin?bytes=3000000` }], caps));
    expect(big.error.message).toBe("the downloaded file is larger than the pool's artifacts.maxFileBytes (1048576 bytes)");
    expect(await rows(jobs.pool, runUid)).toEqual([]);

    const other = await newRun();
    const url = (n: number) => `${bed.site.url}/files/big.bin?bytes=${n}`;
    const sum = failed(
      await run(
        other,
        [
          { id: 'a', action: 'download', artifact: 'a.bin', url: url(900_000) },
          { id: 'b', action: 'download', artifact: 'b.bin', url: url(900_000) },
          { id: 'c', action: 'download', artifact: 'c.bin', url: url(900_000) },
        ],
        caps,
      ),
    );
    expect(sum.error).toMatchObject({
      stepId: 'c',
      message: "the job's artifacts would exceed the pool's artifacts.maxJobBytes (2097152 bytes; 1800000 already stored)",
    });
    expect((await rows(jobs.pool, other)).map((a) => [a.name, a.size])).toEqual([
      ['a.bin', 900_000],
      ['b.bin', 900_000],
    ]);
  }, 60_000);

  it('a step that finds its artifact already stored (crash before its checkpoint) returns it without downloading again', async () => {
    const runUid = await newRun();
    // What a robot that died between storing and checkpointing left behind.
    await insertArtifact(jobs.pool, { runUid, namespace: 'team-a', name: 'report.pdf', stepPath: 'pdf', contentType: 'application/pdf', sha256: sha256(REPORT_PDF), content: REPORT_PDF });
    const r = succeeded(
      await run(runUid, [
        { id: 'open', action: 'goto', url: `${bed.site.url}/files` },
        { id: 'pdf', action: 'download', artifact: 'report.pdf', target: { css: '#pdf' } },
      ]),
    );
    expect(r.outputs.pdf).toEqual({ name: 'report.pdf', size: REPORT_PDF.length, sha256: sha256(REPORT_PDF), contentType: 'application/pdf' });
    expect(bed.site.hits()['GET /files/report.pdf']).toBeUndefined();
    expect(bed.site.hits()['GET /files']).toBe(1);
  }, 60_000);

  it('fails clearly: a trigger that starts no download, a name another step stored, an unknown artifact, a bad rendered name', async () => {
    const runUid = await newRun();
    const none = failed(
      await run(runUid, [
        { id: 'open', action: 'goto', url: `${bed.site.url}/files` },
        { id: 'none', action: 'download', artifact: 'x.pdf', target: { css: '#nothing' }, timeoutSeconds: 2 },
      ]),
    );
    expect(none.error.message).toMatch(/^the click started no download within 2000 ms/);

    const twice = failed(
      await run(await newRun(), [
        { id: 'one', action: 'download', artifact: 'same.csv', url: `${bed.site.url}/files/orders.csv` },
        { id: 'two', action: 'download', artifact: 'same.csv', url: `${bed.site.url}/files/report.pdf` },
      ]),
    );
    expect(twice.error).toMatchObject({ stepId: 'two', message: 'artifact "same.csv" was already stored by step one: each artifact name of a job is stored once' });

    const unknown = failed(
      await run(await newRun(), [
        { id: 'form', action: 'goto', url: `${bed.site.url}/files/upload` },
        { id: 'up', action: 'upload', target: { css: '#file' }, file: { artifact: 'missing.csv' } },
      ]),
    );
    expect(unknown.error.message).toBe('this job has no artifact "missing.csv" (a download step stores one)');

    const bad = failed(await run(await newRun(), [{ id: 'd', action: 'download', artifact: "{{ '../etc/passwd' }}", url: `${bed.site.url}/files/orders.csv` }]));
    expect(bad.error.message).toMatch(/^artifact name "..\/etc\/passwd" must be/);
  }, 60_000);

  it('refuses credentials in upload content at run time too (no Secret scope covers a file)', async () => {
    const steps = (file: Record<string, unknown>) => [
      { id: 'form', action: 'goto', url: `${bed.site.url}/files/upload` },
      { id: 'up', action: 'upload', target: { css: '#file' }, file },
    ];
    const runUid = await newRun();
    const r = await bed.engine.runAttempt({
      runUid,
      attempt: 1,
      workflow: WorkflowSpec.parse({ credentials: [{ name: 'site', keys: ['password'] }], steps: steps({ content: 'pw={{ credentials.site.password }}' }) }),
      credentials: async () => {
        throw new Error('the credential must not be read');
      },
      files: jobArtifacts({ db: jobs.pool, runUid, namespace: 'team-a', caps: DEFAULT_ARTIFACT_CAPS }),
    });
    expect(failed(r).error.message).toBe('upload content may not use credentials (it reads site)');
    expect(await received()).toEqual([]);
  }, 60_000);

  it('a download URL outside the egress policy is refused before the browser opens it', async () => {
    const r = failed(await run(await newRun(), [{ id: 'd', action: 'download', artifact: 'x.csv', url: 'http://169.254.169.254/latest/meta-data' }]));
    expect(r.error.message).toMatch(/169\.254\.169\.254/);
    expect(r.error.message).toMatch(/refused|not allowed/i);
  }, 60_000);
});
