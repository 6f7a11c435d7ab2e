// The single place where an element target becomes a Playwright Locator. Self-healing plugs in
// here: the engine takes a `TargetResolver` and uses `resolveTarget` when none is given.
import type { Locator, Page } from 'playwright-core';
import type { FrameRef, PlainTarget, Target } from '../../../api/v1alpha1/target.js';
import { frameRoot } from './frames.js';
import type { Redactor } from './redact.js';

export interface ResolveContext {
  /** Checkpoint name of the step asking, for logs and healing events. */
  stepPath: string;
  /** What the step may spend finding the element. */
  timeoutMs: number;
  /**
   * 'one' (default): the step acts on exactly one element, so zero or several matches call for
   * healing. 'any': zero or many matches are a valid answer (waitFor hidden, extract all, masks).
   */
  expect?: 'one' | 'any';
  /** The target's locator was rendered from a template: it names a different element per run or item. */
  templated?: boolean;
  /** The step masks its output (`mask.output`): the element (its text) is never recorded. */
  masked?: boolean;
  /** The job asking; without it a resolver neither records nor heals from records. */
  job?: ResolveJob;
}

/** Who is resolving: where a healing resolver keeps its records, and whom it tells about a heal. */
export interface ResolveJob {
  /** The run's UID (RpaJob UID). */
  runUid: string;
  /** Where element records and heal events of this workflow live (absent: nothing is recorded). */
  workflow?: { namespace: string; name: string };
  /** The job's redactor: nothing carrying a credential or masked value is recorded, and notices are redacted. */
  redactor: Redactor;
  /** Told about every heal and abstention, as it happens. */
  onHeal?(notice: HealNotice): void;
  /** Per-attempt memory of healed targets (target key -> where the element is), so masks follow the heal. */
  healed: Map<string, HealedAddress>;
}

/** Where a healed element is: its XPath, or deep CSS path in a shadow root, inside its iframes. */
export interface HealedAddress {
  xpath: string;
  frame?: string[];
  deepCss?: string;
}

/** What a healing resolver did for one step's target. */
export interface HealNotice {
  stepPath: string;
  outcome: 'healed' | 'abstained';
  tier: 1 | 2 | 3 | null;
  score: number;
  /** The failing target, described (describeTarget). */
  target: string;
  /** The healed element's most stable selector (locator fields), when one was found. */
  suggestion?: Record<string, string | boolean>;
  reason?: string;
}

export type TargetResolver = (page: Page, target: Target, ctx: ResolveContext) => Promise<Locator>;

type AriaRole = Parameters<Page['getByRole']>[0];

/** The primary locator of a target, exactly as written (inside its frame, if it names one); no waiting, no healing. */
export function primaryLocator(page: Page, t: PlainTarget & { frame?: FrameRef }): Locator {
  const exact = t.exact;
  const root = t.frame ? frameRoot(page, t.frame, (f) => primaryLocator(page, f)) : page;
  let loc: Locator;
  if (t.role !== undefined)
    loc = root.getByRole(t.role as AriaRole, { ...(t.name !== undefined ? { name: t.name } : {}), exact });
  else if (t.label !== undefined) loc = root.getByLabel(t.label, { exact });
  else if (t.testId !== undefined) loc = root.getByTestId(t.testId);
  else if (t.text !== undefined) loc = root.getByText(t.text, { exact });
  else if (t.css !== undefined) loc = root.locator(t.css);
  else if (t.xpath !== undefined) loc = root.locator(`xpath=${t.xpath}`);
  else throw new Error('target has no locator (one of role, label, testId, text, css, xpath)');
  return t.nth !== undefined ? loc.nth(t.nth) : loc;
}

/** Default resolver: the primary locator. Playwright's auto-waiting does the rest. */
export const resolveTarget: TargetResolver = async (page, target) => primaryLocator(page, target);

/** A short, secret-free description of a target for error messages. */
export function describeTarget(t: PlainTarget & { frame?: FrameRef }): string {
  if (t.frame) return `${describeTarget({ ...t, frame: undefined })} in frame ${describeFrame(t.frame)}`;
  if (t.role !== undefined) return `role=${t.role}${t.name !== undefined ? `[name=${JSON.stringify(t.name)}]` : ''}`;
  if (t.label !== undefined) return `label=${JSON.stringify(t.label)}`;
  if (t.testId !== undefined) return `testId=${JSON.stringify(t.testId)}`;
  if (t.text !== undefined) return `text=${JSON.stringify(t.text)}`;
  if (t.css !== undefined) return `css=${JSON.stringify(t.css)}`;
  return `xpath=${JSON.stringify(t.xpath ?? '')}`;
}

function describeFrame(f: FrameRef): string {
  if (f.name !== undefined) return `name=${JSON.stringify(f.name)}`;
  if (f.url !== undefined) return `url=${JSON.stringify(f.url)}`;
  return describeTarget(f.target!);
}
