// Local mode end to end: the `aether run` command as a child process, with its embedded PostgreSQL and
// Chromium, on the examples and on small fixture jobs.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startDemoSite, type DemoSite } from '../../robot-image/src/local/site.js';
import { waitFor } from '../harness/wait.js';
import { REPO, runCli, tempDataDir } from './cli.js';

const dirs: string[] = [];
function dataDir(): string {
  const d = tempDataDir();
  dirs.push(path.dirname(d));
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('aether run', () => {
  it('runs examples/rpajob.yaml against the demo site it serves and prints the outputs', async () => {
    const dir = dataDir();
    const { code, stdout, stderr } = await runCli(['run', 'examples/rpajob.yaml', '--data-dir', dir]).done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('succeeded') });
    expect(stderr).toContain('step 19/19: accepted');
    const outputs = JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    // The report was walked page by page (two rows a page) until Next was disabled.
    const pages = outputs.pages as Array<{ 'page-rows': Array<Record<string, string>>; 'has-next': string }>;
    expect(pages.map((p) => p['has-next'])).toEqual(['true', 'true', 'false']);
    expect(pages.map((p) => p['page-rows'].map((r) => [r.Invoice, r.Status]))).toEqual([
      [
        ['INV-1001', 'Unpaid'],
        ['INV-1002', 'Paid'],
      ],
      [
        ['INV-1003', 'Unpaid'],
        ['INV-1004', 'Unpaid'],
      ],
      [['INV-1005', 'Paid']],
    ]);
    // Each unpaid invoice's PDF was downloaded as an artifact and written under the run folder.
    const unpaid = ['INV-1001', 'INV-1003', 'INV-1004'];
    const [uid] = readdirSync(path.join(dir, 'runs'));
    const artifacts = path.join(dir, 'runs', uid!, 'artifacts');
    expect(readdirSync(artifacts).sort()).toEqual(unpaid.map((i) => `${i}.pdf`));
    for (const invoice of unpaid) {
      const served = readFileSync(path.join(REPO, 'examples/site/public/pdf', `${invoice}.pdf`));
      const saved = readFileSync(path.join(artifacts, `${invoice}.pdf`));
      expect(saved.length).toBe(served.length);
      expect(saved.equals(served)).toBe(true);
      expect(stderr).toContain(`artifact: ${path.join(artifacts, `${invoice}.pdf`)}`);
    }
    expect(outputs['open-upload-portal']).toMatchObject({ index: 1, title: 'Upload · Accounting portal' });
    // The unpaid invoices went to the pop-up portal as CSV; its receipt (in an iframe) says what arrived.
    const csv = 'invoice,date,amount,status\nINV-1001,2024-01-15,1250.00,Unpaid\nINV-1003,2024-02-20,310.50,Unpaid\nINV-1004,2024-03-07,89.99,Unpaid\n';
    expect(outputs['upload-csv']).toMatchObject({ name: 'unpaid-invoices.csv', size: Buffer.byteLength(csv) });
    expect(outputs.receipt).toBe(
      `Imported unpaid-invoices.csv (${Buffer.byteLength(csv)} bytes): 3 invoices, EUR 1650.49`,
    );
    expect(outputs['back-on-report']).toBe(true);
    expect(outputs.report).toMatchObject({ status: 201, body: { accepted: true } });
    expect(outputs.accepted).toBe(true);
    // The Secrets came from the example's env files and never reach the outputs or the terminal.
    for (const secret of ['demo-password-1', 'demo-report-token']) expect(stdout + stderr).not.toContain(secret);
  }, 240_000);

  it('exits 1 and names the step when the job fails', async () => {
    const { code, stdout, stderr } = await runCli([
      'run',
      'e2e/local/fixtures/failing-job.yaml',
      '--data-dir',
      dataDir(),
    ]).done;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /RpaJob default\/broken-link failed at step "open-missing" after 1 attempt\(s\): .*HTTP 404/,
    );
  }, 180_000);

  it('runs a job whose steps call an RpaWorkflow found beside it: outputs come back under the call steps', async () => {
    const { code, stdout, stderr } = await runCli(['run', 'e2e/local/fixtures/call-job.yaml', '--data-dir', dataDir()]).done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('succeeded') });
    const outputs = JSON.parse(stdout) as Record<string, unknown>;
    expect(outputs.login).toMatchObject({ heading: 'Sign in' });
    expect(outputs.home).toMatchObject({ heading: 'Home' });
  }, 180_000);

  it.each([
    [
      'a param of the wrong type',
      ['examples/rpajob.yaml', '--param', 'maxInvoices=lots'],
      'param "maxInvoices" is a number',
    ],
    ['an unknown param', ['examples/rpajob.yaml', '--param', 'colour=red'], 'the workflow declares no param "colour"'],
    [
      'an unknown --job',
      ['examples/rpajob.yaml', '-f', 'e2e/local/fixtures/failing-job.yaml', '--job', 'nope'],
      'no RpaJob named "nope"',
    ],
    ['a missing file', ['examples/nope.yaml'], 'examples/nope.yaml: no such file'],
  ])('exits 2 before starting anything on %s', async (_name, args, message) => {
    const { code, stderr } = await runCli(['run', ...args, '--data-dir', dataDir()]).done;
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

describe('aether run after Ctrl-C', () => {
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite({ dir: path.join(REPO, 'examples/site/public') });
  });
  afterAll(() => site?.stop());

  it('resumes the run: steps done before the interrupt are not run again', async () => {
    const dir = dataDir();
    const args = ['run', 'e2e/local/fixtures/slow-job.yaml', '--param', `siteUrl=${site.url}`, '--data-dir', dir];

    const first = runCli(args);
    await first.stderrContains('step 3/4: pause'); // the once-only POST and the page are done
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('run the same command again to resume it');

    const second = await runCli(args).done;
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('resuming run');
    // Progress on the second run starts at the step that had no checkpoint.
    expect(second.stderr).not.toContain('step 1/4');
    expect(second.stderr).not.toContain('step 2/4');
    expect(second.stderr).toContain('step 4/4: home');
    const outputs = JSON.parse(second.stdout) as Record<string, { status: number }>;
    expect([outputs.mark?.status, outputs.open?.status, outputs.home?.status]).toEqual([201, 200, 200]);
    // The site saw the once-only POST exactly once across both processes.
    expect(site.hits()['POST /api/mark']).toBe(1);
    expect(site.duplicates()).toBe(0);
  }, 240_000);

  it('takes the example over after a SIGKILL inside its paging loop without downloading a stored PDF again', async () => {
    const dir = dataDir();
    const args = ['run', 'examples/rpajob.yaml', '--no-serve', '--data-dir', dir];
    for (const p of ['portalUrl', 'reportApiUrl']) args.push('--param', `${p}=${site.url}`);
    const pdfHits = (invoice: string) => site.hits()[`GET /pdf/${invoice}.pdf`] ?? 0;

    // The second page's first PDF is held unanswered: the first process cannot get past it, however slow
    // the machine, and is killed there. INV-1001 (page 1) is stored and checkpointed by then.
    const release = site.hold('/pdf/INV-1003.pdf');
    const first = runCli(args);
    try {
      await waitFor('the download of INV-1003', async () => (pdfHits('INV-1003') > 0 ? true : undefined), {
        timeoutMs: 120_000,
      });
      first.child.kill('SIGKILL');
      expect((await first.done).code).toBe(null);
    } finally {
      release();
    }
    expect(pdfHits('INV-1004')).toBe(0);

    const second = await runCli(args).done;
    expect({ code: second.code, stderr: second.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('resuming run'),
    });
    expect(second.stderr).not.toContain('step 1/19');
    const outputs = JSON.parse(second.stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(outputs.pages.map((p: { 'has-next': string }) => p['has-next'])).toEqual(['true', 'true', 'false']);
    expect(outputs.receipt).toBe('Imported unpaid-invoices.csv (129 bytes): 3 invoices, EUR 1650.49');
    expect(pdfHits('INV-1001')).toBe(1);
    expect(pdfHits('INV-1004')).toBe(1);
    const [uid] = readdirSync(path.join(dir, 'runs'));
    expect(readdirSync(path.join(dir, 'runs', uid!, 'artifacts')).sort()).toEqual([
      'INV-1001.pdf',
      'INV-1003.pdf',
      'INV-1004.pdf',
    ]);
  }, 300_000);

  it('takes over after a SIGKILL: the orphaned PostgreSQL, the held job, the site at its old address', async () => {
    const dir = dataDir();
    const args = ['run', 'e2e/local/fixtures/slow-job.yaml', '--data-dir', dir]; // serves the demo site itself

    const first = runCli(args);
    await first.stderrContains('step 3/4: pause');
    first.child.kill('SIGKILL');
    expect((await first.done).code).toBe(null);

    const second = await runCli(args).done;
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('left running by an earlier run');
    expect(second.stderr).toContain('resuming run');
    expect(second.stderr).not.toContain('step 1/4');
    expect(second.stderr).not.toContain('step 2/4');
    const outputs = JSON.parse(second.stdout) as Record<string, { status: number; url?: string }>;
    expect(outputs.home?.status).toBe(200);
    expect(new URL(outputs.home!.url!).origin).toBe(new URL(outputs.open!.url!).origin);
  }, 240_000);
});
