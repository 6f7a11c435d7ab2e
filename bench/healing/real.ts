// Tier 1 on the real-application corpus (e2e/healing/real): rankCandidates on descriptors recorded
// on an old version against the new version's whole page, scored on the TEST split only.
import type { RealCase } from '../../e2e/healing/real/corpus.js';
import { rankCandidates, type ElementDescriptor } from '../../robot-image/src/healing/index.js';

export interface RealScore {
  cases: number;
  correct: number;
  wrong: number;
  abstained: number;
  /** Chose right if it never abstained (top-ranked candidate; a removed target counts wrong). */
  topCorrect: number;
  ms: number[];
}

/** Correct = chose the expected candidate, or abstained when the target was removed (expected null). */
export function evaluateReal(
  cases: readonly RealCase[],
  drop: (d: ElementDescriptor) => ElementDescriptor = (d) => d,
): RealScore {
  const s: RealScore = { cases: cases.length, correct: 0, wrong: 0, abstained: 0, topCorrect: 0, ms: [] };
  for (const c of cases) {
    const recorded = drop(c.recorded);
    const candidates = c.candidates.map(drop);
    const t0 = performance.now();
    const { choice, ranked } = rankCandidates(recorded, candidates);
    s.ms.push(performance.now() - t0);
    if (choice === c.expected) s.correct++;
    else if (choice === null) s.abstained++;
    else s.wrong++;
    if (c.expected !== null && ranked[0]?.index === c.expected) s.topCorrect++;
  }
  return s;
}
