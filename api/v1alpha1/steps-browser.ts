// Browser steps beyond the basic ones: waits, scrolling, history, tabs. Registered in workflow.ts's
// leafSteps; shared field names (target, url, text, condition, waitUntil) keep the schema they have
// in the other steps, since the CRD merges all actions' fields into one object.
import { z } from 'zod';
import { boundedString } from './bounds.js';
import { celExactlyOne, exactlyOne, withRules } from './rules.js';
import { expression, step, template, urlTemplate, WAIT_UNTIL } from './step-base.js';
import { Target } from './target.js';

export const WAIT_STATES = ['visible', 'hidden', 'attached', 'detached'] as const;
/** Most tabs a job may have open at once (also the highest tab index + 1). */
export const MAX_TABS = 16;

export const ResponseWait = z.strictObject({
  url: boundedString(2048).min(1).meta({ description: "The response's URL: exact, or a glob with *." }),
  status: z.int().min(100).max(599).optional().meta({ description: 'Wait for this status only.' }),
});

export const WaitForStep = withRules(
  step('waitFor', {
    target: Target.optional(),
    state: z.enum(WAIT_STATES).optional(),
    text: template(4096).optional().meta({ description: "Text to wait for: in target's text, or anywhere on the page." }),
    exact: z.boolean().optional(),
    url: urlTemplate().optional(),
    response: ResponseWait.optional().meta({ description: 'Wait for a network response of the page (from the start of the step).' }),
    condition: expression().optional(),
    seconds: z.number().min(0).max(3600).optional(),
  }),
  [
    {
      // A sum, not a list filter: a comprehension costs far more in the CRD's CEL budget.
      cel: `(has(self.target) || has(self.text) ? 1 : 0) + ${celExactlyOne(['url', 'seconds', 'response', 'condition'])}`,
      message: 'waitFor needs exactly one of target, url, seconds, text, response, condition (text may go with target)',
      holds: (s) => exactlyOne(s.target ?? s.text, s.url, s.seconds, s.response, s.condition),
    },
    {
      cel: '!has(self.state) || (has(self.target) && !has(self.text))',
      message: 'state is only allowed with target (and without text)',
      fieldPath: '.state',
      holds: (s) => s.state === undefined || (s.target !== undefined && s.text === undefined),
    },
    {
      cel: '!has(self.exact) || has(self.text)',
      message: 'exact is only allowed with text',
      fieldPath: '.exact',
      holds: (s) => s.exact === undefined || s.text !== undefined,
    },
  ],
);

export const SCROLL_ENDS = ['top', 'bottom'] as const;
const pixels = () => z.int().min(-100000).max(100000).optional();

export const ScrollStep = withRules(
  step('scroll', {
    target: Target.optional(),
    by: z.strictObject({ x: pixels(), y: pixels() }).optional().meta({ description: 'Scroll the page by pixels.' }),
    to: z.enum(SCROLL_ENDS).optional().meta({ description: 'Scroll the page to its top or bottom.' }),
  }),
  [
    {
      cel: celExactlyOne(['target', 'by', 'to']),
      message: 'scroll needs exactly one of target (into view), by, to',
      holds: (s) => exactlyOne(s.target, s.by, s.to),
    },
  ],
);

export const ReloadStep = step('reload', { waitUntil: z.enum(WAIT_UNTIL).optional() });
export const GoBackStep = step('goBack', { waitUntil: z.enum(WAIT_UNTIL).optional() });

const tabIndex = () => z.int().min(0).max(MAX_TABS - 1).optional().meta({ description: 'Tab index, 0 = the first tab opened.' });

/** Clicks target and waits for the tab (popup) it opens; the new tab becomes the active one. */
export const WaitForPopupStep = step('waitForPopup', { target: Target });

export const SwitchTabStep = withRules(
  step('switchTab', {
    index: tabIndex(),
    url: urlTemplate().optional(),
    title: template(512).optional().meta({ description: "Tab title: exact, or a glob with *." }),
  }),
  [
    {
      cel: celExactlyOne(['index', 'url', 'title']),
      message: 'switchTab needs exactly one of index, url, title',
      holds: (s) => exactlyOne(s.index, s.url, s.title),
    },
  ],
);

/** Closes a tab (default: the active one); the tab opened before it becomes active. */
export const CloseTabStep = step('closeTab', { index: tabIndex() });

export const browserSteps = [
  WaitForStep,
  ScrollStep,
  ReloadStep,
  GoBackStep,
  WaitForPopupStep,
  SwitchTabStep,
  CloseTabStep,
] as const;
