// Shapes of the real-application corpus: the committed JSON (corpus/<app>.json) and the app
// definitions the recorder runs.
import type { Page } from 'playwright-core';
import type { ElementDescriptor } from '../../../robot-image/src/healing/types.js';
import type { FetchMode } from './packages.js';
import type { Served } from './serve.js';

export type Split = 'train' | 'test';

export interface RealCorpusCase {
  /** `<app>/<page>/<rule>:<key>`, unique across the corpus. */
  id: string;
  page: string;
  /** The stable identity that matched the old element to the new one (rule and key). */
  identity: string;
  /** Captured with describeElement on the OLD version. */
  recorded: ElementDescriptor;
  /** Index into the page's candidates (NEW version), or null: the target was removed. */
  expected: number | null;
  split: Split;
}

export interface RealCorpusFile {
  app: string;
  package: string;
  oldVersion: string;
  newVersion: string;
  pages: { id: string; candidates: ElementDescriptor[] }[];
  cases: RealCorpusCase[];
}

export type Side = 'old' | 'new';

/**
 * How to find "the same element" in both versions: every element matching `sel` (CSS, or one per
 * side when the markup changed) gets the key `key` (a JavaScript expression over `el`, evaluated in
 * the page with helpers up(el, css), at(el, name), txt(el)). A key must name one element per version;
 * keys matching 0 or several elements are dropped, except that a key absent from the new version is a
 * removed target (expected null) when the rule lists it in `removed` (checked by hand). An element
 * two rules identify is recorded once, under the first rule.
 */
export interface IdentityRule {
  name: string;
  /** What the key is, for the case's `identity` text. */
  describe: string;
  sel: string | { old: string; new: string };
  key: string | { old: string; new: string };
  /** Keys checked by hand to be gone from the new version (expected null when no element has them). */
  removed?: string[];
}

export interface RealScreen {
  id: string;
  /** Bring the page to this screen (navigate, click, wait until rendered). */
  open(page: Page, baseUrl: string, side: Side): Promise<void>;
  rules: IdentityRule[];
}

export interface RealApp {
  app: string;
  package: string;
  oldVersion: string;
  newVersion: string;
  fetch: FetchMode;
  /** Serve (or start) one version on 127.0.0.1; `root` is the cached package folder. */
  start(root: string, side: Side): Promise<Served>;
  screens: RealScreen[];
}
