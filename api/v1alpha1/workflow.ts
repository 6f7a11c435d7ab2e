// The workflow DSL: what an RpaWorkflow (or an RpaJob's inline workflow) says a robot must do.
// Values in most string fields are templates (`{{ params.x }}`, see api/README.md); `if.condition`,
// `assert.condition` and `forEach.items` are expressions.
import { z } from 'zod';
import { celExactlyOne, exactlyOne, withRules } from './rules.js';
import { boundedRecord, boundedString, identifier } from './bounds.js';
import { DEFAULT_OUTPUT_LIMITS, MAX_OUTPUT_LIMITS } from './output-limits.js';
import { downloadFields, downloadRules, uploadFields } from './steps-files.js';
import { Target } from './target.js';
import { expression, stepCommon as common, step, template, urlTemplate, valueTemplate, WAIT_UNTIL } from './step-base.js';
import { browserSteps } from './steps-browser.js';
import { BrowserSettings } from './browser-settings.js';
import { DialogPolicy } from './step-base.js';
import { browserSettingsRules } from './workflow-browser-rules.js';
import { callFields, type CallTarget } from './steps-call.js';
import { queueAddFields } from './steps-queue.js';

export { WAIT_STATES, WaitForStep } from './steps-browser.js';
export { Backoff, DialogPolicy, Mask, ON_ERROR_POLICIES, OnError, WAIT_UNTIL } from './step-base.js';

/** Step lists nest this deep (top level + blocks inside blocks). CRDs cannot recurse, so the
 * generator unrolls nested steps to exactly this depth and the zod schema enforces the same. */
export const MAX_STEP_LIST_DEPTH = 3;
/** Bounds that keep the CRD's CEL cost estimate within the API server's budget. */
export const MAX_TOP_LEVEL_STEPS = 100;
export const MAX_NESTED_STEPS = 12;
/** Named blocks (spec.blocks): how many, and steps in one. Their steps nest one level less than the top
 * level's (the CRD unrolls them as if already nested once); a `run` step goes deeper. */
export const MAX_BLOCKS = 16;
export const MAX_BLOCK_STEPS = 24;
export const MAX_BLOCK_STEP_LIST_DEPTH = MAX_STEP_LIST_DEPTH - 1;
/** Marks a step list the CRD generator unrolls as if already nested this many levels (api/gen/structural.ts). */
export const NESTED_DEPTH_META = 'x-aether-nested-depth';

