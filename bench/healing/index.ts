// `npm run bench -- healing`: the whole healing chain in Chromium on the corpus (e2e/healing).
// For each case: record the marked element's descriptor (and image template when the case has
// one) on before.html, then heal on after.html and compare with the marked element there.
// Then tier 1 alone through the exported rankCandidates, with descriptor fields dropped on both
// sides (how held-out data may look). Then tier 1 on the real-application corpus's test split
// (e2e/healing/real: old vs new versions of real web apps). Also measures collect+score on a large page
// (3,000 elements) against the 400 ms budget, with a plain evaluate() round trip over the same page as
// the baseline, and on the same rows inside an open shadow root with a same-origin iframe beside them
// (candidates are collected there too).
import { type ElementHandle, type Page } from 'playwright-core';
import { casePage, loadCorpus, type CorpusCase } from '../../e2e/healing/corpus.js';
import {
  captureTemplate,
  collectCandidates,
  describeElement,
  healTarget,
  hintFor,
  loadOpenCv,
  rankCandidates,
} from '../../robot-image/src/healing/index.js';
import type { HealableTarget } from '../../robot-image/src/healing/types.js';
import { captureTier1Case, evaluateTier1, FIELD_DROPS, HELD_OUT_FIELDS } from './tier1.js';
import { loadRealCorpus } from '../../e2e/healing/real/corpus.js';
import { evaluateReal, type RealScore } from './real.js';
import { launchChromium } from '../../robot-image/src/browser/chromium.js';

type Verdict = 'correct' | 'wrong' | 'abstained';
interface Outcome {
  c: CorpusCase;
  verdict: Verdict;
  tier: 1 | 2 | 3 | null;
  ms: number;
  reason?: string;
}

const pct = (n: number, d: number) => (d === 0 ? 0 : Math.round((1000 * n) / d) / 10);
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function takeMark(page: Page): Promise<ElementHandle | null> {
  const h = await page.$('[data-heal-mark]');
  await h?.evaluate((el) => el.removeAttribute('data-heal-mark'));
  return h;
}

async function runCase(page: Page, c: CorpusCase): Promise<Outcome> {
  await page.setContent(casePage(c, 'before'));
  const before = await takeMark(page);
  if (!before) throw new Error(`${c.id}: no marked element in before.html`);
  const recorded = await describeElement(before);
  const target: HealableTarget = { css: '#the-old-selector', fingerprint: recorded };
  if (c.anchor) target.anchor = c.anchor;
  if (c.image) target.image = await captureTemplate(before);

  await page.setContent(casePage(c, 'after'));
  const expected = await takeMark(page);
  const r = await healTarget(page, target, recorded);
  let verdict: Verdict;
  if (r.outcome === 'abstained') verdict = c.expect === 'abstain' ? 'correct' : 'abstained';
  else if (!expected) verdict = 'wrong';
  else verdict = (await r.locator!.evaluate((el, exp) => el === exp, expected)) ? 'correct' : 'wrong';
  return { c, verdict, tier: r.tier, ms: r.ms.total, ...(r.reason ? { reason: r.reason } : {}) };
}

function line(label: string, rows: Outcome[]): string {
  const n = rows.length;
  const k = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  const ms = rows.map((r) => r.ms);
  return `${label.padEnd(26)} n=${String(n).padStart(3)}  correct ${String(pct(k('correct'), n)).padStart(5)}%  wrong ${String(pct(k('wrong'), n)).padStart(4)}%  abstained ${String(pct(k('abstained'), n)).padStart(5)}%  p50 ${quantile(ms, 0.5).toFixed(1)} ms  p95 ${quantile(ms, 0.95).toFixed(1)} ms`;
}

