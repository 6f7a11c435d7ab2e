// Tiers 2 and 3 on real version changes. Each real-corpus target of a screen is recorded on the OLD
// version the way the robot records a step's element (robot-image/src/engine/healing-resolver.ts):
// scrolled into view as an action would, described with its automatic anchors (kept only when found
// again) and a template picture. On the NEW version (live, in Chromium) the step's selector no longer
// matches, and each tier is run on its own (HealOptions.tiers) and judged by the identity the corpus
// was labelled with:
// - tier 1 with the recorded descriptor, and tier 1 as the held-out benchmark evaluates it (both sides
//   reduced to tag, classes, name, id, href, text and xpath: a poorer recording, or an author's
//   hand-written fingerprint). A target "tier 1 abstains on" is one where either abstains;
// - tier 2 with the recorded anchors only, tier 3 with the recorded template only, each on every
//   target tier 1 abstains on (the bar: each heals at least one of those), where the robot's
//   chain reaches it (tier 3 also where tier 2 abstains) and on every third other target besides.
// No tier may pick a wrong element (a wrong heal is worse than an abstention). Tier 2 must heal at
// least one target tier 1 abstains on; tier 3 must heal at least one target on its own (on jsoneditor
// it heals none of those tier 1 abstains on). How many tier 3 heals where tier 1 / tier 2 abstain is
// reported. The default app is
// jsoneditor (about 270 targets, 5 screens); `APPS=swagger-ui,node-red` or `APPS=all` runs more (slow).
import type { Browser, ElementHandle, Locator, Page } from 'playwright-core';
import { reduceDescriptor } from '../../../bench/healing/dataset.js';
import { launchChromium } from '../../../robot-image/src/browser/chromium.js';
import {
  anchorsFoundAgain,
  captureRecordedTemplate,
  chooseAnchors,
  collectCandidates,
  describeWithAids,
  healTarget,
  hintFor,
  locatorOf,
  MAX_ANCHORS,
  rankCandidates,
  type ElementDescriptor,
  type RecordedAids,
} from '../../../robot-image/src/healing/index.js';
import { REAL_APPS } from './apps/index.js';
import { loadRealCorpus } from './corpus.js';
import { ensurePackage } from './packages.js';
import { identify } from './recorder.js';
import { standsFor } from './stands-for.js';
import type { RealApp } from './types.js';

interface Recorded {
  caseId: string;
  key: string;
  screen: string;
  descriptor: ElementDescriptor;
  aids: RecordedAids;
}

/** What one tier did on one target: healed right, healed wrong, or abstained (null). */
type Verdict = { correct: boolean | null; reason?: string };

interface Outcome {
  caseId: string;
  tier1: Verdict;
  tier1Reduced: Verdict;
  tier2?: Verdict;
  tier3?: Verdict;
}

const corpusIds = new Set(loadRealCorpus().map((c) => c.id));
const DEFAULT_APPS = ['jsoneditor'];
const SAMPLE = 3;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function appsUnderTest(): RealApp[] {
  const wanted = process.env.APPS === 'all' ? REAL_APPS.map((a) => a.app) : (process.env.APPS?.split(',') ?? DEFAULT_APPS);
  return REAL_APPS.filter((a) => wanted.includes(a.app));
}

