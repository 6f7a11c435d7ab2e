// Shapes shared by the healing modules. ElementDescriptor is the public contract (issue 7); the
// target shapes mirror api/v1alpha1/target.ts as plain objects so this folder does not depend on
// the zod schema's exact module. This file imports nothing: every healing module (and the barrel
// index.ts) takes its shapes from here.

/** What the robot remembers about an element, to find it again after the page changed. */
export interface ElementDescriptor {
  tag: string;
  id?: string;
  name?: string;
  type?: string;
  role?: string;
  accessibleName?: string;
  classes?: string[];
  text?: string;
  placeholder?: string;
  label?: string;
  href?: string;
  src?: string;
  alt?: string;
  title?: string;
  attributes?: Record<string, string>;
  xpath?: string;
  idXpath?: string;
  box?: { x: number; y: number; width: number; height: number };
  neighborText?: { above?: string; below?: string; left?: string; right?: string };
  /** Headings of the sections the element sits in, innermost first (up to 3; see inpage.ts). */
  sectionHeadings?: string[];
  /** Inside same-origin iframes: a Playwright selector of each iframe element, outermost first. */
  frame?: string[];
  /** Inside an open shadow root: a CSS path (from `html`) whose `>` steps cross into shadow roots. */
  deepCss?: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RankResult {
  /** Index into `candidates` of the chosen element, or null to abstain. */
  choice: number | null;
  /** Every candidate's score, best first. */
  ranked: { index: number; score: number }[];
}

/** A plain element target (exactly one locator kind is set). */
export interface PlainTarget {
  role?: string;
  name?: string;
  exact?: boolean;
  label?: string;
  testId?: string;
  text?: string;
  css?: string;
  xpath?: string;
}

export type SpatialRelation = 'above' | 'below' | 'leftOf' | 'rightOf' | 'inside' | 'near';

export interface AnchorSpec {
  target: PlainTarget;
  relation: SpatialRelation;
  withinPx?: number;
}

export interface ImageTemplate {
  /** The template image as base64 PNG (a ConfigMap reference is resolved by the engine before healing). */
  pngBase64?: string;
  /** Where the element was last seen, in CSS pixels of the viewport. */
  lastKnownBox?: Box;
  /** Minimum normalised correlation to accept a match (default MIN_CORRELATION, 0.85). */
  threshold?: number;
  /**
   * Where the element lies in the picture (its pixels), when the picture shows the element with its
   * surroundings (the robot's own templates): the element alone is looked for first, the whole picture
   * only to tell identical elements apart by what stands around them. Absent: the picture is the element.
   */
  focus?: Box;
}

/** Where an automatically chosen anchor came from, most trusted first. */
export type AnchorSource = 'label' | 'labelledby' | 'legend' | 'columnheader' | 'rowtext' | 'heading' | 'landmark';

/** An anchor the robot chose and recorded by itself (see anchors.ts). */
export interface RecordedAnchor extends AnchorSpec {
  source: AnchorSource;
  /** How far the element was from the anchor in `relation` when recorded (px). */
  distance: number;
  /**
   * The element's top-left corner minus the anchor's when recorded (px). A candidate must stand at about
   * the same offset: a heading says little about which of two buttons side by side was meant.
   */
  offset?: { dx: number; dy: number };
  /** The anchor's frame (as ElementDescriptor.frame). */
  frame?: string[];
}

/** Aids the robot recorded for a step's element, used when the author wrote none (or theirs abstain). */
export interface RecordedAids {
  anchors?: RecordedAnchor[];
  image?: ImageTemplate;
}

/** A step's element target with its healing aids. */
export interface HealableTarget extends PlainTarget {
  fingerprint?: ElementDescriptor;
  anchor?: AnchorSpec;
  image?: ImageTemplate;
}