function largePage(rows: number): string {
  const tr = (i: number) =>
    `<tr class="row r-${i % 7}"><td>${i}</td><td><a href="/orders/${i}">Order ${1000 + i}</a></td><td><span class="badge">Open</span></td><td><input name="qty-${i}" value="1"></td><td><button class="btn btn-sm">Edit</button><button class="btn btn-sm danger">Delete</button></td></tr>`;
  return `<!doctype html><html><body><nav><a href="/">Home</a><a href="/orders">Orders</a></nav><h1>Orders</h1><table>${Array.from({ length: rows }, (_, i) => tr(i)).join('')}</table><button id="export">Export all</button></body></html>`;
}

/** The same rows inside an open shadow root, under a same-origin iframe holding a small form. */
function largeShadowPage(rows: number): string {
  const inner = largePage(rows).replace(/^<!doctype html><html><body>|<\/body><\/html>$/g, '');
  const form = `<form><label for="q">Search</label> <input id="q"><button>Go</button></form>`.replace(/"/g, '&quot;');
  return `<!doctype html><html><body><x-orders></x-orders><iframe srcdoc="${form}"></iframe><template id="t">${inner}</template>
<script>customElements.define('x-orders', class extends HTMLElement { constructor() { super();
  this.attachShadow({ mode: 'open' }).appendChild(document.getElementById('t').content.cloneNode(true)); } });</script></body></html>`;
}

async function benchLargePage(
  page: Page,
  shadow = false,
): Promise<{ elements: number; healMs: number; baselineMs: number }> {
  if (shadow) await page.goto('about:blank');
  await page.setContent(shadow ? largeShadowPage(300) : largePage(300));
  const elements = await page.evaluate(
    () =>
      document.querySelectorAll('*').length +
      (document.querySelector('x-orders')?.shadowRoot?.querySelectorAll('*').length ?? 0),
  );
  const recorded = await describeElement(page.locator('tr:nth-child(150) button.danger'));
  const healMs: number[] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const b0 = performance.now();
    await page.evaluate(
      () => Array.from(document.querySelectorAll('*')).map((e) => e.getBoundingClientRect().width).length,
    );
    baseMs.push(performance.now() - b0);
    const t0 = performance.now();
    const cands = await collectCandidates(page, hintFor(recorded));
    rankCandidates(recorded, cands);
    healMs.push(performance.now() - t0);
  }
  return { elements, healMs: quantile(healMs, 0.5), baselineMs: quantile(baseMs, 0.5) };
}

