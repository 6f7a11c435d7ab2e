// `npm run screenshots:console [-- outDir]`: screenshots of every console page for the README
// (docs/console/*.png), taken in Chromium from the test stack: a throwaway PostgreSQL and kube-apiserver,
// the API server, and the seeded namespace of the console's browser tests (api-server/testing/).
import { mkdirSync } from 'node:fs';
import { createLogger } from '../../api/log.js';
import { startKube } from '../../e2e/harness/kube.js';
import { startPostgres } from '../../e2e/harness/postgres.js';
import { ENV } from '../../e2e/harness/testenv.js';
import { migrateDbosSchema } from '../../migrations/dbos.js';
import { launchChromium, signIn } from './browser.js';
import { seedConsole, WORKFLOW } from './console-seed.js';
import { setUpApiServerEnv } from './env.js';

const out = process.argv[2] ?? 'docs/console';

async function main() {
  const postgres = await startPostgres();
  const stops: Array<() => Promise<unknown>> = [() => postgres.stop()];
  try {
    // The controller manager makes the namespaces' default ServiceAccounts and their tokens.
    const kube = await startKube({
      binDir: process.env.AETHER_KUBE_BIN_DIR || undefined,
      log: createLogger({ name: 'shots', level: 'silent' }),
    });
    stops.unshift(() => kube.stop());
    process.env[ENV.pgUrl] = postgres.url;
    process.env[ENV.kubeconfig] = kube.kubeconfigPath;
    const env = await setUpApiServerEnv('shots');
    stops.unshift(() => env.stop());
    const browser = await launchChromium();
    stops.unshift(() => browser.close());
    await migrateDbosSchema({ databaseUrl: env.databaseUrl, schema: 'dbos' });
    // The dead letter's error screenshot: a portal page whose Confirm button is gone.
    const portal = await (await browser.newContext({ viewport: { width: 640, height: 300 } })).newPage();
    await portal.setContent(
      '<body style="font:15px sans-serif;margin:24px"><h2>Supplier portal — invoices</h2><table border=1 cellpadding=6 style="border-collapse:collapse">' +
        '<tr><th>Invoice</th><th>Amount</th><th>Status</th></tr><tr><td>INV-2026-1041</td><td>135.00 EUR</td><td>Paid</td></tr>' +
        '<tr><td>INV-2026-1042</td><td>170.00 EUR</td><td>Processing…</td></tr></table><p style="color:#555">Payment submitted. (no Confirm button)</p></body>',
    );
    const screenshot = await portal.screenshot();
    await portal.context().close();
    const seed = await seedConsole(env, { screenshot });
    mkdirSync(out, { recursive: true });
    const page = await signIn(browser, env.server.url, env.tokens.editor, env.nsA);
    const shots: Array<[string, string, string]> = [
      ['overview', '#/overview', 'figure.chart canvas'],
      ['jobs', '#/jobs', `tr[data-job="${seed.crashed}"]`],
      ['job', `#/jobs/${seed.crashed}`, 'img.screenshot'],
      ['queues', '#/queues', 'tr[data-queue="invoices"]'],
      ['queue-items', '#/queues/invoices', 'tr[data-item]'],
      ['workflow', `#/workflows/${WORKFLOW}`, 'li[data-suggestion]'],
      ['robots', '#/robots', 'tr[data-robot]'],
    ];
    for (const [name, hash, ready] of shots) {
      await page.goto(`${env.server.url}/ui/${hash}`);
      await page.locator(ready).first().waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
      process.stdout.write(`${out}/${name}.png\n`);
    }
    await page.context().close();
    const signin = await (await browser.newContext({ viewport: { width: 1366, height: 700 } })).newPage();
    await signin.goto(`${env.server.url}/ui/`);
    await signin.getByLabel('Token').waitFor();
    await signin.screenshot({ path: `${out}/sign-in.png` });
    process.stdout.write(`${out}/sign-in.png\n`);
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => process.stderr.write(`cleanup: ${String(err)}\n`));
  }
}

await main();
