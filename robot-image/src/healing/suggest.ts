// What to tell the user after a heal: the healed element's best stable selector (verified unique
// on the page), how fragile a target is, and per-step suggestions aggregated from heal events.
import type { Page } from 'playwright-core';
import { plainLocator, xpathOfLocator } from './locate.js';
import { testIdOf } from './score.js';
import { isGeneratedName } from './text.js';
import type { ElementDescriptor, PlainTarget } from './types.js';

export interface Fragility {
  /** 0 = robust (test id, role+name) .. 1 = breaks on any change (absolute XPath). */
  score: number;
  reasons: string[];
}

const cssTokens = (css: string) => ({
  ids: [...css.matchAll(/#([\w-]+)/g)].map((m) => m[1]!),
  classes: [...css.matchAll(/\.([\w-]+)/g)].map((m) => m[1]!),
});

/** How likely a target is to break when the page changes. Pure. */
export function targetFragility(t: PlainTarget): Fragility {
  const reasons: string[] = [];
  let score: number;
  if (t.testId) score = 0.05;
  else if (t.role) {
    score = t.name ? 0.1 : 0.5;
    if (!t.name) reasons.push('role without a name matches any element of that role');
  } else if (t.label) score = 0.15;
  else if (t.text) {
    score = 0.3;
    reasons.push('visible text changes with copy edits and translations');
  } else if (t.css) {
    const { ids, classes } = cssTokens(t.css);
    score = ids.length > 0 && ids.every((i) => !isGeneratedName(i)) && classes.length === 0 ? 0.25 : 0.45;
    if (ids.some(isGeneratedName)) {
      score = Math.max(score, 0.8);
      reasons.push('generated id');
    }
    if (classes.some(isGeneratedName)) {
      score = Math.max(score, 0.8);
      reasons.push('generated class names');
    }
    if (/:nth-(child|of-type)|:first-child|:last-child|:eq\(/.test(t.css)) {
      score = Math.max(score, 0.7);
      reasons.push('position-based css (nth-child)');
    }
    if ((t.css.match(/>/g) ?? []).length >= 3) {
      score = Math.max(score, 0.6);
      reasons.push('long css child chain');
    }
  } else if (t.xpath) {
    if (/^\/html|^\/body|^\/\w/.test(t.xpath)) {
      score = 0.9;
      reasons.push('absolute XPath');
    } else score = /\[\d+\]/.test(t.xpath) ? 0.6 : 0.35;
    if (/\[\d+\]/.test(t.xpath)) reasons.push('index-based XPath steps');
  } else score = 1;
  return { score, reasons };
}

/** Fragility of what was recorded about an element: what a selector for it would have to rely on. */
export function descriptorFragility(d: ElementDescriptor): Fragility {
  if (testIdOf(d)) return { score: 0.05, reasons: [] };
  if (d.role && d.accessibleName) return { score: 0.1, reasons: [] };
  if (d.label) return { score: 0.15, reasons: [] };
  if (d.id && !isGeneratedName(d.id)) return { score: 0.25, reasons: [] };
  const reasons = ['no test id, accessible name, label or stable id'];
  if ((d.classes ?? []).length > 0 && (d.classes ?? []).every(isGeneratedName))
    reasons.push('generated class names only');
  return { score: 0.8, reasons };
}

const ROLE_OK = new Set([
  'button',
  'link',
  'textbox',
  'searchbox',
  'checkbox',
  'radio',
  'switch',
  'combobox',
  'listbox',
  'tab',
  'menuitem',
  'heading',
  'img',
  'option',
  'spinbutton',
  'slider',
  'cell',
  'columnheader',
]);
const cssString = (s: string) => JSON.stringify(s);

/** Selectors to try for a described element, most stable first. Pure. */
export function selectorCandidates(d: ElementDescriptor): PlainTarget[] {
  const out: PlainTarget[] = [];
  const name = d.accessibleName?.trim();
  if (d.role && ROLE_OK.has(d.role) && name && name.length <= 80) out.push({ role: d.role, name });
  const testId = d.attributes?.['data-testid'];
  if (testId) out.push({ testId });
  if (d.label && d.label.length <= 80) out.push({ label: d.label });
  if (d.id && !isGeneratedName(d.id)) out.push({ css: `#${CSS_escape(d.id)}` });
  const other = testIdOf(d);
  if (other && other !== testId) {
    const attr = Object.entries(d.attributes ?? {}).find(([, v]) => v === other)![0];
    out.push({ css: `[${attr}=${cssString(other)}]` });
  }
  if (d.name && !isGeneratedName(d.name)) out.push({ css: `${d.tag}[name=${cssString(d.name)}]` });
  if (d.placeholder) out.push({ css: `${d.tag}[placeholder=${cssString(d.placeholder)}]` });
  if (d.text && d.text.length <= 60 && !['input', 'select', 'textarea'].includes(d.tag)) out.push({ text: d.text });
  if (d.idXpath && d.idXpath.startsWith('//')) out.push({ xpath: d.idXpath });
  return out;
}

function CSS_escape(id: string): string {
  return /^[A-Za-z_][\w-]*$/.test(id) ? id : id.replace(/([^\w-])/g, '\\$1').replace(/^(\d)/, '\\3$1 ');
}

export interface StableSelector {
  target: PlainTarget;
  fragility: Fragility;
}

/**
 * The most stable selector that matches exactly this element on the current page, or null.
 * `elementXpath` identifies the element (its absolute XPath, e.g. from the candidate descriptor).
 */
export async function bestStableSelector(
  page: Page,
  d: ElementDescriptor,
  elementXpath: string,
): Promise<StableSelector | null> {
  for (const target of selectorCandidates(d)) {
    const loc = plainLocator(page, target);
    if ((await loc.count()) !== 1) continue;
    if ((await xpathOfLocator(loc)) !== elementXpath) continue;
    return { target, fragility: targetFragility(target) };
  }
  return null;
}

/** One heal as recorded in the healing-events table. */
export interface HealEvent {
  stepId: string;
  tier: 1 | 2 | 3 | null;
  outcome: 'healed' | 'abstained';
  suggestion?: PlainTarget | null;
  /** ISO time; later events win ties. */
  at?: string;
}

export interface StepSuggestion {
  stepId: string;
  /** The selector to put in the workflow instead of the failing one. */
  selector: PlainTarget;
  /** How many runs needed healing for this step. */
  count: number;
  lastTier: 1 | 2 | 3 | null;
  lastHealedAt?: string;
}

const key = (t: PlainTarget) => JSON.stringify(Object.entries(t).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Per-step suggestions for RpaWorkflow status: the most frequent suggested selector of the step's
 * successful heals (latest wins a tie) and how many heals the step needed. Pure; sorted by step id.
 */
export function suggestionsFromEvents(events: readonly HealEvent[]): StepSuggestion[] {
  const sorted = [...events].sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  interface Acc {
    count: number;
    votes: Map<string, { target: PlainTarget; n: number; last: number }>;
    lastTier: 1 | 2 | 3 | null;
    lastAt?: string;
  }
  const bySteps = new Map<string, Acc>();
  sorted.forEach((e, i) => {
    if (e.outcome !== 'healed') return;
    const s: Acc = bySteps.get(e.stepId) ?? { count: 0, votes: new Map(), lastTier: null };
    s.count++;
    s.lastTier = e.tier;
    if (e.at) s.lastAt = e.at;
    if (e.suggestion) {
      const k = key(e.suggestion);
      const v = s.votes.get(k) ?? { target: e.suggestion, n: 0, last: i };
      v.n++;
      v.last = i;
      s.votes.set(k, v);
    }
    bySteps.set(e.stepId, s);
  });
  const out: StepSuggestion[] = [];
  for (const [stepId, s] of bySteps) {
    const best = [...s.votes.values()].sort((a, b) => b.n - a.n || b.last - a.last)[0];
    if (!best) continue;
    out.push({
      stepId,
      selector: best.target,
      count: s.count,
      lastTier: s.lastTier,
      ...(s.lastAt ? { lastHealedAt: s.lastAt } : {}),
    });
  }
  return out.sort((a, b) => a.stepId.localeCompare(b.stepId));
}