async function main(): Promise<void> {
  const cases = loadCorpus();
  // A robot loads OpenCV once at start-up; keep that one-off (~0.5-1 s) out of the heal latencies.
  await loadOpenCv();
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const outcomes: Outcome[] = [];
    for (const c of cases) {
      const o = await runCase(page, c);
      if (process.env.HEALING_BENCH_VERBOSE)
        console.log(`${o.verdict} ${c.id} tier=${o.tier ?? '-'} ${o.ms.toFixed(0)}ms ${o.reason ?? ''}`);
      outcomes.push(o);
    }

    console.log(
      `healing corpus: ${cases.length} cases (${cases.filter((c) => c.expect === 'abstain').length} where the target was removed)`,
    );
    console.log(line('overall', outcomes));
    for (const t of [1, 2, 3] as const)
      console.log(
        line(
          `cases written for tier ${t}`,
          outcomes.filter((o) => o.c.tier === t),
        ),
      );
    for (const t of [1, 2, 3] as const)
      console.log(
        line(
          `answered by tier ${t}`,
          outcomes.filter((o) => o.tier === t),
        ),
      );
    console.log(
      line(
        'abstained (all tiers)',
        outcomes.filter((o) => o.tier === null),
      ),
    );
    console.log(
      line(
        'target removed',
        outcomes.filter((o) => o.c.expect === 'abstain'),
      ),
    );
    for (const o of outcomes.filter((o) => o.verdict !== 'correct'))
      console.log(
        `  ${o.verdict.padEnd(9)} ${o.c.id} [${o.c.mutations.join(',')}] tier=${o.tier ?? '-'} ${o.reason ?? ''}`,
      );

    // Tier 1 alone, as evaluated on held-out data: rankCandidates on captured descriptors.
    const tier1 = [];
    for (const c of cases) tier1.push(await captureTier1Case(page, c));
    for (const f of FIELD_DROPS) {
      const s = evaluateTier1(tier1, f.drop);
      console.log(
        `tier 1 only, ${f.name.padEnd(24)} correct ${String(pct(s.correct, s.cases)).padStart(5)}%  wrong ${String(pct(s.wrong, s.cases)).padStart(4)}%  abstained ${String(pct(s.abstained, s.cases)).padStart(5)}%${s.wrongIds.length ? '  wrong: ' + s.wrongIds.join(' ') : ''}`,
      );
    }

    const large = await benchLargePage(page);
    console.log(
      `large page: ${large.elements} elements, collect+score p50 ${large.healMs.toFixed(1)} ms (budget 400 ms); baseline evaluate over all elements ${large.baselineMs.toFixed(1)} ms; ratio ${(large.healMs / large.baselineMs).toFixed(1)}`,
    );
    const deep = await benchLargePage(page, true);
    console.log(
      `large page in an open shadow root (+ an iframe): ${deep.elements} elements, collect+score p50 ${deep.healMs.toFixed(1)} ms (budget 400 ms); ratio to the baseline above ${(deep.healMs / large.baselineMs).toFixed(1)}`,
    );

    // Tier 1 on real version changes (test split only: train is what weights may be fitted on).
    const realAll = loadRealCorpus();
    const realTest = realAll.filter((c) => c.split === 'test');
    const realLine = (label: string, s: RealScore) =>
      `${label.padEnd(34)} n=${String(s.cases).padStart(4)}  correct ${String(pct(s.correct, s.cases)).padStart(5)}%  wrong ${String(pct(s.wrong, s.cases)).padStart(5)}%  abstained ${String(pct(s.abstained, s.cases)).padStart(5)}%  top-ranked (never abstain) ${String(pct(s.topCorrect, s.cases)).padStart(5)}%`;
    console.log(
      `real corpus: ${realAll.length} cases, test split ${realTest.length} (${realTest.filter((c) => c.expected === null).length} removed targets)`,
    );
    const real = evaluateReal(realTest);
    console.log(realLine('real test, all fields', real));
    for (const app of [...new Set(realTest.map((c) => c.app))])
      console.log(realLine(`real test, ${app}`, evaluateReal(realTest.filter((c) => c.app === app))));
    const heldOut = evaluateReal(realTest, HELD_OUT_FIELDS);
    console.log(realLine('real test, held-out fields only', heldOut));
    for (const app of [...new Set(realTest.map((c) => c.app))])
      console.log(
        realLine(
          `real test, held-out fields, ${app}`,
          evaluateReal(
            realTest.filter((c) => c.app === app),
            HELD_OUT_FIELDS,
          ),
        ),
      );
    console.log(
      `real test scoring: p50 ${quantile(real.ms, 0.5).toFixed(2)} ms  p95 ${quantile(real.ms, 0.95).toFixed(2)} ms per case (rankCandidates only)`,
    );

    const n = outcomes.length;
    const k = (v: Verdict) => outcomes.filter((o) => o.verdict === v).length;
    const ms = outcomes.map((o) => o.ms);
    console.log(
      `RESULT healing cases=${n} correct_pct=${pct(k('correct'), n)} wrong_pct=${pct(k('wrong'), n)} abstain_pct=${pct(k('abstained'), n)} p50_ms=${quantile(ms, 0.5).toFixed(1)} p95_ms=${quantile(ms, 0.95).toFixed(1)} real_cases=${real.cases} real_correct_pct=${pct(real.correct, real.cases)} real_wrong_pct=${pct(real.wrong, real.cases)} real_abstain_pct=${pct(real.abstained, real.cases)} real_reduced_correct_pct=${pct(heldOut.correct, heldOut.cases)} real_reduced_wrong_pct=${pct(heldOut.wrong, heldOut.cases)} real_reduced_abstain_pct=${pct(heldOut.abstained, heldOut.cases)}`,
    );
  } finally {
    await browser.close();
  }
}

await main();
