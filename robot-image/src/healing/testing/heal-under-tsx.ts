// Run by heal-under-tsx.int.test.ts with tsx, the CLI's runtime in a checkout (bin/launch.mjs): tsx
// compiles with esbuild's keep-names, which wraps named functions in a `__name` helper that does not
// exist inside the page, so a page.evaluate callback with a named function in it throws there (ts-jest,
// which runs the other tests, does not). Heals through every tier 3 path once and prints the result.
import { launchChromium } from '../../browser/chromium.js';
import { captureRecordedTemplate, describeWithAids, healTarget } from '../index.js';

const rows = (names: string[]) =>
  `<body style="margin:0;font:16px sans-serif">${names
    .map(
      (
        n,
      ) => `<div style="display:flex;align-items:center;height:40px;padding:0 8px"><span style="width:140px">${n}</span>
<button class="edit" data-who="${n}" style="width:70px;height:28px">Edit</button></div>`,
    )
    .join('')}</body>`;

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 400 } });
  await page.setContent(rows(['Alice', 'Bob', 'Carol']));
  const el = await page.locator('[data-who="Bob"]').elementHandle();
  const { descriptor } = await describeWithAids(el!);
  const image = await captureRecordedTemplate(page, descriptor.box!);
  // Bob below the fold: the whole page is searched, scrolled to, and every look-alike checked in sight.
  await page.setContent(rows(['Carol', 'Dave', 'Erin', 'Frank', 'Gina', 'Hal', 'Ivy', 'Jon', 'Kim', 'Bob', 'Alice']));
  const r = await healTarget(page, { css: '#gone' }, descriptor, {
    recorded: { image: image! },
    suggest: false,
    tiers: [3],
  });
  const who = r.locator ? await r.locator.getAttribute('data-who') : null;
  process.stdout.write(JSON.stringify({ tier: r.tier, who, reason: r.reason ?? null }) + '\n');
} finally {
  await browser.close();
}
