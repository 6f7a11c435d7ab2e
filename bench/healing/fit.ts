// `npm run heal:fit`: learn the tier-1 scorer's weights (robot-image/src/healing/weights.json) on the
// TRAIN split and print the result on the TEST split.
//
// Data: the real corpus (e2e/healing/real/corpus/<app>.json, or AETHER_REAL_CORPUS=<dir>) with
// its own split, and the generated corpus (e2e/healing/corpus, captured once in Chromium and
// cached in the temp dir; split by target). Every case is used twice: with full descriptors and
// reduced to tag, classes, name, id, href, text and xpath on both sides (the held-out
// benchmark's poorest variant). Each source (real app, generated) and each variant weigh the same.
//
// Method (deterministic, no random numbers; a few minutes on 2 cores):
// 1. Evidence (signal similarities) once per case; only the target and the candidates that lead
//    under any of three diverse weightings are kept for fitting (scores are cheap to recombine).
// 2. Ranking weights (signal weights and combine parameters) by coordinate ascent on a smooth
//    top-1 rate (sigmoid of the target's lead over the best other candidate), with a prior that
//    pulls each parameter toward the hand-set values (weights.prior in this file's PRIOR).
// 3. Abstention: a logistic regression (ridge, Newton steps) of "the top candidate is right"
//    over score.ts decisionFeatures, then the lowest probability threshold that keeps train
//    wrong answers at or below WRONG_BUDGET.
//    The floors (minSharedLead, minMargin) are picked from a small grid the same way.
//    `--abstain-only` keeps the ranking weights of weights.json and refits only this step.
// 4. Writes weights.json (unless --dry-run) and prints train and test figures, exact (full
//    candidate lists, through rankAll), for the hand-set prior and the fitted weights.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  caseEvidence,
  decide,
  decisionFeatures,
  decisionInput,
  scoreEvidence,
  type CaseEvidence,
  type PairEvidence,
} from '../../robot-image/src/healing/score.js';
import type { ElementDescriptor } from '../../robot-image/src/healing/types.js';
import {
  DECISION_FEATURES,
  parseWeights,
  SIGNAL_NAMES,
  type ScorerWeights,
} from '../../robot-image/src/healing/weights.js';
import { formatTally, generatedItems, loadRealCorpus, realCorpusDir, reduceItems, type Tier1Item } from './dataset.js';
import { generatedCases } from './generated-cases.js';

const WEIGHTS_FILE = fileURLToPath(new URL('../../robot-image/src/healing/weights.json', import.meta.url));
const PRIOR_FILE = fileURLToPath(new URL('./weights.prior.json', import.meta.url));
/** Train wrong-answer budget for the abstention threshold (the target is 2 % on unseen data). */
const WRONG_BUDGET = 0.01;
/** Candidates kept per case for fitting: the target plus the leaders under each probe weighting. */
const KEEP = 40;
/** Strength of the pull toward the hand-set prior. */
const PRIOR_STRENGTH = 0.002;
/** Temperature of the smooth top-1 rate (score units). */
const TEMPERATURE = 0.02;
/** At most this many train cases per source and variant (evenly spaced), to bound the run time. */
const MAX_TRAIN_PER_SOURCE = 200;

interface FitCase {
  item: Tier1Item;
  variant: string;
  weight: number;
  candidates: ElementDescriptor[];
  ev: CaseEvidence;
  /** Index of the target among the kept candidates, or null (removed target). */
  want: number | null;
  pool: number;
}

const clone = (w: ScorerWeights): ScorerWeights => JSON.parse(JSON.stringify(w)) as ScorerWeights;

/** Probe weightings: the prior, identity only, context only; their leaders are what the fitter can promote. */
function probes(prior: ScorerWeights): ScorerWeights[] {
  const identity = clone(prior);
  const context = clone(prior);
  for (const n of SIGNAL_NAMES) {
    const ctx = [
      'tag',
      'role',
      'type',
      'classes',
      'classTokens',
      'xpath',
      'ancestors',
      'landmarks',
      'ancestorId',
      'idXpath',
      'location',
      'size',
      'neighbors',
    ].includes(n);
    (ctx ? identity : context).signals[n] *= 0.1;
  }
  return [prior, identity, context];
}

