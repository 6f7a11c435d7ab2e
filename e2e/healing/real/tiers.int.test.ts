// Tiers 2 and 3 on real version changes. Each real-corpus target of a Swagger UI screen is recorded on the
// OLD version the way the robot records a step's element (robot-image/src/engine/healing-resolver.ts):
// scrolled into view as an action would, described with its automatic anchors (kept only when found
// again) and a template picture. On the NEW version the step's selector no longer matches, and the
// healing chain runs as the robot runs it. Where tier 1 abstains, tier 2 (recorded anchors) and tier 3
// (recorded template) must never pick a wrong element (judged by the identity the corpus was labelled
// with). They abstain here: on real version changes the targets tier 1 leaves are look-alikes (rows of
// identical buttons, repeated icons) that an anchor or a picture cannot tell apart either. Before the
// look-alike rules they picked wrong ones (jsoneditor row buttons, Swagger UI lock icons and Try it
// out buttons, a removed Verdaccio link); `APPS=all` runs all five apps (about 20 min).
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../robot-image/src/browser/chromium.js';
import {
  anchorsFoundAgain,
  captureRecordedTemplate,
  chooseAnchors,
  describeWithAids,
  healTarget,
  MAX_ANCHORS,
  type ElementDescriptor,
  type RecordedAids,
} from '../../../robot-image/src/healing/index.js';
import { REAL_APPS } from './apps/index.js';
import { swaggerUi } from './apps/swagger-ui.js';

import { loadRealCorpus } from './corpus.js';
import { ensurePackage } from './packages.js';
import { identify } from './recorder.js';
import type { RealApp } from './types.js';

interface Recorded {
  caseId: string;
  key: string;
  screen: string;
  descriptor: ElementDescriptor;
  aids: RecordedAids;
}

interface Outcome {
  caseId: string;
  tier: 1 | 2 | 3 | null;
  correct: boolean | null;
}

const corpusIds = new Set(loadRealCorpus().map((c) => c.id));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** The apps and screens under test: one Swagger UI screen by default, `APPS=all` or a list for more. */
function appsUnderTest(): { app: RealApp; screens?: string[] }[] {
  const wanted = process.env.APPS;
  if (!wanted) return [{ app: swaggerUi, screens: ['expanded-pet'] }];
  return REAL_APPS.filter((a) => wanted === 'all' || wanted.split(',').includes(a.app)).map((app) => ({ app }));
}

async function onEachScreen(
  app: RealApp,
  screens: string[] | undefined,
  side: 'old' | 'new',
  work: (page: Page, screen: string) => Promise<void>,
): Promise<void> {
  const root = ensurePackage(app.package, side === 'old' ? app.oldVersion : app.newVersion, app.fetch);
  const served = await app.start(root, side);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    bypassCSP: true,
  });
  try {
    for (const screen of app.screens.filter((s) => !screens || screens.includes(s.id))) {
      const page = await context.newPage();
      await screen.open(page, served.baseUrl, side);
      await work(page, screen.id);
      await page.close();
    }
  } finally {
    await context.close();
    await served.close();
  }
}

/** The robot's record of each corpus target on the old version. */
async function recordOld(app: RealApp, screens?: string[]): Promise<Recorded[]> {
  const out: Recorded[] = [];
  await onEachScreen(app, screens, 'old', async (page, screenId) => {
    const screen = app.screens.find((s) => s.id === screenId)!;
    for (const [key, hits] of await identify(page, screen.rules, 'old')) {
      const caseId = `${app.app}/${screenId}/${key}`;
      if (!corpusIds.has(caseId) || hits.length !== 1) continue;
      const el = await hits[0]!.handle!();
      await el.scrollIntoViewIfNeeded().catch(() => undefined);
      const { descriptor, aids } = await describeWithAids(el);
      if (!descriptor.box) continue;
      const proposed = chooseAnchors(descriptor.box, aids.anchors, MAX_ANCHORS + 2);
      const anchors = await anchorsFoundAgain(page, proposed, descriptor.box);
      const image = aids.imageSafe && aids.inViewport ? await captureRecordedTemplate(page, descriptor.box) : null;
      out.push({
        caseId,
        key,
        screen: screenId,
        descriptor,
        aids: { ...(anchors.length > 0 && { anchors }), ...(image && { image }) },
      });
    }
  });
  return out;
}

/** Heal each record on the new version and judge it by the identity the corpus was labelled with. */
async function healNew(app: RealApp, screens: string[] | undefined, records: Recorded[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await onEachScreen(app, screens, 'new', async (page, screenId) => {
    const screen = app.screens.find((s) => s.id === screenId)!;
    const mine = records.filter((r) => r.screen === screenId);
    if (mine.length === 0) return;
    const now = await identify(page, screen.rules, 'new');
    for (const r of mine) {
      await page.evaluate(() => window.scrollTo(0, 0));
      const result = await healTarget(page, { css: '#aether-selector-that-broke' }, r.descriptor, {
        recorded: r.aids,
        suggest: false,
      });
      const hits = now.get(r.key) ?? [];
      let correct: boolean | null = null;
      if (result.locator) {
        if (hits.length !== 1) correct = false;
        else {
          const expected = await hits[0]!.handle!();
          correct = await result.locator.evaluate((el, exp) => el === exp, expected).catch(() => false);
        }
      }
      out.push({ caseId: r.caseId, tier: result.tier, correct });
    }
  });
  return out;
}

const tally = (outcomes: Outcome[], tier: 2 | 3) => ({
  correct: outcomes.filter((o) => o.tier === tier && o.correct === true).map((o) => o.caseId),
  wrong: outcomes.filter((o) => o.tier === tier && o.correct === false).map((o) => o.caseId),
});

it('where tier 1 abstains, tiers 2 and 3 with what the robot recorded by itself never pick a wrong element', async () => {
  const outcomes: Outcome[] = [];
  let recordedAnchors = 0;
  let recordedImages = 0;
  for (const { app, screens } of appsUnderTest()) {
    const records = await recordOld(app, screens);
    recordedAnchors += records.filter((r) => (r.aids.anchors?.length ?? 0) > 0).length;
    recordedImages += records.filter((r) => r.aids.image).length;
    outcomes.push(...(await healNew(app, screens, records)));
  }
  const tier2 = tally(outcomes, 2);
  const tier3 = tally(outcomes, 3);
  const tier1Abstained = outcomes.filter((o) => o.tier !== 1).length;
  process.stdout.write(
    `real tiers: ${outcomes.length} targets, ${recordedAnchors} with anchors, ${recordedImages} with a template; ` +
      `tier 1 abstained on ${tier1Abstained}; tier 2 ${tier2.correct.length} right ${tier2.wrong.length} wrong; ` +
      `tier 3 ${tier3.correct.length} right ${tier3.wrong.length} wrong\n` +
      `  tier 2 right: ${tier2.correct.slice(0, 5).join(', ')}\n  tier 3 right: ${tier3.correct.slice(0, 5).join(', ')}\n` +
      `  tier 2 wrong: ${tier2.wrong.slice(0, 10).join(', ')}\n  tier 3 wrong: ${tier3.wrong.slice(0, 10).join(', ')}\n`,
  );
  expect(outcomes.length).toBeGreaterThan(30);
  expect(recordedAnchors).toBeGreaterThan(0);
  expect(recordedImages).toBeGreaterThan(0);
  expect(tier1Abstained).toBeGreaterThan(0);
  expect([...tier2.wrong, ...tier3.wrong]).toEqual([]);
}, 1_500_000);
