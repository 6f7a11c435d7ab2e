import { performance } from 'node:perf_hooks';
import { startTestSite } from '../../e2e/site/server.js';
import { BrowserHost } from '../../robot-image/src/browser/host.js';
const site = await startTestSite();
const host = new BrowserHost();
await host.browser();
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const ctx = await host.newContext();
  const t1 = performance.now();
  const page = await ctx.newPage();
  const t2 = performance.now();
  await page.goto(site.url + '/login');
  const t3 = performance.now();
  await ctx.storageState();
  const t4 = performance.now();
  await ctx.close();
  console.log({ ctx: t1 - t0, page: t2 - t1, goto: t3 - t2, storage: t4 - t3 });
}
await host.close();
await site.stop();
