// Self-healing selectors (issue 7). The public surface of robot-image/src/healing.
import { rankAll } from './score.js';
import type { ElementDescriptor } from './types.js';

/**
 * Tier 1 scorer (pure): ranks every candidate against the recorded descriptor, best first, and
 * chooses one or abstains (choice null) when the best is weak or not clearly ahead of the runner-up.
 * Weights and the abstention rule are documented in score.ts.
 */
export function rankCandidates(
  recorded: ElementDescriptor,
  candidates: ElementDescriptor[],
): { choice: number | null; ranked: { index: number; score: number }[] } {
  return rankAll(recorded, candidates);
}

export type {
  ElementDescriptor,
  Box,
  RankResult,
  HealableTarget,
  PlainTarget,
  AnchorSpec,
  ImageTemplate,
  SpatialRelation,
  AnchorSource,
  RecordedAnchor,
  RecordedAids,
} from './types.js';
export { scoreCandidate, SIGNALS, MIN_MARGIN, elementKind, tagCompatibility } from './score.js';
export {
  describeElement,
  describeWithAids,
  collectCandidates,
  hintFor,
  locatorOf,
  type CandidateHint,
  type ElementAids,
} from './capture.js';
export { healTarget, captureTemplate, captureRecordedTemplate, type HealResult, type HealOptions } from './heal.js';
export {
  chooseAnchors,
  anchorLocator,
  atRecordedOffset,
  relationOf,
  MAX_ANCHORS,
  type AnchorCandidate,
} from './anchors.js';
export { pickByRelation, relationDistance, type SpatialPick } from './spatial.js';
export { findTemplate, loadOpenCv, MIN_CORRELATION } from './visual.js';
export {
  bestStableSelector,
  selectorCandidates,
  targetFragility,
  descriptorFragility,
  suggestionsFromEvents,
  type Fragility,
  type StableSelector,
  type HealEvent,
  type StepSuggestion,
} from './suggest.js';
export { plainLocator, elementLocator, placeOfLocator, frameRoot, type ElementAddress } from './locate.js';
export { RECORDED_TEMPLATE_LIMITS } from './png.js';
export { anchorsFoundAgain } from './anchors-again.js';
