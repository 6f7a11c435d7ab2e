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
//   target tier 1 abstains on (the issue's bar: each heals at least one of those), where the robot's
//   chain reaches it and on every third other target besides.
// No tier may pick a wrong element (a wrong heal is worse than an abstention).
// Two runs by default, each app on the screens named (others with `APPS=… SCREENS=…`, or `APPS=all`):
// - jsoneditor's tree: tiers 1, 2 and 3 pick nothing wrong, tiers 2 and 3 heal real targets on their
//   own, tier 2 heals a target tier 1 abstains on;
// - Swagger UI's store operations with "Try it out" on (3.52 → 5.17; the list and the four operations
//   expanded; the whole page is searched by tier 3): tiers 2 and 3 pick nothing wrong, tier 3 heals a
//   target tier 1 abstains on and targets where tier 2 abstains; tier 1 picks nothing wrong there either.
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
type Verdict = { correct: boolean | null; reason?: string; score?: number; ms?: number };

interface Outcome {
  caseId: string;
  tier1: Verdict;
  tier1Reduced: Verdict;
  tier2?: Verdict;
  tier3?: Verdict;
}

const corpusIds = new Set(loadRealCorpus().map((c) => c.id));
const SAMPLE = 3;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

interface Run {
  app: RealApp;
  /** Screen ids to run (all when absent). */
  screens?: string[];
  /** Identity rule names to run (all when absent): a target's key is `<rule>:<identity>`. */
  rules?: string[];
}

/** The runs APPS / SCREENS ask for (one per app), or null for the default ones. */
function runsAsked(): Run[] | null {
  if (!process.env.APPS) return null;
  const wanted = process.env.APPS === 'all' ? REAL_APPS.map((a) => a.app) : process.env.APPS.split(',');
  const screens = process.env.SCREENS?.split(',');
  const rules = process.env.RULES?.split(',');
  return REAL_APPS.filter((a) => wanted.includes(a.app)).map((app) => ({
    app,
    ...(screens && { screens }),
    ...(rules && { rules }),
  }));
}

const appNamed = (name: string) => REAL_APPS.find((a) => a.app === name)!;

