// Records one real application's corpus: open the OLD version, describe each identified target with
// Aether's describeElement; open the NEW version, collect the whole page's candidates with
// collectCandidates (no hint) and locate the element with the same identity among them.
import type { Browser, ElementHandle, Page } from 'playwright-core';
import { collectCandidates, describeElement } from '../../../robot-image/src/healing/index.js';
import type { ElementDescriptor } from '../../../robot-image/src/healing/types.js';
import { ensurePackage } from './packages.js';
import { splitOf } from './corpus.js';
import type { IdentityRule, RealApp, RealCorpusCase, RealCorpusFile, RealScreen, Side } from './types.js';

interface Identified {
  rule: string;
  key: string;
  xpath: string;
  handle?: () => Promise<ElementHandle>;
}

// Runs in the page (plain JS source, so no transpiler helper leaks in): every element of every rule
// with its key and an absolute XPath to find it again.
const IDENTIFY_SOURCE = String.raw`(rules) => {
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const up = (el, css) => el.closest(css);
  const at = (el, n) => (el ? el.getAttribute(n) : null);
  const txt = (el) => (el ? norm(el.textContent) : '');
  const xp = (el) => {
    const segs = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const p = e.parentElement;
      if (!p) { segs.push(e.localName); break; }
      let n = 0, i = 0;
      for (const c of p.children) if (c.localName === e.localName) { n++; if (c === e) i = n; }
      segs.push(n > 1 ? e.localName + '[' + i + ']' : e.localName);
    }
    return '/' + segs.reverse().join('/');
  };
  const out = [];
  for (const r of rules) {
    const f = new Function('el', 'up', 'at', 'txt', 'return (' + r.key + ');');
    for (const el of document.querySelectorAll(r.sel)) {
      let k = null;
      try { k = f(el, up, at, txt); } catch (e) { k = null; }
      if (k === null || k === undefined || k === '') continue;
      out.push({ rule: r.name, key: String(k), xpath: xp(el), el });
    }
  }
  return out;
}`;
const identifyInPage = new Function(`return (${IDENTIFY_SOURCE});`)() as (
  rules: { name: string; sel: string; key: string }[],
) => (Identified & { el: Element })[];

// The XPath is the one inpage.ts gives candidates (same segments), so a new-version element is
// found among the candidates by it; old-version elements are described through their handles
// (an XPath locator does not reach SVG elements of an HTML document).
export async function identify(page: Page, rules: IdentityRule[], side: Side): Promise<Map<string, Identified[]>> {
  const pick = (v: string | { old: string; new: string }) => (typeof v === 'string' ? v : v[side]);
  const plain = rules.map((r) => ({ name: r.name, key: pick(r.key), sel: pick(r.sel) }));
  const all = await page.evaluateHandle(identifyInPage, plain);
  const found = await all.evaluate((xs) => xs.map(({ rule, key, xpath }) => ({ rule, key, xpath })));
  const byKey = new Map<string, Identified[]>();
  for (const [i, f] of found.entries()) {
    const k = `${f.rule}:${f.key}`;
    const handle = async () => {
      const h = (await all.evaluateHandle((xs, n) => xs[n]!.el, i)).asElement();
      if (!h) throw new Error(`${k}: element handle lost`);
      return h;
    };
    byKey.set(k, [...(byKey.get(k) ?? []), { ...f, handle }]);
  }
  return byKey;
}

/** Descriptor without empty containers, so the committed JSON stays small. */
export function compact(d: ElementDescriptor): ElementDescriptor {
  const c: ElementDescriptor = { ...d };
  if (c.neighborText && Object.keys(c.neighborText).length === 0) delete c.neighborText;
  if (c.attributes && Object.keys(c.attributes).length === 0) delete c.attributes;
  if (c.classes && c.classes.length === 0) delete c.classes;
  return c;
}

export interface RecordOptions {
  /** Only these screens (all when absent). */
  screens?: string[];
  log?: (msg: string) => void;
}

interface OldTarget {
  key: string;
  rule: IdentityRule;
  recorded: ElementDescriptor;
}

async function recordOld(page: Page, screen: RealScreen): Promise<OldTarget[]> {
  const byKey = await identify(page, screen.rules, 'old');
  const out: OldTarget[] = [];
  const seen = new Set<string>();
  for (const [key, hits] of byKey) {
    if (hits.length !== 1 || seen.has(hits[0]!.xpath)) continue;
    seen.add(hits[0]!.xpath);
    const el = await hits[0]!.handle!();
    if (!(await el.isVisible())) continue;
    const recorded = await describeElement(el);
    if (!recorded.box || recorded.box.width <= 0 || recorded.box.height <= 0) continue;
    out.push({ key, rule: screen.rules.find((r) => r.name === hits[0]!.rule)!, recorded: compact(recorded) });
  }
  return out;
}

async function recordNew(
  page: Page,
  screen: RealScreen,
): Promise<{ candidates: ElementDescriptor[]; where: Map<string, number | 'ambiguous' | 'hidden'> }> {
  const candidates = (await collectCandidates(page)).map(compact);
  const index = new Map(candidates.map((c, i) => [c.xpath, i]));
  const byKey = await identify(page, screen.rules, 'new');
  const where = new Map<string, number | 'ambiguous' | 'hidden'>();
  for (const [key, hits] of byKey) {
    if (hits.length !== 1) {
      where.set(key, 'ambiguous');
      continue;
    }
    where.set(key, index.get(hits[0]!.xpath) ?? 'hidden');
  }
  return { candidates, where };
}

export async function recordApp(browser: Browser, app: RealApp, opts: RecordOptions = {}): Promise<RealCorpusFile> {
  const log = opts.log ?? (() => {});
  const roots = {
    old: ensurePackage(app.package, app.oldVersion, app.fetch),
    new: ensurePackage(app.package, app.newVersion, app.fetch),
  };
  const screens = app.screens.filter((s) => !opts.screens || opts.screens.includes(s.id));
  const file: RealCorpusFile = {
    app: app.app,
    package: app.package,
    oldVersion: app.oldVersion,
    newVersion: app.newVersion,
    pages: [],
    cases: [],
  };
  const olds = new Map<string, OldTarget[]>();
  for (const side of ['old', 'new'] as const) {
    const served = await app.start(roots[side], side);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      bypassCSP: true,
    });
    try {
      for (const screen of screens) {
        const page = await context.newPage();
        await screen.open(page, served.baseUrl, side);
        if (side === 'old') {
          olds.set(screen.id, await recordOld(page, screen));
        } else {
          const { candidates, where } = await recordNew(page, screen);
          let kept = 0;
          for (const t of olds.get(screen.id) ?? []) {
            const w = where.get(t.key);
            let expected: number | null;
            if (typeof w === 'number') expected = w;
            else if (w === undefined && t.rule.removed?.includes(t.key.slice(t.rule.name.length + 1))) expected = null;
            else continue;
            const id = `${app.app}/${screen.id}/${t.key}`;
            const c: RealCorpusCase = {
              id,
              page: screen.id,
              identity: `${t.rule.describe}: ${t.key.slice(t.rule.name.length + 1)}`,
              recorded: t.recorded,
              expected,
              split: splitOf(id),
            };
            file.cases.push(c);
            kept++;
          }
          file.pages.push({ id: screen.id, candidates });
          log(
            `${app.app}/${screen.id}: ${olds.get(screen.id)?.length ?? 0} old targets, ${candidates.length} candidates, ${kept} cases`,
          );
        }
        await page.close();
      }
    } finally {
      await context.close();
      await served.close();
    }
  }
  return file;
}