function prepare(items: readonly Tier1Item[], variant: string, prior: ScorerWeights): FitCase[] {
  const bySource = new Map<string, Tier1Item[]>();
  for (const it of items) bySource.set(it.source, [...(bySource.get(it.source) ?? []), it]);
  const out: FitCase[] = [];
  for (const [, its] of bySource) {
    const stride = Math.max(1, its.length / MAX_TRAIN_PER_SOURCE);
    const chosen: Tier1Item[] = [];
    for (let k = 0; k < its.length; k += stride) chosen.push(its[Math.floor(k)]!);
    for (const it of chosen) {
      const ev = caseEvidence(it.recorded, it.candidates);
      const keep = new Set<number>();
      if (it.want !== null) keep.add(it.want);
      for (const w of probes(prior)) {
        const s = scoreEvidence(it.recorded, it.candidates, ev, w);
        s.sort((a, b) => b.score - a.score || a.index - b.index);
        for (const x of s.slice(0, KEEP)) keep.add(x.index);
      }
      const idx = [...keep].sort((a, b) => a - b);
      const pairs: PairEvidence[] = idx.map((i) => ev.pairs[i]!);
      out.push({
        item: it,
        variant,
        weight: 1 / chosen.length,
        candidates: idx.map((i) => it.candidates[i]!),
        ev: { pairs, rarity: ev.rarity, exact: ev.exact },
        want: it.want === null ? null : idx.indexOf(it.want),
        pool: it.candidates.length,
      });
    }
  }
  return out;
}

interface Outcome {
  top: number;
  /** Look-alike leaders left unresolved / resolved: decide() abstains / chooses whatever the model says. */
  unresolved: boolean;
  resolved: boolean;
  /** decide() abstains whatever the model says (score.ts placeConflict). */
  conflict: boolean;
  lead: number;
  features: number[];
}

function outcomes(cases: readonly FitCase[], w: ScorerWeights): Outcome[] {
  return cases.map((c) => {
    const s = scoreEvidence(c.item.recorded, c.candidates, c.ev, w);
    let top = 0;
    for (let i = 1; i < s.length; i++) if (s[i]!.score > s[top]!.score) top = i;
    let lead = 0;
    if (c.want !== null) {
      let other = 0;
      for (let i = 0; i < s.length; i++) if (i !== c.want && s[i]!.score > other) other = s[i]!.score;
      lead = s[c.want]!.score - other;
    }
    const d = decisionInput(s, c.ev, c.pool, w);
    return {
      top,
      lead,
      unresolved: s.unresolvedLookalikes === true,
      resolved: s.resolvedLookalikes === true,
      conflict: d.placeConflict === true,
      features: decisionFeatures(d),
    };
  });
}

/** Parameters the coordinate ascent moves: signal weights (multiplicative) and combine shares (additive). */
type Param = {
  name: string;
  get(w: ScorerWeights): number;
  set(w: ScorerWeights, v: number): void;
  mult: boolean;
  lo: number;
  hi: number;
};
const PARAMS: Param[] = [
  ...SIGNAL_NAMES.map((n) => ({
    name: n,
    get: (w: ScorerWeights) => w.signals[n],
    set: (w: ScorerWeights, v: number) => void (w.signals[n] = v),
    mult: true,
    lo: 0.01,
    hi: 10,
  })),
  ...(
    [
      'identityFloor',
      'identityFull',
      'identityExponent',
      'tagSameKind',
      'tagOther',
      'tagGeneric',
      'neighbourConflict',
      'wrapper',
      'lookalike',
      'testIdLift',
      'idLift',
    ] as const
  ).map((n) => ({
    name: n,
    get: (w: ScorerWeights) => w.combine[n],
    set: (w: ScorerWeights, v: number) => void (w.combine[n] = v),
    mult: n === 'identityExponent',
    lo: n === 'identityFull' ? 0.05 : n === 'identityExponent' ? 0.25 : 0,
    hi: n === 'identityExponent' ? 4 : 1,
  })),
];

function priorPenalty(w: ScorerWeights, prior: ScorerWeights): number {
  let p = 0;
  for (const q of PARAMS) {
    const a = q.get(w);
    const b = q.get(prior);
    p += q.mult ? Math.log((a + 0.05) / (b + 0.05)) ** 2 : ((a - b) / 0.3) ** 2;
  }
  return PRIOR_STRENGTH * p;
}

function rankingObjective(cases: readonly FitCase[], w: ScorerWeights, prior: ScorerWeights): number {
  const o = outcomes(cases, w);
  let sum = 0;
  let total = 0;
  cases.forEach((c, i) => {
    if (c.want === null) return;
    sum += c.weight / (1 + Math.exp(-o[i]!.lead / TEMPERATURE));
    total += c.weight;
  });
  return sum / total - priorPenalty(w, prior);
}