async function onEachScreen(
  { app, screens }: Run,
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
async function recordOld(run: Run): Promise<Recorded[]> {
  const { app } = run;
  const out: Recorded[] = [];
  await onEachScreen(run, 'old', async (page, screenId) => {
    const screen = app.screens.find((s) => s.id === screenId)!;
    for (const [key, hits] of await identify(page, screen.rules, 'old')) {
      const caseId = `${app.app}/${screenId}/${key}`;
      if (!corpusIds.has(caseId) || hits.length !== 1) continue;
      if (run.rules && !run.rules.includes(key.split(':')[0]!)) continue;
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
async function healNew(run: Run, records: Recorded[]): Promise<Outcome[]> {
  const { app } = run;
  const out: Outcome[] = [];
  await onEachScreen(run, 'new', async (page, screenId) => {
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
        ...(result.locator && { score: Math.round(result.score * 100) / 100 }),
        ms: Math.round(result.ms.total),
      };
    };
    // Tier 1 on every target first, on the screen as opened (the state the corpus was labelled in):
    // tiers 2 and 3 scroll to the top, and Redoc 2's side menu, which follows the scroll, then hides
    // the store entries: a pool collected after them lacked the target and tier 1 picked another label.
    const tier1s: { tier1: Verdict; tier1Reduced: Verdict }[] = [];
    for (const r of mine) {
      const candidates = await poolOf(r.descriptor);
      const rank1 = async (recorded: ElementDescriptor, among: ElementDescriptor[]): Promise<Verdict> => {
        const { choice } = rankCandidates(recorded, among);
        return {
          correct: await judge(
            choice === null ? null : locatorOf(page, candidates[choice]!),
            now.get(r.key) ?? [],
            r.caseId,
          ),
        };
      };
      tier1s.push({
        tier1: await rank1(r.descriptor, candidates),
        tier1Reduced: await rank1(reduceDescriptor(r.descriptor), candidates.map(reduceDescriptor)),
      });
    }
    for (const [i, r] of mine.entries()) {
      // Tiers 2 and 3 run where the robot's chain would reach them, and on every SAMPLE-th other target
      // besides (to show what each heals on its own): every target would triple the test's time.
      const sampled = i % SAMPLE === 0;
      const { tier1, tier1Reduced } = tier1s[i]!;
      const reachesTier2 = sampled || tier1.correct === null || tier1Reduced.correct === null;
      const tier2 = r.aids.anchors && reachesTier2 ? await tier(r, 2, { anchors: r.aids.anchors }) : undefined;
      // Tier 3 on its own wherever tier 1 abstains (whatever tier 2 did), and on the sampled targets.
      const tier3 = r.aids.image && reachesTier2 ? await tier(r, 3, { image: r.aids.image }) : undefined;
      out.push({ caseId: r.caseId, tier1, tier1Reduced, ...(tier2 && { tier2 }), ...(tier3 && { tier3 }) });
    }
  });
  return out;
}

const ids = (os: Outcome[]) => os.map((o) => o.caseId);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Record on the old version, heal on the new one, print what each tier did; the figures to assert on. */
async function runTiers(runs: Run[]) {
  const outcomes: Outcome[] = [];
  for (const run of runs) outcomes.push(...(await healNew(run, await recordOld(run))));

  const abstains = (v: Verdict | undefined) => !v || v.correct === null;
  // Where the chain would reach tier 2 (tier 1 abstains with the recorded or the reduced descriptor)
  // and tier 3 (tier 2 abstains there too, or had no anchors).
  const tier1Abstains = outcomes.filter((o) => abstains(o.tier1) || abstains(o.tier1Reduced));
  const tier2Abstains = outcomes.filter((o) => abstains(o.tier2));
  const per = (t: 'tier2' | 'tier3', after: Outcome[]) => ({
    tried: outcomes.filter((o) => o[t]).length,
    p50ms: median(outcomes.flatMap((o) => (o[t]?.ms === undefined ? [] : [o[t].ms]))),
    right: outcomes.filter((o) => o[t]?.correct === true),
    wrong: outcomes.filter((o) => o[t]?.correct === false),
    rightAfter: after.filter((o) => o[t]?.correct === true),
    after: after.filter((o) => o[t]).length,
  });
  const tier2 = per('tier2', tier1Abstains);
  const tier3 = per('tier3', tier1Abstains);
  const tier3AfterTier2 = per('tier3', tier2Abstains);
  const line = (name: string, before: string, t: ReturnType<typeof per>) =>
    `${name}: tried on ${t.tried} (where the chain reaches it, and every ${SAMPLE}rd other target; p50 ${t.p50ms} ms), ${t.right.length} right, ${t.wrong.length} wrong; ` +
    `${t.rightAfter.length} right of ${t.after} where ${before} abstains: ${ids(t.rightAfter).join(', ')}` +
    (t.wrong.length ? `\n  wrong: ${ids(t.wrong).join(', ')}` : '');
  const verdict = (v: Verdict | undefined) =>
    v
      ? `${v.correct === null ? v.reason : `${v.correct}${v.score === undefined ? '' : ` (score ${v.score})`}`}, ${v.ms} ms`
      : '-';
  process.stdout.write(
    `real tiers on ${runs.map((r) => r.app.app + (r.screens ? ` (${r.screens.join(', ')})` : '')).join(', ')}: ${outcomes.length} targets; tier 1 abstains on ` +
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
  return { outcomes, tier1Abstains, tier2, tier3, tier3AfterTier2 };
}

const asked = runsAsked();

it('jsoneditor (or the apps asked for): no tier picks a wrong element, tier 2 heals a target tier 1 abstains on', async () => {
  const { outcomes, tier2, tier3 } = await runTiers(asked ?? [{ app: appNamed('jsoneditor'), screens: ['tree'] }]);
  expect(outcomes.length).toBeGreaterThan(30);
  expect(ids(outcomes.filter((o) => o.tier1.correct === false))).toEqual([]);
  expect(ids(tier2.wrong)).toEqual([]);
  expect(ids(tier3.wrong)).toEqual([]);
  expect(tier2.right.length).toBeGreaterThanOrEqual(1);
  expect(tier3.right.length).toBeGreaterThanOrEqual(1);
  // The issue's bar for tier 2 (2026-12-07: tier 1 abstains on 1 target of the tree screen, the search
  // box, with the reduced descriptor; tier 2 heals it by its recorded anchors). A run asked for
  // (APPS=…) reports the figure instead.
  if (!asked) expect(tier2.rightAfter.length).toBeGreaterThanOrEqual(1);
}, 1_500_000);

// Run by default only (APPS / SCREENS ask for the one run above instead).
if (!asked)
  it("Swagger UI's store operations, tried out: tier 3 heals a target tier 1 abstains on, and no tier 2 or 3 pick is wrong", async () => {
    const { outcomes, tier2, tier3, tier3AfterTier2 } = await runTiers([
      { app: appNamed('swagger-ui'), screens: ['tryout-store'] },
    ]);
    expect(outcomes.length).toBeGreaterThan(30);
    expect(ids(tier2.wrong)).toEqual([]);
    expect(ids(tier3.wrong)).toEqual([]);
    // The issue's bar for tier 3 (2026-12-07: tier 1 abstains on 7 targets here; tier 3 heals 2 of them,
    // among them placeOrder's "Try it out" button: the same button is on all four operations, its picture
    // matches 5 places on the whole page, and its recorded surroundings only one).
    expect(tier3.rightAfter.length).toBeGreaterThanOrEqual(1);
    // Where the robot's chain reaches tier 3 (tier 2 abstained or had no anchors) it heals real targets:
    // the operations' path buttons, whose picture recurs nowhere else on the page.
    expect(tier3AfterTier2.rightAfter.length).toBeGreaterThanOrEqual(1);
    // Tier 1 picks nothing wrong either. Until 2026-12-07 it took the info section's "http://swagger.io"
    // link for the pet and user tags' external-docs link (recorded with that text; 5.17 rewords it "Find
    // out more" in place): the place conflict (score.ts placeConflict) now abstains there.
    expect(ids(outcomes.filter((o) => o.tier1.correct === false))).toEqual([]);
  }, 1_500_000);