async function onEachScreen(
  app: RealApp,
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
    for (const screen of app.screens) {
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
async function recordOld(app: RealApp): Promise<Recorded[]> {
  const out: Recorded[] = [];
  await onEachScreen(app, 'old', async (page, screenId) => {
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

/** Targets where a tier picked the only control inside the named element (stands-for.ts), reported. */
const onlyControlPicks = new Set<string>();

async function judge(
  found: Locator | null,
  expected: { handle?: () => Promise<ElementHandle> }[],
  caseId: string,
): Promise<boolean | null> {
  if (!found) return null;
  if (expected.length !== 1) return false; // removed target: any pick is wrong
  const how = await standsFor(found, await expected[0]!.handle!());
  if (how === 'onlyControl') onlyControlPicks.add(caseId);
  return how !== 'other';
}

/**
 * Heal each record on the new version. Tier 1 ranks the candidates the resolver would collect (the
 * same ranking healTarget runs, without its round trips); tiers 2 and 3 run where tier 1 abstains, as
 * in the robot's chain, each on its own and from the top of the page.
 */
async function healNew(app: RealApp, records: Recorded[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await onEachScreen(app, 'new', async (page, screenId) => {
    const screen = app.screens.find((s) => s.id === screenId)!;
    const mine = records.filter((r) => r.screen === screenId);
    if (mine.length === 0) return;
    const now = await identify(page, screen.rules, 'new');
    const pools = new Map<string, ElementDescriptor[]>();
    const poolOf = async (d: ElementDescriptor) => {
      const hint = hintFor(d);
      const key = JSON.stringify(hint);
      if (!pools.has(key)) pools.set(key, await collectCandidates(page, hint));
      return pools.get(key)!;
    };
    const broken = { css: '#aether-selector-that-broke' };
    const tier = async (r: Recorded, t: 2 | 3, recorded: RecordedAids): Promise<Verdict> => {
      await page.evaluate(() => window.scrollTo(0, 0));
      const result = await healTarget(page, broken, r.descriptor, { recorded, suggest: false, tiers: [t] });
      return {
        correct: await judge(result.locator, now.get(r.key) ?? [], r.caseId),
        ...(result.reason && { reason: result.reason }),
      };
    };
    for (const [i, r] of mine.entries()) {
      // Tiers 2 and 3 run where the robot's chain would reach them, and on every SAMPLE-th other target
      // besides (to show what each heals on its own): every target would triple the test's time.
      const sampled = i % SAMPLE === 0;
      const candidates = await poolOf(r.descriptor);
      const rank1 = async (recorded: ElementDescriptor, among: ElementDescriptor[]): Promise<Verdict> => {
        const { choice } = rankCandidates(recorded, among);
        const found = choice === null ? null : locatorOf(page, candidates[choice]!);
        return { correct: await judge(found, now.get(r.key) ?? [], r.caseId) };
      };
      const tier1 = await rank1(r.descriptor, candidates);
      const tier1Reduced = await rank1(reduceDescriptor(r.descriptor), candidates.map(reduceDescriptor));
      const reachesTier2 = sampled || tier1.correct === null || tier1Reduced.correct === null;
      const tier2 = r.aids.anchors && reachesTier2 ? await tier(r, 2, { anchors: r.aids.anchors }) : undefined;
      // Tier 3 on its own wherever tier 1 abstains (whatever tier 2 did), and where tier 2 abstains.
      const reachesTier3 = reachesTier2 || !tier2 || tier2.correct === null;
      const tier3 = r.aids.image && reachesTier3 ? await tier(r, 3, { image: r.aids.image }) : undefined;
      out.push({ caseId: r.caseId, tier1, tier1Reduced, ...(tier2 && { tier2 }), ...(tier3 && { tier3 }) });
    }
  });
  return out;
}

const ids = (os: Outcome[]) => os.map((o) => o.caseId);

it('each tier with what the robot recorded by itself heals targets the tier before abstains on, and none picks wrong', async () => {
  const outcomes: Outcome[] = [];
  for (const app of appsUnderTest()) outcomes.push(...(await healNew(app, await recordOld(app))));

  const abstains = (v: Verdict | undefined) => !v || v.correct === null;
  // Where the chain would reach tier 2 (tier 1 abstains with the recorded or the reduced descriptor)
  // and tier 3 (tier 2 abstains there too, or had no anchors).
  const tier1Abstains = outcomes.filter((o) => abstains(o.tier1) || abstains(o.tier1Reduced));
  const tier2Abstains = outcomes.filter((o) => abstains(o.tier2));
  const per = (t: 'tier2' | 'tier3', after: Outcome[]) => ({
    tried: outcomes.filter((o) => o[t]).length,
    right: outcomes.filter((o) => o[t]?.correct === true),
    wrong: outcomes.filter((o) => o[t]?.correct === false),
    rightAfter: after.filter((o) => o[t]?.correct === true),
    after: after.filter((o) => o[t]).length,
  });
  const tier2 = per('tier2', tier1Abstains);
  const tier3 = per('tier3', tier1Abstains);
  const tier3AfterTier2 = per('tier3', tier2Abstains);
  const line = (name: string, before: string, t: ReturnType<typeof per>) =>
    `${name}: tried on ${t.tried} (where the chain reaches it, and every ${SAMPLE}rd other target), ${t.right.length} right, ${t.wrong.length} wrong; ` +
    `${t.rightAfter.length} right of ${t.after} where ${before} abstains: ${ids(t.rightAfter).join(', ')}` +
    (t.wrong.length ? `\n  wrong: ${ids(t.wrong).join(', ')}` : '');
  const verdict = (v: Verdict | undefined) => (v ? (v.correct ?? v.reason) : '-');
  process.stdout.write(
    `real tiers on ${appsUnderTest().map((a) => a.app).join(', ')}: ${outcomes.length} targets; tier 1 abstains on ` +
      `${outcomes.filter((o) => abstains(o.tier1)).length} (recorded descriptor), ` +
      `${outcomes.filter((o) => abstains(o.tier1Reduced)).length} (reduced descriptor); ` +
      `wrong: ${outcomes.filter((o) => o.tier1.correct === false).length} / ${outcomes.filter((o) => o.tier1Reduced.correct === false).length}\n` +
      `${line('tier 2', 'tier 1', tier2)}\n${line('tier 3', 'tier 1', tier3)}\n` +
      `tier 3 where tier 2 abstains: ${tier3AfterTier2.rightAfter.length} right of ${tier3AfterTier2.after}: ${ids(tier3AfterTier2.rightAfter).join(', ')}\n` +
      `picks of the only control inside the named element (counted right): ${[...onlyControlPicks].join(', ') || 'none'}\n` +
      tier1Abstains
        .map(
          (o) =>
            `  ${o.caseId} (tier 1 abstains with the ${abstains(o.tier1) ? (abstains(o.tier1Reduced) ? 'recorded and reduced' : 'recorded') : 'reduced'} descriptor): ` +
            `t2 ${verdict(o.tier2)} | t3 ${verdict(o.tier3)}`,
        )
        .join('\n') +
      '\n',
  );
  expect(outcomes.length).toBeGreaterThan(30);
  // No tier picks a wrong element, on any target it was tried on (a wrong heal is worse than none).
  expect(ids(outcomes.filter((o) => o.tier1.correct === false))).toEqual([]);
  expect(ids(tier2.wrong)).toEqual([]);
  expect(ids(tier3.wrong)).toEqual([]);
  // Tier 2 heals targets tier 1 abstains on (tier 1 keeps improving, so the set is computed, not
  // listed). Tier 3 runs on every one of them it was recorded for, and its count there is reported:
  // on jsoneditor it heals none of them (measured 2026-12-07: 0 of 10, the tree rows' values and the
  // search box are pictures that recur on the page or changed style, so it rightly abstains), so
  // here it must heal real targets with its recorded picture alone.
  expect(tier1Abstains.length).toBeGreaterThan(0);
  expect(tier2.rightAfter.length).toBeGreaterThanOrEqual(1);
  expect(tier3.right.length).toBeGreaterThanOrEqual(1);
}, 1_500_000);
