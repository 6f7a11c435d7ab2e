// What every workflow step shares (id, timeout, onError, mask, dialogs) and the builder of a step's
// schema. Kept apart from workflow.ts so modules of steps (steps-browser.ts, ...) can build steps
// without importing the step union that registers them.
import { z } from 'zod';
import { boundedString, identifier } from './bounds.js';
import { withRules } from './rules.js';
import { PlainTarget } from './target.js';

export const template = (max: number) => boundedString(max).meta({ description: 'Template: may contain {{ expressions }}.' });
/** One schema per shared field name: the CRD merges all actions' fields into one object. */
export const valueTemplate = () => template(8192);
export const urlTemplate = () => template(2048).min(1);
export const expression = () => boundedString(1024).min(1).meta({ description: 'Expression (see api/README.md).' });

export const WAIT_UNTIL = ['load', 'domcontentloaded', 'networkidle', 'commit'] as const;

export const ON_ERROR_POLICIES = ['fail', 'continue', 'retry'] as const;

export const Backoff = z.strictObject({
  initialSeconds: z.number().min(0).max(3600).optional(),
  multiplier: z.number().min(1).max(10).optional(),
  maxSeconds: z.number().min(0).max(3600).optional(),
});

export const OnError = withRules(
  z.strictObject({
    policy: z.enum(ON_ERROR_POLICIES),
    retries: z.int().min(1).max(10).optional(),
    backoff: Backoff.optional(),
  }),
  [
    {
      cel: "self.policy == 'retry' || (!has(self.retries) && !has(self.backoff))",
      message: 'retries and backoff are only allowed with policy retry',
      fieldPath: '.retries',
      holds: (o) => o.policy === 'retry' || (o.retries === undefined && o.backoff === undefined),
    },
  ],
);
export type OnError = z.infer<typeof OnError>;

/** What must never be recorded from a step: elements blanked in screenshots, the output itself. */
export const Mask = z.strictObject({
  elements: z.array(PlainTarget).max(4).optional(),
  output: z.boolean().optional(),
});
export type Mask = z.infer<typeof Mask>;

export const DIALOG_ACTIONS = ['accept', 'dismiss'] as const;

/** What the robot answers to alert/confirm/prompt/beforeunload dialogs (default: dismiss). */
export const DialogPolicy = withRules(
  z.strictObject({
    action: z.enum(DIALOG_ACTIONS),
    promptText: template(4096).optional().meta({ description: 'Template: the answer to a prompt() (accept only).' }),
  }),
  [
    {
      cel: "self.action == 'accept' || !has(self.promptText)",
      message: 'promptText is only allowed with action accept',
      fieldPath: '.promptText',
      holds: (d) => d.action === 'accept' || d.promptText === undefined,
    },
  ],
);
export type DialogPolicy = z.infer<typeof DialogPolicy>;

export const stepCommon = {
  id: identifier(),
  description: boundedString(512).optional(),
  timeoutSeconds: z.int().min(1).max(3600).optional(),
  onError: OnError.optional(),
  mask: Mask.optional(),
  dialogs: DialogPolicy.optional().meta({ description: "Dialogs during this step (over the workflow's dialogs)." }),
};

export function step<A extends string, F extends z.core.$ZodLooseShape>(action: A, fields: F) {
  // Copy descriptors, not values: the if/forEach fields are getters (lazy, for recursion).
  const shape = Object.defineProperties(
    { ...stepCommon, action: z.literal(action) },
    Object.getOwnPropertyDescriptors(fields),
  );
  return z.strictObject(shape as typeof stepCommon & { action: z.ZodLiteral<A> } & F);
}