export const PARAM_TYPES = ['string', 'number', 'boolean', 'list', 'object'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** Whether a JSON value is of a declared param type. */
export function matchesParamType(type: ParamType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

export const Param = withRules(
  z.strictObject({
    name: identifier(),
    type: z.enum(PARAM_TYPES).default('string'),
    default: z.unknown().optional(),
    required: z.boolean().optional(),
    description: boundedString(1024).optional(),
  }),
  [
    {
      // zod only: CEL cannot see an untyped (any JSON) field.
      message: 'default must be of the declared type',
      fieldPath: '.default',
      holds: (p) => p.default === undefined || matchesParamType(p.type, p.default),
    },
  ],
);
export type Param = z.output<typeof Param>;

/** A named set of secret keys the workflow needs, bound to a Secret by each RpaJob. */
export const CredentialSlot = z.strictObject({
  name: identifier(),
  keys: z.array(identifier()).min(1).max(16),
  description: boundedString(1024).optional(),
});
export type CredentialSlot = z.infer<typeof CredentialSlot>;

export const Timeouts = z.strictObject({
  stepSeconds: z.int().min(1).max(3600).optional().meta({ description: 'Default timeout of each step.' }),
  jobSeconds: z
    .int()
    .min(1)
    .max(86400)
    .optional()
    .meta({ description: 'Timeout of one attempt of the whole job (checked at step boundaries; the job fails the attempt with reason JobTimeout). activeDeadlineSeconds bounds the job across attempts.' }),
});
export type Timeouts = z.infer<typeof Timeouts>;

const limitField = (key: keyof typeof MAX_OUTPUT_LIMITS, what: string) =>
  z
    .int()
    .min(1)
    .max(MAX_OUTPUT_LIMITS[key])
    .optional()
    .meta({ description: `${what} (default ${DEFAULT_OUTPUT_LIMITS[key]}, at most ${MAX_OUTPUT_LIMITS[key]}).` });

/** Caps on what the job records; a step over one fails with a message naming it and the limit. */
export const Limits = z.strictObject({
  stepOutputBytes: limitField('stepOutputBytes', "Largest output of one step, in bytes of its JSON"),
  jobOutputsBytes: limitField('jobOutputsBytes', "Largest sum of the job's step outputs, in bytes of JSON"),
  forEachItems: limitField('forEachItems', 'Most items a forEach may iterate'),
  forEachItemBytes: limitField('forEachItemBytes', 'Largest single forEach item, in bytes of its JSON'),
  forEachListBytes: limitField('forEachListBytes', 'Largest forEach list as a whole, in bytes of its JSON'),
});
export type Limits = z.infer<typeof Limits>;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

export const GotoStep = step('goto', { url: urlTemplate(), waitUntil: z.enum(WAIT_UNTIL).optional() });
export const ClickStep = step('click', {
  target: Target,
  button: z.enum(['left', 'right', 'middle']).optional(),
  clickCount: z.int().min(1).max(3).optional(),
});
export const FillStep = step('fill', { target: Target, value: valueTemplate() });
export const SelectStep = step('select', {
  target: Target,
  value: valueTemplate().meta({ description: "The option's value or label." }),
});
export const CheckStep = step('check', { target: Target });
export const UncheckStep = step('uncheck', { target: Target });
export const PressStep = step('press', {
  key: boundedString(64).min(1).meta({ description: 'Playwright key, e.g. Enter, Control+A.' }),
  target: Target.optional(),
});
export const HoverStep = step('hover', { target: Target });
export const ExtractTextStep = step('extractText', {
  target: Target,
  all: z.boolean().optional().meta({ description: 'Return the texts of all matches as a list.' }),
});
export const ExtractAttributeStep = step('extractAttribute', {
  target: Target,
  attribute: boundedString(256).min(1),
  all: z.boolean().optional(),
});
export const ExtractTableStep = step('extractTable', {
  target: Target,
  header: z.boolean().optional().meta({ description: 'First row holds column names (default true).' }),
});
export const ScreenshotStep = step('screenshot', {
  target: Target.optional(),
  fullPage: z.boolean().optional(),
  name: identifier().optional(),
});
export const AssertStep = withRules(
  step('assert', {
    target: Target.optional(),
    text: template(4096).optional().meta({ description: 'Expected text of target (substring unless exact).' }),
    exact: z.boolean().optional(),
    visible: z.boolean().optional(),
    url: urlTemplate().optional().meta({ description: 'Expected URL: exact, or a glob with *.' }),
    condition: expression().optional(),
    message: boundedString(1024).optional(),
  }),
  [
    {
      cel: celExactlyOne(['text', 'visible', 'url', 'condition']),
      message: 'assert needs exactly one of text, visible, url, condition',
      holds: (s) => exactlyOne(s.text, s.visible, s.url, s.condition),
    },
    {
      cel: '(!has(self.text) && !has(self.visible)) || has(self.target)',
      message: 'assert text/visible needs a target',
      fieldPath: '.target',
      holds: (s) => (s.text === undefined && s.visible === undefined) || s.target !== undefined,
    },
  ],
);
export const SetVariableStep = step('setVariable', { name: identifier(), value: valueTemplate() });
export const HttpStep = step('http', {
  method: z.enum(HTTP_METHODS).default('GET'),
  url: urlTemplate(),
  headers: boundedRecord(boundedString(256), template(4096), 32).optional(),
  body: template(65536).optional(),
});
export const DownloadStep = withRules(step('download', downloadFields), downloadRules);
export const UploadStep = step('upload', uploadFields);
/** Adds work items to an RpaQueue of the namespace (steps-queue.ts). */
export const QueueAddStep = step('queueAdd', queueAddFields);

const leafSteps = [
  GotoStep,
  ClickStep,
  FillStep,
  SelectStep,
  CheckStep,
  UncheckStep,
  PressStep,
  HoverStep,
  ExtractTextStep,
  ExtractAttributeStep,
  ExtractTableStep,
  ScreenshotStep,
  AssertStep,
  SetVariableStep,
  HttpStep,
  DownloadStep,
  UploadStep,
  QueueAddStep,
  ...browserSteps,
] as const;

type Common = z.output<z.ZodObject<typeof common>>;
export type IfStep = Common & { action: 'if'; condition: string; then: Step[]; else?: Step[] };
export type ForEachStep = Common & { action: 'forEach'; items: string; as?: string; steps: Step[] };
/** while: the condition is checked before each iteration; until: after each (the body runs at least once). */
export type LoopStep = Common & { action: 'while' | 'until'; condition: string; maxIterations: number; steps: Step[] };
/** catch and finally name blocks (spec.blocks): inline lists would multiply the unrolled CRD. */
export type TryStep = Common & { action: 'try'; steps: Step[]; catch?: string; finally?: string };
export type RunStep = Common & { action: 'run'; block: string };
/** Runs another RpaWorkflow of the namespace (steps-call.ts). */
export type CallStep = Common & { action: 'call'; call: CallTarget };
export type LeafStep = z.output<(typeof leafSteps)[number]>;
export type Step = LeafStep | IfStep | ForEachStep | LoopStep | TryStep | RunStep | CallStep;

// The API server enforces unique keys of a list-type map natively, at no CEL cost.
const listMapBy = (key: string) => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
const stepIdsUniqueAtLevel = {
  message: 'step ids must be unique',
  holds: (steps: Step[]) => new Set(steps.map((s) => s.id)).size === steps.length,
};
const stepList = (max: number) =>
  withRules(z.array(Step).min(1).max(max).meta(listMapBy('id')), [stepIdsUniqueAtLevel]);

const nestedSteps = (): z.ZodType<Step[]> => stepList(MAX_NESTED_STEPS);

export const IfStep: z.ZodType<IfStep> = step('if', {
  condition: expression(),
  get then() {
    return nestedSteps();
  },
  get else() {
    return nestedSteps().optional();
  },
});
export const ForEachStep: z.ZodType<ForEachStep> = step('forEach', {
  items: expression().meta({ description: 'Expression giving the list to iterate.' }),
  as: identifier().optional().meta({ description: 'Loop variable name (default item).' }),
  get steps() {
    return nestedSteps();
  },
});

export const MAX_LOOP_ITERATIONS = 10_000;
const loopStep = <A extends 'while' | 'until'>(action: A) =>
  step(action, {
    condition: expression(),
    maxIterations: z
      .int()
      .min(1)
      .max(MAX_LOOP_ITERATIONS)
      .meta({ description: 'Required bound: the step fails when the loop would run more iterations.' }),
    get steps() {
      return nestedSteps();
    },
  });
export const WhileStep = loopStep('while');
export const UntilStep = loopStep('until');
const blockName = (what: string) => identifier().meta({ description: `Name of a block in spec.blocks ${what}.` });
export const TryStep = step('try', {
  get steps() {
    return nestedSteps();
  },
  catch: blockName('run when a step of steps fails (it sees the failure as error)').optional(),
  finally: blockName('run after steps and catch, whatever happened').optional(),
});
export const RunStep = step('run', { block: blockName('to run') });
export const CallStep = step('call', callFields);

const CONTROL_STEPS = [WhileStep, UntilStep, TryStep, RunStep, CallStep] as const;

// Typed by hand: TypeScript cannot infer a type that refers to itself through getters.
export const Step = z.discriminatedUnion('action', [
  ...leafSteps,
  IfStep as unknown as z.ZodObject<{ action: z.ZodLiteral<'if'> }>,
  ForEachStep as unknown as z.ZodObject<{ action: z.ZodLiteral<'forEach'> }>,
  ...CONTROL_STEPS,
]) as unknown as z.ZodType<Step>;

export type Action = Step['action'];
export const ACTIONS = [
  ...leafSteps.map((s) => s.shape.action.value),
  'if',
  'forEach',
  ...CONTROL_STEPS.map((s) => s.shape.action.value),
] as Action[];

/** The nested step lists of a step, with the field each sits in. */
export function childStepLists(s: Step): Array<{ field: 'then' | 'else' | 'steps'; steps: Step[] }> {
  if (s.action === 'if')
    return [{ field: 'then', steps: s.then }, ...(s.else ? [{ field: 'else' as const, steps: s.else }] : [])];
  if (s.action === 'forEach' || s.action === 'while' || s.action === 'until' || s.action === 'try')
    return [{ field: 'steps', steps: s.steps }];
  return [];
}

/** Deepest level of step lists (1 = no nested lists). */
export function stepListDepth(steps: Step[]): number {
  let depth = 1;
  for (const s of steps) for (const c of childStepLists(s)) depth = Math.max(depth, 1 + stepListDepth(c.steps));
  return depth;
}

export const Block = z.strictObject({
  name: identifier(),
  description: boundedString(512).optional(),
  steps: withRules(
    z
      .array(Step)
      .min(1)
      .max(MAX_BLOCK_STEPS)
      .meta({ ...listMapBy('id'), [NESTED_DEPTH_META]: 1 }),
    [stepIdsUniqueAtLevel],
  ),
});
export type Block = z.output<typeof Block>;

export const WorkflowSpec = withRules(
  z.strictObject({
    description: boundedString(2048).optional(),
    params: z.array(Param).max(64).meta(listMapBy('name')).optional(),
    credentials: z.array(CredentialSlot).max(16).meta(listMapBy('name')).optional(),
    timeouts: Timeouts.optional(),
    limits: Limits.optional(),
    browser: BrowserSettings.optional(),
    dialogs: DialogPolicy.optional().meta({ description: 'What the robot answers to dialogs (default: dismiss).' }),
    steps: stepList(MAX_TOP_LEVEL_STEPS),
    blocks: z
      .array(Block)
      .max(MAX_BLOCKS)
      .meta({ ...listMapBy('name'), description: 'Named step lists, run by `run` steps and try catch/finally.' })
      .optional(),
  }),
  [
    ...browserSettingsRules,
    {
      message: 'param names must be unique',
      fieldPath: '.params',
      holds: (w) => !w.params || new Set(w.params.map((p) => p.name)).size === w.params.length,
    },
    {
      message: 'credential slot names must be unique',
      fieldPath: '.credentials',
      holds: (w) => !w.credentials || new Set(w.credentials.map((c) => c.name)).size === w.credentials.length,
    },
    {
      // zod only: the generated CRD has no room for deeper lists (they are unrolled to this depth).
      message: `steps may nest at most ${MAX_STEP_LIST_DEPTH} levels deep`,
      fieldPath: '.steps',
      holds: (w) => stepListDepth(w.steps) <= MAX_STEP_LIST_DEPTH,
    },
    {
      message: 'block names must be unique',
      fieldPath: '.blocks',
      holds: (w) => !w.blocks || new Set(w.blocks.map((b) => b.name)).size === w.blocks.length,
    },
    {
      // zod only, like the rule above; a block goes deeper by running another block.
      message: `steps of a block may nest at most ${MAX_BLOCK_STEP_LIST_DEPTH} levels deep (run another block to go deeper)`,
      fieldPath: '.blocks',
      holds: (w) => (w.blocks ?? []).every((b) => stepListDepth(b.steps) <= MAX_BLOCK_STEP_LIST_DEPTH),
    },
  ],
);
export type WorkflowSpec = z.output<typeof WorkflowSpec>;
export type WorkflowSpecInput = z.input<typeof WorkflowSpec>;
