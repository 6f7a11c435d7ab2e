// `aether run --ui` end to end: the command as a child process (embedded PostgreSQL, its robot's Chromium)
// serves the console of its run; a second Chromium, driven by Playwright, signs in with the printed
// one-time key and watches the job page while the run goes on.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../robot-image/src/browser/chromium.js';
import { REPO, runCli, tempDataDir, type CliRun } from './cli.js';

const dirs: string[] = [];
const runs: CliRun[] = [];
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium({ headless: true });
});
afterAll(async () => {
  await browser?.close();
  for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function start(file: string): CliRun {
  const dir = tempDataDir();
  dirs.push(path.dirname(dir));
  const run = runCli(['run', file, '--data-dir', dir, '--ui']);
  runs.push(run);
  return run;
}

/** Reads the console URL out of the CLI's stderr as it arrives. */
function printedUrl(run: CliRun): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const onData = (d: Buffer) => {
      acc += d.toString();
      const m = /console: (http:\/\/127\.0\.0\.1:\d+\/ui\/#\S+)/.exec(acc);
      if (m) {
        run.child.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    run.child.stderr!.on('data', onData);
    void run.done.then((r) => reject(new Error(`the CLI exited before printing its console URL:\n${r.stderr}`)));
  });
}

const stepStatus = (page: Page, step: string) => page.locator(`tr[data-step="${step}"] td`).nth(1);

describe('aether run --ui', () => {
  it('signs in with the one-time key and shows the job page live: steps while they run, then the failure with its screenshot; forbidden actions are hidden and refused', async () => {
    const run = start('e2e/local/fixtures/ui-job.yaml');
    const url = await printedUrl(run);
    const origin = new URL(url).origin;
    const key = /signin=([^&]+)/.exec(url)![1]!;
    const page = await browser.newPage();
    try {
      await page.goto(url);
      // Signed in on the job's page; the key left the address bar.
      await page.locator('h1', { hasText: 'ui-demo-run' }).waitFor({ timeout: 20_000 });
      expect(page.url()).toBe(`${origin}/ui/#/jobs/ui-demo-run`);
      const token = await page.evaluate(() => sessionStorage.getItem('aether.token'));
      expect(token).toBeTruthy();
      expect(token).not.toBe(key);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);

      // Live: the first step shows as done while the run is still on its pauses, without a reload.
      await stepStatus(page, 'open').filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      expect(run.child.exitCode).toBeNull();
      expect(await page.locator('[data-testid="phase"]').textContent()).toMatch(/Running/i);
      expect(await page.locator('tr[data-step="open-missing"]').count()).toBe(0);
      // ...and the later steps appear as they happen.
      await stepStatus(page, 'home').filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });

      // The run fails at its last step: the page shows it, with the error and its screenshot.
      await page.locator('[data-testid="phase"]', { hasText: /Failed/i }).waitFor({ timeout: 60_000 });
      await stepStatus(page, 'open-missing').filter({ hasText: 'failed' }).waitFor({ timeout: 10_000 });
      await page.locator('p.error', { hasText: 'HTTP 404' }).filter({ hasText: 'step open-missing' }).waitFor({ timeout: 10_000 });
      await run.stderrContains('failed at step "open-missing"');
      await run.stderrContains('the console stays up');
      const shot = page.locator('img.screenshot');
      await shot.waitFor({ timeout: 10_000 });
      expect(await shot.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      const durations = await page.locator('table.timeline tbody tr td:nth-child(5)').allTextContents();
      expect(durations.length).toBeGreaterThanOrEqual(5);
      if (process.env.AETHER_CONSOLE_SHOTS) {
        mkdirSync(path.join(REPO, 'docs/console'), { recursive: true });
        await page.screenshot({ path: path.join(REPO, 'docs/console/local-job.png'), fullPage: true });
      }

      // What local mode cannot do is not offered (Retry would create a job) and refused when forced.
      expect(await page.locator('button[data-op="replayDeadLetter"]').count()).toBe(0);
      const forced = await page.evaluate(async (t) => {
        const post = (p: string) => fetch(`${location.origin}/api/v1/namespaces/default${p}`, { method: 'POST', headers: { Authorization: `Bearer ${t}` } });
        const replay = await post(`/deadletters/${document.querySelector('dd.mono')!.textContent}/replay`);
        const suspend = await post('/jobs/ui-demo-run/suspend');
        return { replay: replay.status, suspend: suspend.status, message: ((await suspend.json()) as { message: string }).message };
      }, token!);
      expect(forced).toEqual({ replay: 403, suspend: 403, message: expect.stringContaining('local mode does not suspend') });
      const access = await page.evaluate(async (t) => (await fetch(`${location.origin}/api/v1/namespaces/default/access`, { headers: { Authorization: `Bearer ${t}` } })).json(), token!);
      expect(access).toMatchObject({ username: 'local', allowed: { cancelJob: true, getJobDetail: true, suspendJob: false, applySuggestion: false, createJob: false } });

      // The key worked once; without the session nothing is answered.
      const again = await fetch(`${origin}/api/local/session`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });
      expect(again.status).toBe(401);
      expect((await fetch(`${origin}/api/v1/namespaces/default/runs`)).status).toBe(401);

      // Jobs, Workflows (definition, recent runs) and Robots show the local run, its workflow and its robot.
      await page.goto(`${origin}/ui/#/jobs`);
      await page.locator('tr[data-job="ui-demo-run"]').waitFor({ timeout: 10_000 });
      const runs = await page.evaluate(async (t) => (await fetch(`${location.origin}/api/v1/namespaces/default/runs`, { headers: { Authorization: `Bearer ${t}` } })).json(), token!);
      expect(runs).toMatchObject({ items: [{ name: 'ui-demo-run', workflow: 'ui-demo', state: 'failed' }] });
      await page.goto(`${origin}/ui/#/workflows/ui-demo`);
      await page.getByText('Opens two pages slowly').first().waitFor({ timeout: 10_000 });
      await page.locator('tr[data-job="ui-demo-run"]').waitFor({ timeout: 10_000 });
      await page.goto(`${origin}/ui/#/robots`);
      await page.getByText('local-', { exact: false }).first().waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
    }
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(1);
  }, 240_000);

  it('cancels the local run from the job page', async () => {
    const run = start('e2e/local/fixtures/slow-job.yaml');
    const url = await printedUrl(run);
    const page = await browser.newPage();
    try {
      page.on('dialog', (d) => void d.accept());
      await page.goto(url);
      await stepStatus(page, 'open').filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      await page.locator('button[data-op="cancelJob"]').click();
      await run.stderrContains('was cancelled');
      await page.locator('[data-testid="phase"]', { hasText: /Cancelled/i }).waitFor({ timeout: 10_000 });
      // The page's own read of the job agrees: nothing left to cancel.
      await page.locator('button[data-op="cancelJob"]').waitFor({ state: 'detached', timeout: 10_000 });
    } finally {
      await page.close();
    }
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(1);
  }, 240_000);
});
