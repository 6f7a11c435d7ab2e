// `npx tsx api-server/console/screenshots.ts [outDir]`: screenshots of every console page for the README
// (docs/console/*.png), taken in Chromium from the test stack: a throwaway PostgreSQL and kube-apiserver,
// the API server, and the seeded namespace of the console's browser tests (api-server/testing/).
import { mkdirSync } from 'node:fs';
import { createLogger } from '../../api/log.js';
import { startKube } from '../../e2e/harness/kube.js';
import { startPostgres } from '../../e2e/harness/postgres.js';
import { ENV } from '../../e2e/harness/testenv.js';
import { migrateDbosSchema } from '../../migrations/dbos.js';
import { launchChromium, signIn } from '../testing/browser.js';
import { seedConsole, WORKFLOW } from '../testing/console-seed.js';
import { setUpApiServerEnv } from '../testing/env.js';

const out = process.argv[2] ?? 'docs/console';

async function main() {
  const postgres = await startPostgres();
  const kube = await startKube({ binDir: process.env.AETHER_KUBE_BIN_DIR || undefined, controllerManager: false, log: createLogger({ name: 'shots', level: 'silent' }) });
  process.env[ENV.pgUrl] = postgres.url;
  process.env[ENV.kubeconfig] = kube.kubeconfigPath;
  const env = await setUpApiServerEnv('shots');
  const browser = await launchChromium();
  try {
    await migrateDbosSchema({ databaseUrl: env.databaseUrl, schema: 'dbos' });
    const seed = await seedConsole(env);
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
    await browser.close();
    await env.stop();
    await kube.stop();
    await postgres.stop();
  }
}

await main();
