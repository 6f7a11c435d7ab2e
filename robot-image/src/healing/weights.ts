// The tier-1 scorer's parameters as data: signal weights, how they combine, and the abstention
// rule. weights.json is written by `npm run heal:fit` (bench/healing/fit.ts) and validated here at
// load, so a hand edit that breaks it fails at start-up rather than healing with nonsense.
import { z } from 'zod';
import raw from './weights.json' with { type: 'json' };

/** Every signal the scorer computes (score.ts SIGNALS), in a fixed order the fitter relies on. */
export const SIGNAL_NAMES = [
  'testId',
  'id',
  'idGenerated',
  'name',
  'nameGenerated',
  'accessibleName',
  'text',
  'textFuzzy',
  'label',
  'placeholder',
  'href',
  'hrefTokens',
  'src',
  'alt',
  'title',
  'attributes',
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
  'sectionHeadings',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Inputs of the abstention model, in the order of `abstain.coefficients` (see score.ts decisionFeatures). */
export const DECISION_FEATURES = [
  'bias',
  'best',
  'margin',
  'relativeMargin',
  'identity',
  'identityGap',
  'uniqueStrong',
  'logPool',
  'sharedLead',
] as const;
export type DecisionFeature = (typeof DECISION_FEATURES)[number];

const weight = z.number().min(0).max(10);
const share = z.number().min(0).max(1);

export const ScorerWeightsSchema = z
  .object({
    /** Provenance written by the fitter (free text: command, data, date, figures). */
    fitted: z.string(),
    signals: z
      .object(Object.fromEntries(SIGNAL_NAMES.map((n) => [n, weight])) as Record<SignalName, typeof weight>)
      .strict(),
    combine: z
      .object({
        /** Least identity factor, when nothing the element says or is called matches. */
        identityFloor: share,
        /** Identity agreement at or above this counts fully. */
        identityFull: z.number().min(0.05).max(1),
        /** Convexity of the identity factor below identityFull. */
        identityExponent: z.number().min(0.25).max(4),
        /** Tag factor for another tag of the same kind of control, and for anything else. */
        tagSameKind: share,
        tagOther: share,
        /** Tag factor when one of the two is a generic container (<div>/<span> without a role). */
        tagGeneric: share,
        /** Score kept by a candidate named like one of the recorded element's neighbours. */
        neighbourConflict: share,
        /** Score kept by a container that repeats the text of a control inside it. */
        wrapper: share,
        /** Score kept by look-alikes that position rules out. */
        lookalike: share,
        /** Score band below the best where candidates count as look-alikes. */
        lookalikeBand: share,
        /** An exact test id / hand-written id lifts the score to at least lift + (1 - lift) * score. */
        testIdLift: share,
        idLift: share,
      })
      .strict(),
    abstain: z
      .object({
        /**
         * Never choose when the best leads the runner-up by less than this on the evidence both
         * descriptors share (score.ts sharedLead; negative: the runner-up may lead there a little).
         */
        minSharedLead: z.number().min(-1).max(1),
        /**
         * Never choose a candidate whose identity agreement (what the recorded element said or was
         * called) is below this: the target is gone and a look-alike with nothing of it remains.
         */
        minIdentity: share,
        /** Never choose when the runner-up is this close: look-alikes nothing told apart. */
        minMargin: share,
        /** Logistic model of "the top candidate is right", one coefficient per DECISION_FEATURES entry. */
        coefficients: z.array(z.number().min(-100).max(100)).length(DECISION_FEATURES.length),
        /** Choose when the model's probability is at least this. */
        threshold: share,
      })
      .strict(),
  })
  .strict();
export type ScorerWeights = z.infer<typeof ScorerWeightsSchema>;

/** Validate a weights document; the error lists every problem at once. */
export function parseWeights(doc: unknown): ScorerWeights {
  const r = ScorerWeightsSchema.safeParse(doc);
  if (!r.success)
    throw new Error(
      'invalid healing weights: ' +
        r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return r.data;
}

/** The weights shipped with the robot (weights.json), validated once at load. */
export const WEIGHTS: ScorerWeights = parseWeights(raw);