function fitRanking(cases: readonly FitCase[], prior: ScorerWeights): ScorerWeights {
  let w = clone(prior);
  let best = rankingObjective(cases, w, prior);
  console.log(`ranking objective at the prior: ${best.toFixed(4)}`);
  for (const step of [2, 1.4, 1.15]) {
    for (let round = 0; round < 3; round++) {
      let improved = false;
      for (const q of PARAMS) {
        const cur = q.get(w);
        const tries = q.mult ? [cur * step, cur / step] : [cur + (step - 1) / 4, cur - (step - 1) / 4];
        for (const v of tries) {
          const c = Math.min(q.hi, Math.max(q.lo, v));
          if (c === cur) continue;
          const next = clone(w);
          q.set(next, c);
          const f = rankingObjective(cases, next, prior);
          if (f > best + 1e-6) {
            best = f;
            w = next;
            improved = true;
            break;
          }
        }
      }
      console.log(`  step ${step} round ${round}: objective ${best.toFixed(4)}`);
      if (!improved) break;
    }
  }
  return w;
}

/** Ridge logistic regression by Newton steps (deterministic). */
function logistic(x: number[][], y: number[], sw: number[], ridge = 0.01): number[] {
  const d = x[0]!.length;
  let b = new Array<number>(d).fill(0);
  for (let it = 0; it < 30; it++) {
    const g = new Array<number>(d).fill(0);
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    x.forEach((xi, n) => {
      const z = xi.reduce((s, v, k) => s + v * b[k]!, 0);
      const p = 1 / (1 + Math.exp(-z));
      for (let k = 0; k < d; k++) {
        g[k]! += sw[n]! * (p - y[n]!) * xi[k]!;
        for (let l = 0; l < d; l++) h[k]![l]! += sw[n]! * p * (1 - p) * xi[k]! * xi[l]!;
      }
    });
    for (let k = 1; k < d; k++) {
      g[k]! += ridge * b[k]!;
      h[k]![k]! += ridge;
    }
    h[0]![0]! += 1e-9;
    const step = solve(h, g);
    b = b.map((v, k) => v - step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-7) break;
  }
  return b;
}

