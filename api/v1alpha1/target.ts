// How a step names an element: one primary locator (what Playwright resolves first) plus optional
// evidence for self-healing when the page changes: the recorded fingerprint, a stable anchor
// nearby, and an image template.
import { z } from 'zod';
import { boundedRecord, boundedString } from './bounds.js';
import { celExactlyOne, exactlyOne, withRules } from './rules.js';

export const LOCATOR_KINDS = ['role', 'label', 'testId', 'text', 'css', 'xpath'] as const;
export type LocatorKind = (typeof LOCATOR_KINDS)[number];

export const Box = z.strictObject({
  x: z.number(),
  y: z.number(),
  width: z.number().min(0),
  height: z.number().min(0),
});
export type Box = z.infer<typeof Box>;

/** The recorded descriptor of an element, as a recorder or a previous successful run saw it. */
export const Fingerprint = z
  .strictObject({
    tag: boundedString(64),
    id: boundedString(256).optional(),
    name: boundedString(256).optional(),
    type: boundedString(64).optional(),
    role: boundedString(64).optional(),
    accessibleName: boundedString(512).optional(),
    classes: z.array(boundedString(128)).max(32).optional(),
    text: boundedString(1024).optional(),
    placeholder: boundedString(256).optional(),
    label: boundedString(512).optional(),
    href: boundedString(2048).optional(),
    src: boundedString(2048).optional(),
    alt: boundedString(512).optional(),
    title: boundedString(512).optional(),
    attributes: boundedRecord(boundedString(128), boundedString(1024), 64).optional(),
    xpath: boundedString(2048).optional(),
    idXpath: boundedString(2048).optional(),
    box: Box.optional(),
    neighborText: z
      .strictObject({
        above: boundedString(512).optional(),
        below: boundedString(512).optional(),
        left: boundedString(512).optional(),
        right: boundedString(512).optional(),
      })
      .optional(),
    sectionHeadings: z
      .array(boundedString(512))
      .max(8)
      .optional()
      .meta({ description: 'Headings of the sections the element sits in, innermost first.' }),
    frame: z
      .array(boundedString(2048))
      .max(8)
      .optional()
      .meta({ description: 'Inside same-origin iframes: a selector of each iframe element, outermost first.' }),
    deepCss: boundedString(4096)
      .optional()
      .meta({ description: 'Inside an open shadow root: a CSS path from html whose child steps cross shadow roots.' }),
  })
  .meta({ description: 'Recorded element descriptor used to re-find the element when its locator breaks.' });
export type Fingerprint = z.infer<typeof Fingerprint>;

const locatorFields = {
  role: boundedString(64).optional().meta({ description: 'ARIA role, e.g. button, link, textbox.' }),
  name: boundedString(512).optional().meta({ description: 'Accessible name; only with role.' }),
  exact: z.boolean().optional().meta({ description: 'Match name/label/text exactly instead of by substring.' }),
  label: boundedString(512).optional(),
  testId: boundedString(256).optional(),
  text: boundedString(1024).optional(),
  css: boundedString(2048).optional(),
  xpath: boundedString(2048).optional(),
  nth: z.int().min(0).max(1000).optional().meta({ description: 'Pick the n-th match (0-based) when several match.' }),
};

type LocatorShape = { [K in keyof typeof locatorFields]?: unknown };

function locatorRules<T extends LocatorShape>() {
  return [
    {
      cel: celExactlyOne(LOCATOR_KINDS),
      message: `exactly one of ${LOCATOR_KINDS.join(', ')} must be set`,
      holds: (t: T) => exactlyOne(...LOCATOR_KINDS.map((k) => t[k])),
    },
    {
      cel: '!has(self.name) || has(self.role)',
      message: 'name is only allowed together with role',
      fieldPath: '.name',
      holds: (t: T) => t.name === undefined || t.role !== undefined,
    },
  ];
}

/** A locator without healing evidence: used inside anchors and mask lists. */
export const PlainTarget = withRules(z.strictObject(locatorFields), locatorRules());
export type PlainTarget = z.infer<typeof PlainTarget>;

export const ANCHOR_RELATIONS = ['above', 'below', 'leftOf', 'rightOf', 'inside', 'near'] as const;

/** A stable element near the wanted one: "the input rightOf the label 'Amount'". */
export const Anchor = z.strictObject({
  target: PlainTarget,
  relation: z.enum(ANCHOR_RELATIONS),
  withinPx: z.int().min(1).max(2000).optional(),
});
export type Anchor = z.infer<typeof Anchor>;

export const ConfigMapKeyRef = z.strictObject({
  name: boundedString(253).min(1),
  key: boundedString(253).min(1),
});

/** A template image for visual matching; inline PNG (base64) or a ConfigMap key holding one. */
export const ImageTemplate = withRules(
  z.strictObject({
    png: boundedString(65536)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/)
      .optional()
      .meta({ description: 'Base64 PNG.' }),
    configMapKeyRef: ConfigMapKeyRef.optional(),
    lastBox: Box.optional().meta({ description: 'Where the template matched last time; searched first.' }),
    threshold: z.number().min(0).max(1).optional().meta({ description: 'Minimum match score, 0..1.' }),
  }),
  [
    {
      cel: celExactlyOne(['png', 'configMapKeyRef']),
      message: 'exactly one of png, configMapKeyRef must be set',
      holds: (i) => exactlyOne(i.png, i.configMapKeyRef),
    },
  ],
);
export type ImageTemplate = z.infer<typeof ImageTemplate>;

/** The iframe a target lives in: by its name attribute, the URL it shows (a glob with *), or the iframe element. */
export const FrameRef = withRules(
  z.strictObject({
    name: boundedString(256).min(1).optional(),
    url: boundedString(2048).min(1).optional().meta({ description: "The frame's URL: exact, or a glob with *." }),
    target: PlainTarget.optional().meta({ description: 'The iframe element.' }),
  }),
  [
    {
      cel: celExactlyOne(['name', 'url', 'target']),
      message: 'frame needs exactly one of name, url, target',
      holds: (f) => exactlyOne(f.name, f.url, f.target),
    },
  ],
);
export type FrameRef = z.infer<typeof FrameRef>;

/** The element a step acts on. */
export const Target = withRules(
  z.strictObject({
    ...locatorFields,
    frame: FrameRef.optional().meta({ description: 'Look for the element inside this iframe (same- or cross-origin).' }),
    fingerprint: Fingerprint.optional(),
    anchor: Anchor.optional(),
    image: ImageTemplate.optional(),
  }),
  locatorRules(),
);
export type Target = z.infer<typeof Target>;

/** Which locator a target uses. */
export function locatorKind(t: PlainTarget): LocatorKind {
  const kind = LOCATOR_KINDS.find((k) => t[k] !== undefined);
  if (!kind) throw new Error('target has no locator');
  return kind;
}