function solve(a: number[][], y: number[]): number[] {
  const n = y.length;
  const m = a.map((r, i) => [...r, y[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / piv;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((r, i) => r[n]! / (r[i]! || 1e-12));
}

function fitAbstention(cases: readonly FitCase[], w: ScorerWeights): ScorerWeights {
  const o = outcomes(cases, w);
  const right = cases.map((c, i) => (c.want !== null && o[i]!.top === c.want ? 1 : 0));
  const total = cases.reduce((s, c) => s + c.weight, 0);
  const sw = cases.map((c) => (c.weight * cases.length) / total);
  // Rankings decide() settles without the model (look-alikes, place conflicts) do not inform it.
  const used = o.flatMap((x, i) => (x.unresolved || x.resolved || x.conflict ? [] : [i]));
  const coefficients = logistic(
    used.map((i) => o[i]!.features),
    used.map((i) => right[i]!),
    used.map((i) => sw[i]!),
  );
  const out = clone(w);
  out.abstain.coefficients = coefficients.map((v) => Math.max(-100, Math.min(100, v)));
  // Per floor pair (minScore, minMargin), the lowest threshold whose train wrong rate stays within
  // budget (most answers for the risk); keep the pair that answers most correctly.
  const conf = o.map(
    (x) => 1 / (1 + Math.exp(-x.features.reduce((s, v, k) => s + v * out.abstain.coefficients[k]!, 0))),
  );
  const isRemoved = cases.map((c) => c.want === null);
  const unresolved = o.map((x) => x.unresolved);
  const LEAD = DECISION_FEATURES.indexOf('sharedLead');
  const MARGIN = DECISION_FEATURES.indexOf('margin');
  const IDENTITY = DECISION_FEATURES.indexOf('identity');
  let best = { correct: -1, minSharedLead: 0, minMargin: 0, threshold: 1 };
  for (const minSharedLead of [-0.5, -0.4, -0.3, -0.2, -0.1, 0])
    for (const minMargin of [0.001, 0.005, 0.01, 0.02]) {
      let chosen = 0.999;
      let chosenCorrect = 0;
      for (let t = 0.999; t >= 0.05; t -= 0.001) {
        let wrong = 0;
        let correct = 0;
        cases.forEach((c, i) => {
          const f = o[i]!.features;
          const answers =
            f[LEAD]! >= minSharedLead &&
            f[MARGIN]! >= minMargin &&
            f[IDENTITY]! >= w.abstain.minIdentity &&
            !unresolved[i] &&
            !o[i]!.conflict &&
            (o[i]!.resolved || conf[i]! >= t);
          if (answers && right[i]) correct += c.weight;
          else if (answers) wrong += c.weight;
          else if (isRemoved[i]) correct += c.weight;
        });
        if (wrong / total > WRONG_BUDGET) break;
        chosen = t;
        chosenCorrect = correct;
      }
      if (chosenCorrect > best.correct + 1e-9)
        best = { correct: chosenCorrect, minSharedLead, minMargin, threshold: chosen };
    }
  out.abstain.minSharedLead = best.minSharedLead;
  out.abstain.minMargin = best.minMargin;
  out.abstain.threshold = Math.round(best.threshold * 1000) / 1000;
  console.log(
    `abstention: train correct ${((100 * best.correct) / total).toFixed(1)} % at minSharedLead ${best.minSharedLead}, minMargin ${best.minMargin}, threshold ${out.abstain.threshold}`,
  );
  return out;
}

const round3 = (w: ScorerWeights): ScorerWeights =>
  JSON.parse(
    JSON.stringify(w, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v)),
  ) as ScorerWeights;

/**
 * Exact figures (full candidate lists): what rankAll(recorded, candidates, w) answers, with the
 * evidence computed once for every weighting compared.
 */
function report(items: readonly Tier1Item[], weightings: [string, ScorerWeights][]): void {
  const groups: [string, Tier1Item[]][] = [];
  const real = items.filter((i) => i.source !== 'generated');
  const gen = items.filter((i) => i.source === 'generated');
  if (real.length) groups.push(['real full', real], ['real reduced', reduceItems(real)]);
  if (gen.length) groups.push(['generated full', gen], ['generated reduced', reduceItems(gen)]);
  for (const [g, its] of groups) {
    const rows = weightings.map(() => ({ cases: its.length, correct: 0, wrong: 0, abstained: 0, top1: 0 }));
    for (const it of its) {
      const ev = caseEvidence(it.recorded, it.candidates);
      weightings.forEach(([, w], k) => {
        const s = scoreEvidence(it.recorded, it.candidates, ev, w);
        const d = decisionInput(s, ev, s.length, w);
        let top = 0;
        for (let i = 1; i < s.length; i++) if (s[i]!.score > s[top]!.score) top = i;
        const choice = s.length && decide(d, w) === 'choose' ? top : null;
        const t = rows[k]!;
        if (choice === it.want) t.correct++;
        else if (choice === null) t.abstained++;
        else t.wrong++;
        if (it.want !== null && s.length && top === it.want) t.top1++;
      });
    }
    weightings.forEach(([label], k) => console.log(formatTally(`${label} ${g}`, rows[k]!)));
  }
}

async function main(): Promise<void> {
  const dryRun = process.argv.includes('--dry-run');
  const prior = parseWeights(JSON.parse(readFileSync(PRIOR_FILE, 'utf8')));
  const real = loadRealCorpus();
  const generated = generatedItems(await generatedCases());
  const all = [...real, ...generated];
  console.log(
    `real corpus ${realCorpusDir()}: ${real.length} cases from ${new Set(real.map((i) => i.source)).size} apps; generated: ${generated.length} cases`,
  );
  const train = all.filter((i) => i.split === 'train');
  const test = all.filter((i) => i.split === 'test');
  const t0 = Date.now();
  const cases = [...prepare(train, 'full', prior), ...prepare(reduceItems(train), 'reduced', prior)];
  const sources = new Set(cases.map((c) => `${c.item.source}/${c.variant}`)).size;
  for (const c of cases) c.weight /= sources;
  console.log(`evidence for ${cases.length} train cases in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  // --abstain-only: keep the ranking weights of weights.json, refit only the abstention model.
  const ranking = process.argv.includes('--abstain-only')
    ? parseWeights(JSON.parse(readFileSync(WEIGHTS_FILE, 'utf8')))
    : fitRanking(cases, prior);
  const fitted = round3(fitAbstention(cases, ranking));
  fitted.fitted = `npm run heal:fit ${new Date().toISOString().slice(0, 10)}: ${train.length} train cases (${[...new Set(train.map((i) => i.source))].join(', ')}), full + reduced descriptors; train wrong budget ${WRONG_BUDGET}`;
  const checked = parseWeights(fitted);
  console.log(`fitted in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify({ signals: checked.signals, combine: checked.combine, abstain: checked.abstain }));
  console.log('TEST split (exact, full candidate lists):');
  report(test, [
    ['prior ', prior],
    ['fitted', checked],
  ]);
  if (!dryRun) {
    writeFileSync(WEIGHTS_FILE, JSON.stringify(checked, null, 2) + '\n');
    console.log(`wrote ${WEIGHTS_FILE}`);
  }
}

await main();
